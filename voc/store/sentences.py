"""The ``analysis`` and ``sentences`` tables (and reads of ``sentence_topics``): the
analysis step's writes, and the reads of trends and search.

:class:`AnalysisWrites` holds the writes (records pending analysis, one transaction per
chunk); :class:`voc.store.warehouse.Warehouse` inherits them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from voc.store.connection import StoreConnection
from voc.store.feedback import dated_records_sql
from voc.store.frames import insert_rows, registered

if TYPE_CHECKING:  # warehouse.py builds on this module: no import cycle at run time
    from voc.store.warehouse import Warehouse

__all__ = [
    "ANALYSIS_COLUMNS",
    "SENTENCE_COLUMNS",
    "AnalysisWrites",
    "count_sentences_without_topic",
    "search_hits",
    "sentiment_by_period",
    "touchpoints",
]

ANALYSIS_COLUMNS = [
    "feedback_id",
    "sentiment",
    "sentiment_score",
    "mixed",
    "touchpoints",
    "n_sentences",
    "error",
    "version",
    "run_id",
    "analyzed_at",
]
SENTENCE_COLUMNS = [
    "feedback_id",
    "sentence_index",
    "start_char",
    "end_char",
    "text",
    "text_hash",
    "language",
    "sentiment",
    "sentiment_score",
    "touchpoints",
]


class AnalysisWrites(StoreConnection):
    """The analysis step's writes: which records are pending, and their results."""

    def pending_analysis(
        self, version: str, limit: int, after: tuple[Any, str] | None = None
    ) -> pd.DataFrame:
        """Up to ``limit`` stored records that have no analysis of ``version`` yet.

        New records first come in order of ``created_at``; a record analysed by another
        version (a new model or an edited taxonomy) is pending again.

        Args:
            version: The analysis version.
            limit: Records at most.
            after: ``(created_at, feedback_id)`` of the last record of the previous page:
                only records after it in that order (the cluster's planner reads the
                pending records a chunk at a time while earlier chunks are in flight).

        Returns:
            Columns ``feedback_id``, ``text``, ``language``, ``touchpoint`` (given by the
            source, may be null) and ``created_at``.
        """
        page = ""
        params: list[Any] = [version]
        if after is not None:
            created, feedback_id = after
            if created is None or pd.isna(created):
                page = "AND f.created_at IS NULL AND f.feedback_id > ? "
                params.append(feedback_id)
            else:
                page = (
                    "AND (f.created_at IS NULL OR f.created_at > ? "
                    "OR (f.created_at = ? AND f.feedback_id > ?)) "
                )
                params += [created, created, feedback_id]
        return self._con.execute(
            "SELECT f.feedback_id, f.text, f.language, f.touchpoint, f.created_at "
            "FROM feedback f LEFT JOIN analysis a USING (feedback_id) "
            "WHERE (a.feedback_id IS NULL OR a.version <> ?) "
            + page
            + "ORDER BY f.created_at NULLS LAST, f.feedback_id LIMIT ?",
            [*params, limit],
        ).df()

    def count_pending_analysis(self, version: str) -> int:
        """How many records :meth:`pending_analysis` would eventually return."""
        rows = self._con.execute(
            "SELECT count(*) FROM feedback f LEFT JOIN analysis a USING (feedback_id) "
            "WHERE a.feedback_id IS NULL OR a.version <> ?",
            [version],
        ).fetchall()
        return int(rows[0][0])

    def write_analysis(self, records: pd.DataFrame, sentences: pd.DataFrame) -> None:
        """Replace the analysis and sentences of ``records.feedback_id`` in one transaction.

        Args:
            records: Columns ``ANALYSIS_COLUMNS``.
            sentences: Columns ``SENTENCE_COLUMNS``.
        """
        with self.transaction() as con:
            with registered(con, "analysed_ids", records[["feedback_id"]]):
                for table in ("sentences", "analysis"):
                    con.execute(
                        f"DELETE FROM {table} WHERE feedback_id IN "
                        "(SELECT feedback_id FROM analysed_ids)"
                    )
            insert_rows(con, "analysis", records, ANALYSIS_COLUMNS)
            insert_rows(con, "sentences", sentences, SENTENCE_COLUMNS)


def count_sentences_without_topic(store: Warehouse) -> int:
    """How many analysed sentences have no row in ``sentence_topics`` yet."""
    rows = store._con.execute(
        "SELECT count(*) FROM sentences s WHERE NOT EXISTS (SELECT 1 FROM sentence_topics t "
        "WHERE t.feedback_id = s.feedback_id AND t.sentence_index = s.sentence_index)"
    ).fetchall()
    return int(rows[0][0])


def touchpoints(store: Warehouse) -> list[str]:
    """Every touchpoint some analysed record carries (unordered)."""
    return [
        r[0]
        for r in store._con.execute("SELECT DISTINCT unnest(touchpoints) FROM analysis").fetchall()
    ]


def sentiment_by_period(
    store: Warehouse,
    unit: str,
    no_touchpoint: str,
    since: datetime | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    topic_id: int | None = None,
) -> pd.DataFrame:
    """Records and their sentences' sentiment per period of ``created_at``.

    Args:
        store: An open store.
        unit: ``"week"`` or ``"month"`` (DuckDB's ``date_trunc`` unit).
        no_touchpoint: The touchpoint name of records without one.
        since, channel, touchpoint: Only dated records created from ``since``, of this
            channel, carrying this touchpoint (None: all).
        topic_id: Only records with a sentence of this topic, counting those sentences
            (None: all records, all their sentences).

    Returns:
        Periods with data only, oldest first: ``period_start`` (DATE), ``volume``
        (records), ``sentences``, ``negative`` (sentences), ``mean_sentiment``.
    """
    if unit not in ("week", "month"):
        raise ValueError(f"unit {unit!r}: 'week' or 'month'")
    if topic_id is None:
        sentences = "SELECT feedback_id, sentiment, sentiment_score FROM sentences"
        join = "LEFT JOIN"
    else:
        sentences = (
            "SELECT s.feedback_id, s.sentiment, s.sentiment_score FROM sentences s "
            "JOIN sentence_topics t USING (feedback_id, sentence_index) "
            "WHERE t.topic_id = $topic_id"
        )
        join = "JOIN"
    return store._con.execute(
        f"""
        WITH records AS ({dated_records_sql(no_touchpoint)}),
        wanted AS (
            SELECT feedback_id, created_at FROM records
            WHERE ($since IS NULL OR created_at >= $since)
              AND ($channel IS NULL OR channel = $channel)
              AND ($touchpoint IS NULL OR list_contains(touchpoints, $touchpoint))
        ),
        picked AS ({sentences})
        SELECT date_trunc('{unit}', r.created_at)::DATE AS period_start,
               count(DISTINCT r.feedback_id) AS volume,
               count(s.feedback_id) AS sentences,
               count(s.feedback_id) FILTER (WHERE s.sentiment = 'negative') AS negative,
               avg(s.sentiment_score) AS mean_sentiment
        FROM wanted r {join} picked s USING (feedback_id)
        GROUP BY 1 ORDER BY 1
        """,
        {
            "since": since,
            "channel": channel,
            "touchpoint": touchpoint,
            **({"topic_id": topic_id} if topic_id is not None else {}),
        },
    ).df()


def search_hits(store: Warehouse, hits: pd.DataFrame, other_topic: int) -> pd.DataFrame:
    """The stored details of search hits, in ``hits["rank"]`` order.

    Args:
        hits: ``feedback_id``, ``sentence_index``, ``score``, ``rank``.
        other_topic: The id of the catch-all topic, labelled ``'other'``.

    Returns:
        ``feedback_id``, ``sentence_index``, ``sentence``, ``score``, ``language``,
        ``channel``, ``created_at``, ``topic_id``, ``topic_label``.
    """
    con = store._con
    con.register("search_hits", hits)
    try:
        return con.execute(
            """
            SELECT h.feedback_id, h.sentence_index, s.text AS sentence, h.score,
                   s.language, f.channel, f.created_at, t.topic_id,
                   CASE WHEN t.topic_id = ? THEN 'other' ELSE tp.label END AS topic_label
            FROM search_hits h
            JOIN sentences s USING (feedback_id, sentence_index)
            JOIN feedback f USING (feedback_id)
            LEFT JOIN sentence_topics t USING (feedback_id, sentence_index)
            LEFT JOIN topics tp ON tp.topic_id = t.topic_id
            ORDER BY h.rank
            """,
            [other_topic],
        ).df()
    finally:
        con.unregister("search_hits")
