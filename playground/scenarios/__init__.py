"""Application scenarios as data (``spec``, ``registry``) plus the few code paths that need more than a prompt:
retrieval over a knowledge base, label-likelihood classification and answer ranking, JSON extraction."""

from .registry import all_scenarios, get
from .spec import GROUPS, Example, Input, Scenario, fill_template, validate

__all__ = ["GROUPS", "Example", "Input", "Scenario", "all_scenarios", "fill_template", "get", "validate"]
