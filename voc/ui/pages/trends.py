"""Trends: any topic or touchpoint (or all feedback) over weeks or months, volume and
negative share compared across channels; a cross-lingual search charted by week."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from voc.ui import loaders
from voc.ui.charts import event_rules
from voc.ui.common import (
    channel_label,
    label_language,
    settings,
    show_error,
    signature,
    store_path,
    touchpoint_label,
    tr,
    widget_key,
)

path = store_path()
try:
    sig = signature(path)
    options = loaders.filters(path, sig, settings().schedules.timezone)
    labels = loaders.topic_choices(path, sig, label_language())
except Exception as error:
    show_error(error)
    st.stop()

st.header(tr("trends_title"))
kinds = {"all": tr("trend_all"), "topic": tr("trend_topic"), "touchpoint": tr("trend_touchpoint")}
with st.container(horizontal=True):
    kind = st.radio(
        tr("trend_what"),
        list(kinds),
        format_func=kinds.get,
        key=widget_key("tr_kind"),
        horizontal=True,
    )
    by = st.radio(
        tr("trend_by"), ["week", "month"], key=widget_key("tr_by"), horizontal=True,
        format_func={"week": tr("by_week"), "month": tr("by_month")}.get,
    )  # fmt: skip

# Names in the page's language, computed now: a widget may call its format_func later.
touchpoint_names = {tp: touchpoint_label(tp) for tp in options["touchpoints"]}
channel_names = {c: channel_label(c) for c in options["channels"]}
topic_id: int | None = None
touchpoint: str | None = None
if kind == "topic" and labels:
    topic_id = st.selectbox(
        tr("topic_pick"),
        list(labels),
        key=widget_key("tr_topic"),
        format_func=lambda i: f"{labels[i]} ({i})",
    )
elif kind == "touchpoint" and options["touchpoints"]:
    touchpoint = st.selectbox(
        tr("touchpoint"),
        options["touchpoints"],
        key=widget_key("tr_touchpoint"),
        format_func=lambda tp: touchpoint_names[tp],
    )

channels = st.multiselect(
    tr("channels"), options["channels"], default=options["channels"], key=widget_key("tr_channels"),
    format_func=lambda c: channel_names[c],
)  # fmt: skip
try:
    frame = loaders.trend(path, sig, by, topic_id, touchpoint)
except Exception as error:
    show_error(error)
    st.stop()
frame = frame[frame["channel"].isin(channels)].assign(
    channel=lambda f: f["channel"].map(channel_label)
)
if frame.empty:
    st.info(tr("none_found"))
else:
    rules, events_shown = event_rules(
        path, sig, frame["period_start"].min(), frame["period_start"].max()
    )
    x = alt.X("period_start:T", title=None)
    color = alt.Color("channel:N", title=tr("channel"))
    volume = (
        alt.Chart(frame, title=tr("volume_chart"))
        .mark_line(point=True)
        .encode(x=x, y=alt.Y("volume:Q", title=tr("col_volume")), color=color,
                tooltip=["period_start:T", "channel:N", "volume:Q"])
    )  # fmt: skip
    negative = (
        alt.Chart(frame.dropna(subset=["negative_share"]), title=tr("negative_chart"))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("negative_share:Q", title=tr("col_negative"), axis=alt.Axis(format="%")),
            color=color,
            tooltip=["period_start:T", "channel:N", alt.Tooltip("negative_share:Q", format=".0%")],
        )
    )
    if rules is not None:
        volume, negative = volume + rules, negative + rules
    st.altair_chart(volume, width="stretch")
    st.altair_chart(negative, width="stretch")
    if events_shown:
        st.caption(tr("events_note"))

st.subheader(tr("search_title"))
text = st.text_input(tr("search_box"), key="tr_search")
if text.strip():
    try:
        hits = loaders.search(path, sig, text.strip())
    except Exception as error:
        show_error(error)
        st.stop()
    dated = hits.dropna(subset=["created_at"]).copy()
    st.markdown(tr("search_found", n=len(hits)))
    if not dated.empty:
        dated["period_start"] = pd.to_datetime(dated["created_at"]).dt.to_period("W").dt.start_time
        dated["channel"] = dated["channel"].map(channel_label)
        counts = dated.groupby(["period_start", "channel"], as_index=False).size()
        st.altair_chart(
            alt.Chart(counts)
            .mark_bar()
            .encode(
                x=alt.X("period_start:T", title=None),
                y=alt.Y("size:Q", title=tr("col_volume")),
                color=alt.Color("channel:N", title=tr("channel")),
            ),
            width="stretch",
        )
    st.dataframe(
        hits[["sentence", "score", "language", "channel", "created_at", "topic_label"]].head(30),
        hide_index=True,
        width="stretch",
        column_config={"sentence": st.column_config.TextColumn(width="large")},
    )
