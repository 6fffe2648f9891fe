"""Gradio user interface: one module per tab; handlers only translate between widgets and core calls."""

from .app import build_app, launch_kwargs

__all__ = ["build_app", "launch_kwargs"]
