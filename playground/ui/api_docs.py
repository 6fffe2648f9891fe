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


def update_readme(readme: str, table: str) -> str:
    start, end = readme.index(MARKERS[0]) + len(MARKERS[0]), readme.index(MARKERS[1])
    return readme[:start] + "\n" + table + "\n" + readme[end:]


if __name__ == "__main__":  # python -m playground.ui.api_docs [--write README.md]
    import sys

    from . import build_app

    table = api_markdown(build_app()[0])
    if sys.argv[1:2] == ["--write"]:
        with open(sys.argv[2], encoding="utf-8") as f:
            text = update_readme(f.read(), table)
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(table)
