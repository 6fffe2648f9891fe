"""LLM Playground: ``python app.py`` serves the app on http://127.0.0.1:7860 (a Space runs this file too)."""

import logging

from playground.ui import build_app, launch_kwargs

demo, ctx = build_app()

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.preload()
    demo.launch(**launch_kwargs(ctx))
