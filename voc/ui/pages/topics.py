"""Topics: label, keywords, quotes and size over time; rename one, merge two."""

from __future__ import annotations

import altair as alt
import streamlit as st

from voc.ui import loaders
from voc.ui.common import (
    channel_label,
    label_language,
    show_error,
    signature,
    store_path,
    touchpoint_label,
    tr,
    widget_key,
    write,
)

path = store_path()
try:
    sig = signature(path)
    topics = loaders.topics(path, sig, label_language())
    not_shown = loaders.labels_not_shown(path, sig)
except Exception as error:
    show_error(error)
    st.stop()

st.header(tr("topics_title"))
for message in st.session_state.pop("topics_messages", []):
    st.success(message)


def _why(topic_id: int, label: str, status: str, detail: object) -> str:
    """Why a label is not shown: the refit's line without its head (the notice names the
    label and topic), or, for a label given to a topic already retired, its status."""
    if not isinstance(detail, str):
        return tr(f"label_topic_{status}") if status in ("retired", "merged") else status
    return detail.removeprefix(f"rename {label!r} of topic {topic_id} not carried: ")


if not not_shown.empty:
    lines = [
        tr("label_not_shown", label=label, id=int(topic_id), why=_why(int(topic_id), label, *why))
        for topic_id, label, *why in not_shown.itertuples(index=False, name=None)
    ]
    st.warning(
        "\n".join([tr("labels_not_shown"), "", *(f"- {line}" for line in lines), ""])
        + "\n"
        + tr("labels_not_shown_hint")
    )
if topics.empty:
    st.info(tr("none_found"))
    st.stop()

st.dataframe(
    topics[["topic_id", "label", "keywords", "sentences", "negative_share", "first_seen"]],
    hide_index=True,
    width="stretch",
    column_config={
        "topic_id": st.column_config.NumberColumn(tr("col_id"), width="small"),
        "label": st.column_config.TextColumn(tr("col_topic")),
        "keywords": st.column_config.ListColumn(tr("keywords")),
        "sentences": st.column_config.NumberColumn(tr("col_sentences")),
        "negative_share": st.column_config.ProgressColumn(
            tr("col_negative"), format="percent", min_value=0.0, max_value=1.0
        ),
        "first_seen": st.column_config.TextColumn(tr("col_first_seen")),
    },
    height=300,
)

labels = dict(zip(topics["topic_id"].astype(int), topics["label"].astype(str), strict=True))
topic_id = st.selectbox(
    tr("topic_pick"),
    list(labels),
    key=widget_key("tp_topic"),
    format_func=lambda i: f"{labels[i]} ({i})",
)
detail = loaders.topic_detail(path, sig, int(topic_id))
st.subheader(f"{detail['label']} ({detail['topic_id']})")
st.markdown(f"**{tr('keywords')}:** {', '.join(detail['keywords'])}")
if detail["label_history"]:
    with st.expander(tr("label_history")):
        st.caption(tr("label_history_caption"))
        for event in detail["label_history"]:
            st.markdown(f"- {event['at'][:10]}: {event['detail']}")
left, right = st.columns([3, 2])
with left:
    weekly = detail["weekly"]
    if not weekly.empty:
        st.altair_chart(
            alt.Chart(weekly, title=tr("size_chart"))
            .mark_area(opacity=0.6, line=True)
            .encode(
                x=alt.X("period_start:T", title=None),
                y=alt.Y("volume:Q", title=tr("col_volume")),
                tooltip=["period", "volume", alt.Tooltip("negative_share:Q", format=".0%")],
            ),
            width="stretch",
        )
    st.markdown(f"**{tr('quotes_title')}** ({detail.get('quotes_week') or ''})")
    for quote in detail["quotes"]:
        st.markdown(f"> {quote}")
with right:
    st.markdown(f"**{tr('breakdown')}**")
    breakdown = detail["breakdown"].assign(
        channel=lambda f: f["channel"].map(channel_label),
        touchpoint=lambda f: f["touchpoint"].map(touchpoint_label),
    )
    st.dataframe(
        breakdown,
        hide_index=True,
        width="stretch",
        column_config={
            "channel": st.column_config.TextColumn(tr("channel")),
            "touchpoint": st.column_config.TextColumn(tr("touchpoint")),
            "volume": st.column_config.NumberColumn(tr("col_volume")),
            "negative_share": st.column_config.ProgressColumn(
                tr("col_negative"), format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )

rename_col, merge_col = st.columns(2)
with rename_col, st.form("tp_rename_form"):
    st.markdown(f"**{tr('rename_title')}**")
    new_label = st.text_input(tr("rename_label"), key="tp_rename_label")
    if st.form_submit_button(tr("rename_submit")):
        from voc.errors import VocError
        from voc.topics.store import rename_topic

        try:
            done = write(
                lambda store: rename_topic(
                    store, int(topic_id), new_label, source="ui", language=label_language()
                )
            )
        except VocError as error:
            st.error(str(error))
        else:
            if done is not None:
                st.session_state["topics_messages"] = [
                    tr("renamed", id=int(topic_id), label=" ".join(new_label.split()))
                ]
                st.rerun()

with merge_col, st.form("tp_merge_form"):
    st.markdown(f"**{tr('merge_title')}**")
    others = [i for i in labels if i != int(topic_id)]
    into = st.selectbox(
        tr("merge_into"),
        others,
        key=widget_key("tp_merge_into"),
        format_func=lambda i: f"{labels[i]} ({i})",
    )
    if st.form_submit_button(tr("merge_submit")):
        from voc.errors import VocError
        from voc.topics.edits import merge_topics

        try:
            merged = write(lambda store: merge_topics(store, int(topic_id), int(into), "ui"))
        except VocError as error:
            st.error(str(error))
        else:
            if merged is not None:
                st.session_state["topics_messages"] = [
                    tr(
                        "merged",
                        id=merged["topic_id"],
                        label=merged["label"],
                        into=merged["into_id"],
                        into_label=merged["into_label"],
                        n=merged["sentences"],
                    )
                ]
                st.session_state.pop(widget_key("tp_topic"), None)
                st.rerun()
