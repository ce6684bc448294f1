"""Markdown tables for the benchmark printouts."""

from __future__ import annotations


def markdown(table: list[dict], empty: str) -> str:
    """Rows of dicts as a markdown table (floats to 3 decimals, None empty); ``empty``
    when there are no rows."""
    if not table:
        return empty
    columns = list(table[0])

    def cell(value: object) -> str:
        if value is None:
            return ""
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in table]
    return "\n".join(lines)
