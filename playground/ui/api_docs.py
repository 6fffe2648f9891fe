"""The README's API table, made from the app itself: ``python -m playground.ui.api_docs`` prints it.

A test compares it with the README, so a changed endpoint or parameter cannot go undocumented.
"""

from __future__ import annotations

MARKERS = ("<!-- api:start -->", "<!-- api:end -->")


def api_markdown(demo) -> str:
    """One row per public endpoint: its named parameters (``*`` = required) and how many values it returns."""
    rows = ["| endpoint | parameters (by name; `*` = required, the rest default to what the UI starts with) | returns |",
            "|---|---|---|"]
    for name, ep in demo.get_api_info()["named_endpoints"].items():
        params = ", ".join(f"`{p['parameter_name']}`" + ("" if p.get("parameter_has_default") else "*")
                           for p in ep["parameters"]) or "—"
        rows.append(f"| `{name}` | {params} | {len(ep['returns'])} |")
    return "\n".join(rows)


if __name__ == "__main__":
    from . import build_app

    print(api_markdown(build_app()[0]))
