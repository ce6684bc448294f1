"""Reads of the topic registry (``topics``) and of sentences' topics: questions about a
topic, the week's praised topics and the quote picker's candidates.

Fitting and storing topics is :mod:`voc.topics.store`'s (to move here).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from voc.store.feedback import dated_records_sql
from voc.store.warehouse import Warehouse

__all__ = [
    "active_topics",
    "praised_topics",
    "quote_candidates",
    "topic_breakdown",
    "topic_row",
    "topic_table",
]


def topic_table(store: Warehouse) -> pd.DataFrame:
    """Every registered topic: ``topic_id``, ``label``, ``keywords``, ``status``, ``size``."""
    return store.con.execute(
        "SELECT topic_id, label, keywords, status, size FROM topics ORDER BY topic_id"
    ).df()


def active_topics(store: Warehouse, other_topic: int) -> pd.DataFrame:
    """The active topics but ``other_topic``, largest first, with their sentences now.

    Columns: ``topic_id``, ``label``, ``keywords``, ``size``, ``first_seen``,
    ``last_seen``, ``sentences`` (assigned), ``negative_share`` (of those).
    """
    return store.con.execute(
        """
        WITH assigned AS (
            SELECT t.topic_id, count(*) AS sentences,
                   avg((s.sentiment = 'negative')::INT) AS negative_share
            FROM sentence_topics t JOIN sentences s USING (feedback_id, sentence_index)
            GROUP BY t.topic_id
        )
        SELECT t.topic_id, t.label, t.keywords, t.size, t.first_seen, t.last_seen,
               coalesce(a.sentences, 0) AS sentences, a.negative_share
        FROM topics t LEFT JOIN assigned a USING (topic_id)
        WHERE t.status = 'active' AND t.topic_id <> ?
        ORDER BY t.size DESC, t.topic_id
        """,
        [other_topic],
    ).df()


def topic_row(store: Warehouse, topic_id: int) -> pd.DataFrame:
    """The registry row of ``topic_id`` (empty when none): ``label``, ``keywords``,
    ``status``, ``size``, ``first_seen``, ``last_seen``."""
    return store.con.execute(
        "SELECT label, keywords, status, size, first_seen, last_seen FROM topics "
        "WHERE topic_id = ?",
        [topic_id],
    ).df()


def topic_breakdown(store: Warehouse, topic_id: int, no_touchpoint: str) -> pd.DataFrame:
    """The dated records with a sentence of ``topic_id``, one row per touchpoint.

    Columns: ``channel``, ``touchpoint``, ``n`` (the record's sentences of the topic),
    ``negative`` (of those, negative).
    """
    return store.con.execute(
        f"""
        WITH records AS ({dated_records_sql(no_touchpoint)}),
        topic_records AS (
            SELECT t.feedback_id, count(*) AS n,
                   count(*) FILTER (WHERE s.sentiment = 'negative') AS negative
            FROM sentence_topics t JOIN sentences s USING (feedback_id, sentence_index)
            WHERE t.topic_id = ? GROUP BY t.feedback_id
        )
        SELECT r.channel, unnest(r.touchpoints) AS touchpoint, tr.n, tr.negative
        FROM topic_records tr JOIN records r USING (feedback_id)
        """,
        [topic_id],
    ).df()


def praised_topics(
    store: Warehouse,
    monday: date,
    *,
    channel: str | None,
    touchpoint: str | None,
    no_touchpoint: str,
    other_topic: int,
    min_share: float,
    min_praises: float,
    limit: int,
) -> pd.DataFrame:
    """The topics of the records dated in the week from ``monday`` that are mostly praise,
    best first (:mod:`voc.insights.praise` says the rule).

    Args:
        channel, touchpoint: Only records of this channel / with this touchpoint
            (``no_touchpoint``: records without one); None: all.
        other_topic: The catch-all topic's id, never praised.
        min_share, min_praises: The floors on the positive share and on volume x share.
        limit: At most this many topics.

    Returns:
        ``rank``, ``topic_id``, ``label``, ``keywords``, ``volume``, ``positive_share``,
        ``negative_share``, ``praises``.
    """
    return store.con.execute(
        """
        WITH records AS (
            SELECT f.feedback_id
            FROM feedback f LEFT JOIN analysis a USING (feedback_id)
            WHERE f.created_at >= $monday AND f.created_at < $monday + INTERVAL 7 DAY
              AND ($channel IS NULL OR f.channel = $channel)
              AND ($touchpoint IS NULL
                   OR list_contains(coalesce(a.touchpoints, []), $touchpoint)
                   OR ($touchpoint = $none AND len(coalesce(a.touchpoints, [])) = 0))
        ),
        topics_of_week AS (
            SELECT st.topic_id, count(DISTINCT s.feedback_id) AS volume,
                   avg((s.sentiment = 'positive')::INT) AS positive_share,
                   avg((s.sentiment = 'negative')::INT) AS negative_share
            FROM records r
            JOIN sentences s USING (feedback_id)
            JOIN sentence_topics st USING (feedback_id, sentence_index)
            WHERE st.topic_id <> $other
            GROUP BY st.topic_id
        )
        SELECT row_number() OVER (ORDER BY w.volume * w.positive_share DESC, w.volume DESC,
                                           w.topic_id) AS rank,
               w.topic_id, coalesce(t.label, 'topic ' || w.topic_id) AS label,
               coalesce(t.keywords, []) AS keywords, w.volume, w.positive_share,
               w.negative_share, w.volume * w.positive_share AS praises
        FROM topics_of_week w LEFT JOIN topics t USING (topic_id)
        WHERE w.positive_share >= $min_share AND w.volume * w.positive_share >= $min_praises
        ORDER BY rank
        LIMIT $limit
        """,
        {
            "monday": monday,
            "channel": channel,
            "touchpoint": touchpoint,
            "none": no_touchpoint,
            "other": other_topic,
            "min_share": min_share,
            "min_praises": min_praises,
            "limit": limit,
        },
    ).df()


def quote_candidates(
    store: Warehouse,
    monday: date,
    topic_ids: list[int],
    per_topic: int,
    sentiment: str | None,
) -> pd.DataFrame:
    """Candidate quotes of ``topic_ids`` from the records dated in the week from ``monday``:
    one sentence per record, at most ``per_topic + 2`` per topic and language, in the
    order :func:`voc.insights.quotes.week_quotes` picks them (short ones last).

    Args:
        sentiment: ``"negative"``, ``"positive"``, or None (any, complaints first).

    Returns:
        ``topic_id``, ``text``, ``language``, ``channel``, ``sentiment``,
        ``sentiment_score``.
    """
    # The order within a topic: the wanted sentiment's strongest first; without a filter,
    # negative, neutral, positive, then the most negative score.
    strength = "-s.sentiment_score" if sentiment == "positive" else "s.sentiment_score"
    return store.con.execute(
        f"""
        WITH candidates AS (
            SELECT t.topic_id, s.feedback_id, s.text, s.language, s.sentiment,
                   s.sentiment_score, t.similarity, f.channel,
                   length(trim(s.text)) < CASE WHEN s.language = 'ja' THEN 6 ELSE 12 END
                       AS short,
                   CASE s.sentiment WHEN 'negative' THEN 0 WHEN 'neutral' THEN 1 ELSE 2 END
                       AS polarity,
                   {strength} AS strength
            FROM sentence_topics t
            JOIN sentences s USING (feedback_id, sentence_index)
            JOIN feedback f USING (feedback_id)
            WHERE list_contains($ids, t.topic_id)
              AND f.created_at >= $monday AND f.created_at < $monday + INTERVAL 7 DAY
              AND ($sentiment IS NULL OR s.sentiment = $sentiment)
        ),
        one_per_record AS (
            SELECT *, row_number() OVER (
                       PARTITION BY topic_id, feedback_id
                       ORDER BY short, polarity, strength, similarity DESC, text) AS in_record
            FROM candidates
        ),
        ranked AS (
            SELECT *, row_number() OVER (
                       PARTITION BY topic_id, language
                       ORDER BY short, polarity, strength, similarity DESC, feedback_id, text
                   ) AS in_language
            FROM one_per_record WHERE in_record = 1
        )
        SELECT topic_id, text, language, channel, sentiment, sentiment_score
        FROM ranked WHERE in_language <= $n + 2
        ORDER BY topic_id, short, in_language, polarity, strength, text
        """,
        {
            "ids": [int(t) for t in topic_ids],
            "monday": monday,
            "sentiment": sentiment,
            "n": per_topic,
        },
    ).df()
