"""Reads behind "why did the survey score move" and "did the fix work?".

:mod:`voc.insights.drivers` splits a week-over-week change of NPS, CSAT or CES into the
topics of its respondents; :mod:`voc.insights.fixes` compares a topic's weekly share of
feedback before and after a fix. Both decide and compute in Python; the reads they need
are here, as every SQL of ``voc`` is in :mod:`voc.store`.

A respondent and its points are the ones of ``survey_metrics`` (the same SQL,
:data:`voc.store.insights._RESPONDENTS_SQL`), so the scores explained are exactly the
scores the digest and ``voc sql`` show.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

# The one definition of a survey respondent and its points (voc.insights.painpoints'
# docstring): reused, never restated, so the explained score is the reported score.
from voc.store.insights import _RESPONDENTS_SQL
from voc.store.warehouse import Warehouse

__all__ = [
    "last_feedback_week",
    "latest_survey_week",
    "respondent_topics",
    "topic_week_counts",
]


def respondent_topics(
    store: Warehouse,
    metric: str,
    mondays: list[date],
    *,
    channel: str | None = None,
    touchpoint: str | None = None,
) -> pd.DataFrame:
    """Every respondent of ``metric`` in the weeks starting on ``mondays``, with its topics.

    Args:
        metric: ``nps``, ``csat`` or ``ces`` (the record's ``rating_scale``).
        mondays: The Mondays of the weeks read.
        channel: Only respondents of this channel.
        touchpoint: Only respondents tagged with this touchpoint (``'(none)'``: with none),
            as the per-touchpoint rows of ``survey_metrics`` count them.

    Returns:
        Columns ``week`` (``YYYY-Www``), ``feedback_id``, ``points`` (the respondent's value
        whose mean is the metric) and ``topic_ids`` (the distinct topics of its sentences,
        ascending; ``-1`` is "other"; empty when no sentence has a topic), one row per
        respondent, ordered by week and id.
    """
    return store._con.execute(
        f"""
        WITH respondents AS ({_RESPONDENTS_SQL}),
        picked AS (
            SELECT r.feedback_id, strftime(r.week_start, '%G-W%V') AS week, r.points
            FROM respondents r
            WHERE r.metric = $metric AND list_contains($mondays::DATE[], r.week_start)
              AND ($channel IS NULL OR r.channel = $channel)
              AND ($touchpoint IS NULL OR list_contains(r.touchpoints, $touchpoint))
        ),
        mentioned AS (
            SELECT st.feedback_id, list(DISTINCT st.topic_id ORDER BY st.topic_id) AS topic_ids
            FROM sentence_topics st
            WHERE st.feedback_id IN (SELECT feedback_id FROM picked)
            GROUP BY st.feedback_id
        )
        SELECT p.week, p.feedback_id, p.points,
               coalesce(m.topic_ids, []::INTEGER[]) AS topic_ids
        FROM picked p LEFT JOIN mentioned m USING (feedback_id)
        ORDER BY p.week, p.feedback_id
        """,
        {"metric": metric, "mondays": mondays, "channel": channel, "touchpoint": touchpoint},
    ).df()


def latest_survey_week(store: Warehouse, metric: str) -> str | None:
    """The newest week with a respondent of ``metric`` in ``survey_metrics`` (None: none)."""
    row = store._con.execute(
        "SELECT max(week) FROM survey_metrics WHERE metric = ? AND channel = '*' "
        "AND touchpoint = '*' AND respondents > 0",
        [metric],
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def topic_week_counts(
    store: Warehouse, topic_ids: list[int], first: date, last: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly records and topic mentions from the week of ``first`` to that of ``last``.

    A record counts when at least one of its sentences has a topic (``-1`` included): the
    records that could have mentioned any topic, the exposure of a topic's share.

    Args:
        topic_ids: The topics counted.
        first: The Monday of the first week read.
        last: The Monday of the last week read (included).

    Returns:
        ``(totals, mentions)``: ``totals`` has ``week`` and ``records``, one row per week
        with such a record; ``mentions`` has ``week``, ``topic_id``, ``records`` (records
        with a sentence in the topic) and ``negative`` (those with a negative sentence in
        it), one row per week and topic with a mention.
    """
    params = {"first": first, "end": last + timedelta(days=7), "ids": topic_ids}
    base = """
        WITH records AS (
            SELECT st.feedback_id, st.topic_id,
                   strftime(f.created_at, '%G-W%V') AS week,
                   bool_or(s.sentiment = 'negative') AS negative
            FROM sentence_topics st
            JOIN sentences s USING (feedback_id, sentence_index)
            JOIN feedback f USING (feedback_id)
            WHERE f.created_at >= $first AND f.created_at < $end
            GROUP BY ALL
        )
    """
    totals = store._con.execute(
        base + "SELECT week, count(DISTINCT feedback_id) AS records FROM records "
        "GROUP BY week ORDER BY week",
        {k: v for k, v in params.items() if k != "ids"},
    ).df()
    mentions = store._con.execute(
        base + "SELECT week, topic_id, count(*) AS records, "
        "count(*) FILTER (WHERE negative) AS negative FROM records "
        "WHERE list_contains($ids, topic_id) GROUP BY week, topic_id ORDER BY week, topic_id",
        params,
    ).df()
    return totals, mentions


def last_feedback_week(store: Warehouse) -> date | None:
    """The Monday of the newest week with dated feedback (None: no dated feedback)."""
    row = store._con.execute(
        "SELECT date_trunc('week', max(created_at))::DATE FROM feedback"
    ).fetchone()
    return None if row is None or row[0] is None else row[0]
