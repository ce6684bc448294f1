"""Survey metrics: NPS, CSAT and CES per week with their respondents, and why a metric
moved from one week to the next."""

from __future__ import annotations

import altair as alt
import streamlit as st

from voc.ui import loaders
from voc.ui.common import show_error, signature, store_path, tr

NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}

path = store_path()
try:
    sig = signature(path)
    frame = loaders.surveys(path, sig)
except Exception as error:
    show_error(error)
    st.stop()

st.header(tr("surveys_title"))
st.caption(tr("surveys_caption"))
if frame.empty:
    st.info(tr("no_surveys"))
    st.stop()

metrics = [m for m in NAMES if m in set(frame["metric"])]
columns = st.columns(len(metrics))
for column, metric in zip(columns, metrics, strict=True):
    series = frame[frame["metric"] == metric].sort_values("week")
    last = series.iloc[-1]
    before = series.iloc[-2] if len(series) > 1 else None
    column.metric(
        f"{NAMES[metric]} ({last['week']})",
        f"{last['value']:.1f}",
        None if before is None else f"{last['value'] - before['value']:+.1f}",
        help=f"{tr('respondents')}: {int(last['respondents'])}",
    )
    base = alt.Chart(series).encode(x=alt.X("week:O", title=None))
    value = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=NAMES[metric]),
        tooltip=["week", alt.Tooltip("value:Q", format=".1f"), "respondents"],
    )
    respondents = base.mark_bar(opacity=0.25).encode(
        y=alt.Y("respondents:Q", title=tr("respondents"))
    )
    column.altair_chart(
        alt.layer(respondents, value).resolve_scale(y="independent"), width="stretch"
    )

table = frame.pivot_table(index="week", columns="metric", values=["value", "respondents"])
names = []
for header in table.columns:  # a MultiIndex: (value or respondents, metric)
    kind, name = str(header[0]), NAMES.get(str(header[1]), str(header[1]))
    names.append(name if kind == "value" else f"{name} {tr(kind)}")
table.columns = names
st.dataframe(table.sort_index(ascending=False).round(1), width="stretch")

st.subheader(tr("why_title"))
from voc.ui.drivers import drivers_panel  # noqa: E402

drivers_panel(path, sig, frame, metrics)
