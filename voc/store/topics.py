"""Reads of the topic registry (``topics``) and of sentences' topics, for questions.

Fitting and storing topics is :mod:`voc.topics.store`'s (to move here).
"""

from __future__ import annotations

import pandas as pd

from voc.store.feedback import dated_records_sql
from voc.store.warehouse import Warehouse

__all__ = ["active_topics", "topic_breakdown", "topic_row", "topic_table"]


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
