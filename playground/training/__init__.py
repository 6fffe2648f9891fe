"""Fine-tuning internals; import the public names from ``playground.finetune``."""
