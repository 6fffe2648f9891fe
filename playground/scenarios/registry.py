"""All scenarios, in picker order. Adding a scenario = adding a ``Scenario`` to one of these modules' lists."""

from __future__ import annotations

from functools import lru_cache

from . import analysis, content, customer, education, language, medical
from .spec import Scenario, validate

MODULES = (customer, analysis, language, education, medical, content)


@lru_cache(maxsize=1)
def all_scenarios() -> tuple[Scenario, ...]:
    items = tuple(s for m in MODULES for s in m.SCENARIOS)
    ids = [s.id for s in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"Scenario ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return items


def get(scenario_id: str) -> Scenario:
    for s in all_scenarios():
        if s.id == scenario_id:
            return s
    raise KeyError(f"Unknown scenario {scenario_id!r}.")


def problems() -> dict[str, list[str]]:
    """Validation problems per scenario id (only those with problems)."""
    return {s.id: p for s in all_scenarios() if (p := validate(s))}
