"""The warehouse: one DuckDB file with versioned schema migrations.

:class:`Warehouse` is the whole store as one object: the connection, migrations,
transactions and snapshots (:mod:`voc.store.connection`) and the writes of each family of
tables, each defined beside that family's reads: :mod:`voc.store.feedback` (feedback,
quarantine, files already ingested), :mod:`voc.store.runs` (runs, crashed runs),
:mod:`voc.store.sentences` (analysis and sentences) and :mod:`voc.store.vectors` (the
embedding cache and its one float16 codec). The writer lock, snapshots and readers that
never wait are :mod:`voc.store.locking`; read-only SQL (``voc sql``) is
:mod:`voc.store.readonly_sql`. The names below were all defined here once and stay
importable from here.

Writes are idempotent: a feedback item is keyed by its ``feedback_id`` and a quarantined
row by a hash of where it came from and why, so re-running an ingest never doubles a row.
One process writes at a time (DuckDB's rule); see docs/architecture.md, "The store".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from voc.store.feedback import FEEDBACK_COLUMNS, QUARANTINE_COLUMNS, FeedbackWrites
from voc.store.frames import utcnow
from voc.store.locking import (
    connect_reader,
    holds_writer_lock,
    pending_finishes_path,
    run_in_progress,
    snapshot_path,
    writer_lock,
    writer_lock_path,
)
from voc.store.runs import RunBook, process_alive, process_identity, record_run_finish
from voc.store.sentences import ANALYSIS_COLUMNS, SENTENCE_COLUMNS, AnalysisWrites
from voc.store.vectors import EmbeddingCache

__all__ = [
    "ANALYSIS_COLUMNS",
    "FEEDBACK_COLUMNS",
    "QUARANTINE_COLUMNS",
    "SENTENCE_COLUMNS",
    "Warehouse",
    "connect_reader",
    "holds_writer_lock",
    "pending_finishes_path",
    "process_alive",
    "process_identity",
    "record_run_finish",
    "run_in_progress",
    "run_read_only",
    "snapshot_path",
    "utcnow",
    "writer_lock",
    "writer_lock_path",
]


class Warehouse(FeedbackWrites, AnalysisWrites, EmbeddingCache, RunBook):
    """The store: a connection migrated to the latest schema on open, with every table
    family's writes.

    Args:
        path: The DuckDB file; its folder is created when missing.
        read_only: Open for queries only (several readers may share the file). While
            another process writes the store, a reader opens the snapshot the last run
            published (:func:`connect_reader`); ``snapshot`` then names it.
        lock_timeout: A writer whose file another process holds (a reader's brief open,
            or a writer outside a run) waits this many seconds for it, then raises
            :class:`voc.errors.StoreBusy`.
    """

    def status(self, recent_weeks: int = 12) -> dict[str, pd.DataFrame]:
        """Counts of stored feedback by source, channel, language and ISO week (the most
        recent ``recent_weeks`` weeks one by one, older ones together); sentiment by
        channel and items per touchpoint (analysed records); quarantined rows by source
        and reason."""
        con = self._con
        counts = {
            dim: con.execute(
                f"SELECT {dim}, count(*) AS items FROM feedback GROUP BY ALL ORDER BY items DESC, 1"
            ).df()
            for dim in ("source", "channel", "language")
        }
        # The most recent weeks with data, one row each; older ones summed in one row.
        counts["week"] = con.execute(
            """
            WITH weekly AS (
                SELECT coalesce(strftime(created_at, '%G-W%V'), 'no date') AS week,
                       count(*) AS items
                FROM feedback GROUP BY ALL
            ), ranked AS (
                SELECT *, row_number() OVER (ORDER BY week = 'no date', week DESC) AS recency
                FROM weekly
            )
            SELECT week, items FROM (
                SELECT week, items, recency FROM ranked WHERE recency <= ?
                UNION ALL
                SELECT 'earlier (' || min(week) || ' to ' || max(week) || ')', sum(items)::BIGINT,
                       ? + 1 FROM ranked WHERE recency > ? AND week <> 'no date'
                HAVING count(*) > 0
            ) ORDER BY recency DESC
            """,
            [recent_weeks, recent_weeks, recent_weeks],
        ).df()
        counts["sentiment"] = con.execute(
            """
            SELECT f.channel, count(*) AS analysed,
                   round(avg((a.sentiment = 'negative')::INT), 3) AS negative_share,
                   round(avg((a.sentiment = 'positive')::INT), 3) AS positive_share,
                   round(avg(a.mixed::INT), 3) AS mixed_share,
                   round(avg(a.sentiment_score), 3) AS mean_score
            FROM analysis a JOIN feedback f USING (feedback_id)
            WHERE a.sentiment IS NOT NULL GROUP BY ALL ORDER BY analysed DESC, 1
            """
        ).df()
        counts["touchpoint"] = con.execute(
            """
            SELECT touchpoint, count(*) AS items,
                   round(avg((sentiment = 'negative')::INT), 3) AS negative_share
            FROM (SELECT unnest(touchpoints) AS touchpoint, sentiment FROM analysis)
            GROUP BY ALL ORDER BY items DESC, 1
            """
        ).df()
        counts["quarantine"] = con.execute(
            "SELECT source, reason, count(*) AS rows FROM quarantine "
            "GROUP BY ALL ORDER BY 1, 3 DESC"
        ).df()
        return counts


def run_read_only(path: str | Path, sql: str) -> pd.DataFrame:
    """Run one read-only query on the store: see :mod:`voc.store.readonly_sql`.

    Raises:
        ReadOnlyQueryError: the SQL is not a single read-only query, or reaches outside
            the store.
        StoreError: the store does not exist or the query fails.
    """
    from voc.store.readonly_sql import run_read_only_sql

    return run_read_only_sql(path, sql)
