"""Calling the app's API by name (gradio_client keyword arguments), as the README documents it."""

BUNDLED = "SmolLM2-135M-Instruct (bundled, offline)"
# Greedy decoding for repeatable tests; every other decoding control keeps the value the UI starts with.
GREEDY = {"max_new_tokens": 48, "do_sample": False, "repetition_penalty": 1.0}


def call(client, api: str, **named):
    """``client.predict`` on ``/api`` with named values (omitted ones take the UI's defaults)."""
    return client.predict(api_name=f"/{api}", **named)


def submit(client, api: str, **named):
    return client.submit(api_name=f"/{api}", **named)


def generate_args(prompt: str, model: str, mode: str = "complete", **settings) -> dict:
    """Named values for /generate: greedy unless ``settings`` says otherwise."""
    return {"mode": mode, "prompt": prompt, "model": model, **GREEDY, **settings}
