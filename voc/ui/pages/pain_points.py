"""Pain points of a week: ranked, with sparklines, emerging flags, channel x touchpoint,
and a drill-down to the redacted quotes and the records behind them."""

from __future__ import annotations

from typing import Any

import streamlit as st

from voc.ui import loaders
from voc.ui.common import (
    channel_label,
    label_language,
    lang,
    settings,
    show_error,
    signature,
    store_path,
    touchpoint_label,
    touchpoint_names,
    tr,
    widget_key,
    write,
)
from voc.ui.i18n import column_names

path = store_path()
try:
    sig = signature(path)
    options = loaders.filters(path, sig, settings().schedules.timezone)
except Exception as error:
    show_error(error)
    st.stop()

weeks = list(options["weeks"])
if not weeks:
    st.info(tr("none_found"))
    st.stop()
# A link may name the week (?week=2026-W45); else the default week, as the CLI's.
linked = st.query_params.get("week")
default = linked if linked in weeks else options["default_week"] or weeks[0]
# The filters show the store's own names (as the CLI takes them) and one "all" in both
# languages: a widget's shown value must not change when the language does.
ALL = "all / すべて"

week_column, *filter_columns = st.columns([2, 1, 1, 1, 1])
with week_column:
    week = st.selectbox(
        tr("week"),
        weeks,
        index=weeks.index(default),
        key="pp_week",
        # No translated words here: a widget's shown value must not change with the language.
        format_func=lambda w: f"{w} ({options['weeks'][w]:,})",
    )
for column, (name, values) in zip(
    filter_columns,
    [
        ("channel", options["channels"]),
        ("touchpoint", options["touchpoints"]),
        ("language", options["languages"]),
        ("source", options["sources"]),
    ],
    strict=True,
):
    with column:
        st.selectbox(tr(name), [ALL, *values], key=f"pp_{name}")
channel, touchpoint, language, source = (
    st.session_state[f"pp_{name}"] for name in ("channel", "touchpoint", "language", "source")
)


def _given(value: str) -> str | None:
    return None if value == ALL else value


def _record(store: Any, topic_id: int, status: str, note: str, who: str, day: Any) -> bool:
    """``voc action``'s write, from the form."""
    from voc.store.loop import record_action

    record_action(store, topic_id, status, note=note or None, actor=who, action_date=day)
    return True


def _action_form(topic_id: int, label: str) -> None:
    """Record what is done about the pain point (``voc action``'s validation), and its
    history."""
    from datetime import date

    from voc.errors import VocError
    from voc.store.loop import ACTION_STATUSES, current_actor, normalise_status

    for message in st.session_state.pop("pp_action_messages", []):
        st.success(message)
    with st.form("pp_action_form"):
        st.markdown(f"**{tr('action_title')}: {label}**")
        status = st.selectbox(tr("action_status"), ACTION_STATUSES, key="pp_action_status")
        note = st.text_input(tr("action_note"), key="pp_action_note")
        day = st.date_input(tr("action_date"), value=date.today(), key="pp_action_date")
        who = st.text_input(tr("action_who"), value=current_actor(), key="pp_action_who")
        if st.form_submit_button(tr("action_submit")):
            try:
                normalised = normalise_status(status)
                done = write(lambda store: _record(store, topic_id, normalised, note, who, day))
            except VocError as error:
                st.error(str(error))
            else:
                if done is not None:
                    st.session_state["pp_action_messages"] = [
                        tr("action_saved", topic=label, status=normalised)
                    ]
                    st.rerun()
    history = loaders.action_history(path, sig, topic_id)
    if not history.empty:
        st.markdown(f"**{tr('action_history')}**")
        shown = ["action_date", "status", "note", "actor", "recorded_at"]
        st.dataframe(
            history[shown],
            hide_index=True,
            width="stretch",
            column_config=column_names(shown, lang()),
        )


picked = {
    "channel": _given(channel),
    "touchpoint": _given(touchpoint),
    "language": _given(language),
    "source": _given(source),
}

st.header(tr("pain_title", week=week))
if week == options["default_week"]:
    for note in options["notes"][lang()]:
        st.caption(note)
try:
    frame = loaders.pain_points(
        path,
        sig,
        week,
        picked["channel"],
        picked["touchpoint"],
        picked["language"],
        picked["source"],
        label_language(),
        text_language=lang(),
        touchpoint_names=touchpoint_names(),
    )
except Exception as error:
    show_error(error)
    st.stop()

if not frame.empty:
    from voc.taxonomy import DEFAULT_TAXONOMY_PATH

    loop = loaders.owners_and_status(
        path,
        sig,
        str(settings().taxonomy or DEFAULT_TAXONOMY_PATH),
        week,
        tuple(int(t) for t in frame["topic_id"]),
    )
    frame = frame.merge(loop, on="topic_id", how="left")
subset = bool(len(frame)) and bool(frame["subset"].iloc[0])
st.caption(tr("pain_subset_caption") if subset else tr("pain_caption"))
if frame.empty:
    st.info(tr("no_pain_points", week=week))
else:
    table = frame.assign(
        emerging=frame["emerging"].map(lambda e: "▲" if e else ""),
    )
    columns = {
        "rank": st.column_config.NumberColumn(tr("col_rank"), width="small"),
        "label": st.column_config.TextColumn(tr("col_topic"), width="medium"),
        "volume": st.column_config.NumberColumn(tr("col_volume")),
        "negative_share": st.column_config.ProgressColumn(
            tr("col_negative"), format="percent", min_value=0.0, max_value=1.0
        ),
        "history": st.column_config.LineChartColumn(tr("col_history"), y_min=0),
        "emerging": st.column_config.TextColumn(tr("col_emerging"), width="small"),
        "owner": st.column_config.TextColumn(tr("col_owner")),
        "action": st.column_config.TextColumn(tr("col_status")),
    }
    if subset:
        columns["complaints"] = st.column_config.NumberColumn(tr("col_complaints"), format="%.1f")
        shown = [
            "rank", "label", "volume", "negative_share", "complaints", "history", "emerging",
            "owner", "action",
        ]  # fmt: skip
    else:
        columns["trend"] = st.column_config.TextColumn(tr("col_trend"))
        columns["where"] = st.column_config.TextColumn(tr("col_where"), width="large")
        columns["quote"] = st.column_config.TextColumn(tr("col_quote"), width="large")
        shown = [
            "rank", "label", "owner", "action", "volume", "negative_share", "trend", "history",
            "emerging", "where", "quote",
        ]  # fmt: skip
    st.dataframe(
        table[shown], column_config=columns, hide_index=True, width="stretch", key="pp_table"
    )

left, right = st.columns([3, 2])
with right:
    st.subheader(tr("heatmap_title"))
    cells = loaders.heatmap(path, sig, week)
    if cells.empty:
        st.info(tr("none_found"))
    else:
        matrix = cells.pivot_table(
            index="channel", columns="touchpoint", values="records", aggfunc="sum", fill_value=0
        )
        matrix.index = [channel_label(c) for c in matrix.index]
        matrix.columns = [touchpoint_label(c) for c in matrix.columns]
        st.dataframe(matrix.style.background_gradient(cmap="Reds", axis=None), width="stretch")

with left:
    st.subheader(tr("drill_title"))
    if not frame.empty:
        labels = dict(zip(frame["topic_id"].astype(int), frame["label"].astype(str), strict=True))
        topic_id = st.selectbox(
            tr("drill_pick"),
            list(labels),
            key=widget_key("pp_drill"),
            format_func=lambda i: labels[i],
        )
        quotes, records = loaders.drill_down(path, sig, week, int(topic_id), **picked)
        st.markdown(f"**{tr('quotes_title')}**")
        for quote in quotes:
            st.markdown(
                f"> {quote['text']}  \n— {channel_label(quote['channel'])}, {quote['language']}"
            )
        st.markdown(f"**{tr('records_title')}** ({len(records)})")
        names = column_names(list(records.columns), lang())
        st.dataframe(
            records,
            hide_index=True,
            width="stretch",
            column_config={
                **{column: names[column] for column in records.columns},
                "text": st.column_config.TextColumn(names["text"], width="large"),
            },
        )

        _action_form(int(topic_id), labels[int(topic_id)])
