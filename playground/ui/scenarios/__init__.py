"""The scenarios tab: layout.py builds it, handlers.py holds its handlers, strings.py its texts."""
