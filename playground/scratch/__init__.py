"""From scratch: train a tiny LSTM and a tiny Transformer side by side on the same characters, then compare them.

Modules: ``settings`` (what a run may ask for), ``models`` (the two networks and the character tokenizer),
``texts`` (where the training text comes from), ``loop`` (the alternating training loop and its events),
``jobs`` (one run per session on the compute worker), ``analysis`` (after training), ``sentiment`` (one task
solved three ways). Importing this package loads nothing.
"""
