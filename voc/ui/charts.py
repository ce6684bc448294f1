"""Chart pieces the pages share."""

from __future__ import annotations

from typing import Any

import pandas as pd


def event_rules(path: str, sig: Any, start: Any, end: Any) -> tuple[Any, bool]:
    """Vertical rules for the recorded events between ``start`` and ``end`` (releases,
    incidents, campaigns), to layer on a time chart; ``(None, False)`` when there are
    none (or the store has no events table)."""
    from voc.ui import loaders

    events = loaders.events(path, sig)
    if events.empty:
        return None, False
    events = events[(events["date"] >= pd.Timestamp(start)) & (events["date"] <= pd.Timestamp(end))]
    if events.empty:
        return None, False
    import altair as alt

    base = alt.Chart(events)
    rules = base.mark_rule(color="#888", strokeDash=[4, 3]).encode(
        x="date:T", tooltip=["date:T", "title:N", "kind:N"]
    )
    labels = base.mark_text(align="left", dx=3, dy=-4, color="#555", baseline="top").encode(
        x="date:T", y=alt.value(0), text="title:N"
    )
    return rules + labels, True
