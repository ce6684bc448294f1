"""The web app's reads, cached: each takes the store's path and :func:`signature` (what a
read would see now) first, so a run's end or a write from the app reads afresh.

Every function opens the store read-only for its own read and closes it
(:func:`voc.ui.common.read`); the questions are the CLI's (:mod:`voc.query`,
:mod:`voc.insights`) or the app's own (:mod:`voc.store.ui`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import streamlit as st

from voc.insights.painpoints import MIN_COMPLAINTS, MIN_NEGATIVE_SHARE, NO_TOUCHPOINT, OTHER_TOPIC
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week, iso_week_monday

Sig = tuple[Any, ...]


def _read(path: str, fn: Any) -> Any:
    with Warehouse(path, read_only=True) as store:
        return fn(store)


@st.cache_data(show_spinner=False, max_entries=8)
def filters(path: str, sig: Sig, timezone: str) -> dict[str, Any]:
    """Weeks (newest first, with records), the default week, channels, touchpoints,
    languages and sources of the store."""
    from voc import query
    from voc.store import feedback as store_feedback
    from voc.store import sentences as store_sentences
    from voc.store import ui as store_ui
    from voc.ui.i18n import LANGUAGES, default_week_notes

    def run(store: Warehouse) -> dict[str, Any]:
        weekly = query.weekly_records(store)
        default = query.default_week(store, timezone)
        return {
            "weeks": dict(sorted(weekly.items(), reverse=True)),
            "default_week": default.week if default is not None else None,
            # The notes in each UI language (the Japanese written from the week's fields).
            "notes": {code: default_week_notes(default, code) for code in LANGUAGES},
            "channels": sorted(store_feedback.channels(store)),
            "touchpoints": sorted(store_sentences.touchpoints(store)),
            "languages": store_ui.languages(store),
            "sources": store_ui.sources(store),
        }

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=32)
def pain_points(
    path: str,
    sig: Sig,
    week: str,
    channel: str | None,
    touchpoint: str | None,
    language: str | None,
    source: str | None,
    label_language: str | None,
    limit: int = 15,
    text_language: str = "en",
    touchpoint_names: tuple[tuple[str, str], ...] = (),
) -> pd.DataFrame:
    """The week's ranked pain points (the CLI's and the digest's ranking), or, with a
    language or source filter, :func:`voc.store.ui.subset_pain_points`; with
    ``history`` (8 weeks of volume, for the sparkline). ``text_language`` words the
    ``trend`` and ``where`` cells, with ``touchpoint_names`` (name, label) pairs."""
    from voc import query
    from voc.store import insights as store_insights
    from voc.store import topics as store_topics
    from voc.store import ui as store_ui
    from voc.weeks import weeks_between

    def run(store: Warehouse) -> pd.DataFrame:
        if language is None and source is None:
            frame = query.pain_points(
                store,
                week,
                channel,
                touchpoint,
                limit=limit,
                language=label_language,
                text_language=text_language,
                touchpoint_names=dict(touchpoint_names),
            )
            frame.attrs.clear()
            frame["subset"] = False
        else:
            frame = store_ui.subset_pain_points(
                store,
                iso_week_monday(week),
                channel=channel,
                touchpoint=touchpoint,
                language=language,
                source=source,
                no_touchpoint=NO_TOUCHPOINT,
                other_topic=OTHER_TOPIC,
                min_negative_share=MIN_NEGATIVE_SHARE,
                min_complaints=MIN_COMPLAINTS,
                limit=limit,
            )
            if label_language is not None and not frame.empty:
                labels = store_topics.topic_labels(store, label_language, pain_points=True)
                frame["label"] = [
                    labels.get(int(i), lb)
                    for i, lb in zip(frame["topic_id"], frame["label"], strict=True)
                ]
            frame["subset"] = True
        if frame.empty:
            frame["history"] = []
            return frame
        weeks = weeks_between(iso_week(iso_week_monday(week) - timedelta(weeks=7)), week)
        ids = [int(t) for t in frame["topic_id"]]
        rows = store_insights.whole_week_history(store, ids, weeks)
        volume = {(int(t), str(w)): int(v) for t, w, v, _ in rows}
        frame["history"] = [[volume.get((t, w), 0) for w in weeks] for t in ids]
        return frame

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=16)
def heatmap(path: str, sig: Sig, week: str) -> pd.DataFrame:
    """Channel x touchpoint records of the week (``channel``, ``touchpoint``,
    ``records``, ``negative``)."""
    from voc.store import feedback as store_feedback

    return _read(
        path, lambda s: store_feedback.week_heatmap(s, iso_week_monday(week), NO_TOUCHPOINT)
    )


@st.cache_data(show_spinner=False, max_entries=32)
def drill_down(
    path: str,
    sig: Sig,
    week: str,
    topic_id: int,
    channel: str | None,
    touchpoint: str | None,
    language: str | None,
    source: str | None,
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """A pain point's quotes of the week (the one picker, complaints) and its records."""
    from voc.insights.quotes import week_quotes
    from voc.store import ui as store_ui

    def run(store: Warehouse) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        quotes = week_quotes(store, week, [topic_id], 5, "negative")[topic_id]
        records = store_ui.topic_records(
            store,
            iso_week_monday(week),
            topic_id,
            channel=channel,
            touchpoint=touchpoint,
            language=language,
            source=source,
            no_touchpoint=NO_TOUCHPOINT,
        )
        return [q.__dict__ for q in quotes], records

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=8)
def topics(path: str, sig: Sig, label_language: str | None) -> pd.DataFrame:
    """The active topics, largest first (:func:`voc.query.topics`), labelled in
    ``label_language`` where they have a label in it."""
    from voc import query
    from voc.store import topics as store_topics

    def run(store: Warehouse) -> pd.DataFrame:
        frame = query.topics(store)
        if label_language is not None and not frame.empty:
            labels = store_topics.topic_labels(store, label_language)
            frame["label"] = [
                labels.get(int(i), lb)
                for i, lb in zip(frame["topic_id"], frame["label"], strict=True)
            ]
        return frame

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=8)
def topic_choices(path: str, sig: Sig, label_language: str | None) -> dict[int, str]:
    """The active topics' labels by id, largest first: a picker's options (the registry
    only, no counting of sentences)."""
    from voc.store import topics as store_topics

    def run(store: Warehouse) -> dict[int, str]:
        table = store_topics.topic_table(store)
        table = table[(table["status"] == "active") & (table["topic_id"] != OTHER_TOPIC)]
        table = table.sort_values(["size", "topic_id"], ascending=[False, True])
        labels = store_topics.topic_labels(store, label_language) if label_language else {}
        return {
            int(t): labels.get(int(t), str(label))
            for t, label in zip(table["topic_id"], table["label"], strict=True)
        }

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=8)
def labels_not_shown(path: str, sig: Sig) -> pd.DataFrame:
    """Labels a person gave that no active topic shows, a refit having retired their topic
    (:func:`voc.store.topic_renames.orphaned_renames`, what ``voc topics`` names on
    stderr): ``topic_id``, ``label``, ``status``, ``detail`` (the refit's line, or None)."""
    from voc.store.topic_renames import orphaned_renames

    return _read(path, orphaned_renames)


@st.cache_data(show_spinner=False, max_entries=16)
def topic_detail(path: str, sig: Sig, topic_id: int) -> dict[str, Any]:
    """Everything about one topic (:func:`voc.query.topic_detail`), with its
    ``label_history`` (:func:`voc.topics.renames.label_history`; empty for most)."""
    from voc import query
    from voc.topics.renames import label_history

    def run(store: Warehouse) -> dict[str, Any]:
        detail = query.topic_detail(store, topic_id, quotes=5)
        detail["label_history"] = label_history(store, int(detail["topic_id"]))
        return detail

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=32)
def trend(
    path: str, sig: Sig, by: str, topic_id: int | None, touchpoint: str | None
) -> pd.DataFrame:
    """Volume and negative share per period and channel
    (:func:`voc.store.ui.trend_by_channel`), with ``negative_share``."""
    from voc.store import ui as store_ui

    def run(store: Warehouse) -> pd.DataFrame:
        frame = store_ui.trend_by_channel(
            store, by, NO_TOUCHPOINT, topic_id=topic_id, touchpoint=touchpoint
        )
        frame["period_start"] = pd.to_datetime(frame["period_start"])
        frame["negative_share"] = frame["negative"] / frame["sentences"].where(
            frame["sentences"] > 0
        )
        return frame

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=16)
def search(path: str, sig: Sig, text: str, limit: int = 100) -> pd.DataFrame:
    """The cross-lingual search of ``voc search`` (:func:`voc.query.search`)."""
    from voc import query

    return _read(path, lambda s: query.search(s, text, limit=limit))


@st.cache_data(show_spinner=False, max_entries=8)
def surveys(path: str, sig: Sig) -> pd.DataFrame:
    """NPS, CSAT and CES of every week (:func:`voc.store.ui.survey_history`)."""
    from voc.store import ui as store_ui

    return _read(path, store_ui.survey_history)


@st.cache_data(show_spinner=False, max_entries=8)
def health(path: str, sig: Sig) -> dict[str, Any]:
    """Runs, record counts and the quarantine by reason."""
    from voc.store import ui as store_ui
    from voc.store.runs import recent_runs

    def run(store: Warehouse) -> dict[str, Any]:
        counts = store.status()
        return {
            "runs": recent_runs(store, 50),
            "counts": {k: counts[k] for k in ("source", "channel", "language", "week")},
            "quarantine": store_ui.quarantine_by_reason(store),
        }

    return _read(path, run)


@st.cache_data(show_spinner=False, max_entries=16)
def quarantined(path: str, sig: Sig, reason: str) -> pd.DataFrame:
    """The newest quarantined rows of ``reason`` (:func:`voc.store.feedback.quarantined_rows`)."""
    from voc.store.feedback import quarantined_rows

    return _read(path, lambda s: quarantined_rows(s, reason=reason, limit=200))


@st.cache_data(show_spinner=False, max_entries=8)
def events(path: str, sig: Sig) -> pd.DataFrame:
    """Recorded events (releases, incidents, campaigns, :func:`voc.store.loop.list_events`):
    ``date`` (Timestamp), ``title``, ``kind``."""
    from voc.store.loop import list_events

    frame = _read(path, list_events)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(frame["event_date"]),
            "title": frame["title"].astype(str),
            "kind": frame["kind"].astype(str),
        }
    )


@st.cache_data(show_spinner=False, max_entries=16)
def owners_and_status(
    path: str, sig: Sig, taxonomy: str, week: str, topic_ids: tuple[int, ...]
) -> pd.DataFrame:
    """Each pain point's owners in ``week`` and its latest action
    (:func:`voc.loop.with_owner_and_status`, as the digest and ``voc pain-points``):
    ``topic_id``, ``owner``, ``action``."""
    from voc.loop import with_owner_and_status
    from voc.taxonomy import load_taxonomy

    owners = load_taxonomy(taxonomy).owners
    frame = pd.DataFrame({"topic_id": list(topic_ids), "label": ""})
    return _read(
        path,
        lambda s: with_owner_and_status(s, frame, owners, week)[["topic_id", "owner", "action"]],
    )


@st.cache_data(show_spinner=False, max_entries=16)
def action_history(path: str, sig: Sig, topic_id: int) -> pd.DataFrame:
    """Every action recorded on ``topic_id``, oldest first
    (:func:`voc.store.loop.action_history`)."""
    from voc.store.loop import action_history as history

    return _read(path, lambda s: history(s, topic_id))


@st.cache_data(show_spinner=False, max_entries=8)
def fixes(
    path: str,
    sig: Sig,
    before_weeks: int,
    after_weeks: int,
    min_records: int,
    timezone: str,
    label_language: str | None,
) -> pd.DataFrame:
    """Every shipped fix, before vs after (:func:`voc.insights.fixes.evaluate_fixes`)."""
    from voc.insights.fixes import evaluate_fixes

    return _read(
        path,
        lambda s: evaluate_fixes(
            s,
            before_weeks=before_weeks,
            after_weeks=after_weeks,
            min_records=min_records,
            timezone=timezone,
            language=label_language,
        ),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def drivers(
    path: str, sig: Sig, metric: str, week: str, label_language: str | None
) -> dict[str, Any]:
    """Why ``metric`` moved from the week before to ``week``
    (:func:`voc.insights.drivers.explain_change`): ``sentence`` in English and Japanese,
    ``contributions`` (the frame), ``change``, ``change_ci``; or ``error`` (a week
    without respondents on one side)."""
    from voc.errors import VocError
    from voc.insights.drivers import explain_change

    def run(store: Warehouse) -> dict[str, Any]:
        try:
            result = explain_change(store, metric, week, language=label_language)
        except VocError as error:
            return {"error": str(error)}
        return {
            "sentence": {lang: result.sentence(lang) for lang in ("en", "ja")},
            "contributions": result.contributions,
            "change": result.change,
            "change_ci": result.change_ci,
            "previous_week": result.previous_week,
        }

    return _read(path, run)
