"""The teacher's view: exists only when the operator sets PLAYGROUND_TEACHER_TOKEN; opened with ?teacher=<token>."""
