"""LLM Playground core package.

Importing this package does nothing heavy: no model loading, no gradio, no threads.
The core modules (everything outside ``playground.ui``) never import gradio.
"""

__version__ = "0.1.0"
