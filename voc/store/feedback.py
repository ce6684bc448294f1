"""The ``feedback`` and ``quarantine`` tables (and ``ingested_files``): ingest's writes,
and the reads of people and flows.

:class:`FeedbackWrites` holds the writes (one transaction per batch, duplicates, files
already ingested); :class:`voc.store.warehouse.Warehouse` inherits them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from voc.store.connection import StoreConnection
from voc.store.frames import insert_rows, registered, utcnow

if TYPE_CHECKING:  # warehouse.py builds on this module: no import cycle at run time
    from voc.store.warehouse import Warehouse

__all__ = [
    "FEEDBACK_COLUMNS",
    "QUARANTINE_COLUMNS",
    "FeedbackWrites",
    "channels",
    "dated_records_sql",
    "newest_created_at",
    "quarantined_rows",
    "weekly_records",
]

FEEDBACK_COLUMNS = [
    "feedback_id",
    "source",
    "native_id",
    "channel",
    "touchpoint",
    "text",
    "language",
    "created_at",
    "rating",
    "rating_scale",
    "metadata",
    "content_key",
    "near_duplicate_of",
    "pii_redactions",
    "file",
    "line",
    "run_id",
    "ingested_at",
]
QUARANTINE_COLUMNS = [
    "quarantine_id",
    "run_id",
    "source",
    "file",
    "line",
    "reason",
    "detail",
    "raw_payload",
    "quarantined_at",
]


class FeedbackWrites(StoreConnection):
    """Ingest's writes: feedback and quarantined rows, duplicates, files already read."""

    # -- files -------------------------------------------------------------------------
    def file_already_ingested(self, source: str, sha256: str) -> bool:
        """Whether this exact file content was fully ingested for this source before."""
        return self.ingested_file(source, sha256) is not None

    def ingested_file(self, source: str, sha256: str) -> dict[str, Any] | None:
        """The earlier ingest of this exact content whose rows were read, if any.

        Returns:
            ``path``, ``rows_read``, ``run_id``, ``ingested_at`` of that ingest, or None.
            Rows with ``rows_read = 0`` (a file quarantined whole by an older version, which
            recorded it as done) do not count: such a file is read again.
        """
        # fetchall, not fetchone: DuckDB 2 refuses new work while a result is unfinished.
        rows = self._con.execute(
            "SELECT path, rows_read, run_id, ingested_at FROM ingested_files "
            "WHERE source = ? AND sha256 = ? AND rows_read > 0",
            [source, sha256],
        ).fetchall()
        if not rows:
            return None
        path, rows_read, run_id, ingested_at = rows[0]
        return {"path": path, "rows_read": rows_read, "run_id": run_id, "ingested_at": ingested_at}

    def mark_file_ingested(
        self, source: str, sha256: str, path: str, size_bytes: int, rows_read: int, run_id: str
    ) -> None:
        """Remember a file whose rows were read so the next run skips it cheaply."""
        # OR REPLACE: a row left by an older version for a file it could not read
        # (rows_read 0) gives way to the ingest that read it.
        self._con.execute(
            "INSERT OR REPLACE INTO ingested_files VALUES (?, ?, ?, ?, ?, ?, ?)",
            [source, sha256, path, size_bytes, rows_read, run_id, utcnow()],
        )

    # -- feedback ----------------------------------------------------------------------
    def existing_feedback(self, feedback_ids: list[str]) -> pd.DataFrame:
        """Rows already stored among ``feedback_ids``.

        Returns:
            Columns ``feedback_id``, ``run_id``, ``file``, ``line``.
        """
        if not feedback_ids:
            return pd.DataFrame(columns=["feedback_id", "run_id", "file", "line"])
        with registered(self._con, "wanted_ids", pd.DataFrame({"feedback_id": feedback_ids})):
            return self._con.execute(
                "SELECT f.feedback_id, f.run_id, f.file, f.line FROM feedback f "
                "SEMI JOIN wanted_ids USING (feedback_id)"
            ).df()

    def first_with_content_keys(self, content_keys: list[str]) -> dict[str, str]:
        """For each non-empty key already stored, the earliest feedback_id carrying it."""
        keys = pd.DataFrame({"content_key": sorted({k for k in content_keys if k})})
        if keys.empty:
            return {}
        with registered(self._con, "wanted_keys", keys):
            rows = self._con.execute(
                "SELECT content_key, arg_min(feedback_id, ingested_at) FROM feedback "
                "SEMI JOIN wanted_keys USING (content_key) GROUP BY content_key"
            ).fetchall()
        return {key: feedback_id for key, feedback_id in rows}

    def write_batch(self, feedback: pd.DataFrame, quarantine: pd.DataFrame) -> tuple[int, int]:
        """Store a batch of feedback and quarantined rows in one transaction.

        Rows whose key is already stored are left as they are.

        Args:
            feedback: Columns ``FEEDBACK_COLUMNS``.
            quarantine: Columns ``QUARANTINE_COLUMNS``.

        Returns:
            How many feedback rows and quarantine rows were new.
        """
        with self.transaction() as con:
            stored = insert_rows(con, "feedback", feedback, FEEDBACK_COLUMNS)
            quarantined = insert_rows(con, "quarantine", quarantine, QUARANTINE_COLUMNS)
        return stored, quarantined


def quarantined_rows(
    store: Warehouse, reason: str | None = None, source: str | None = None, limit: int = 50
) -> pd.DataFrame:
    """The newest quarantined rows, optionally of one ``reason`` and/or ``source``.

    Columns: source, file, line, reason, detail, raw_payload (its first 200 characters,
    redacted at ingest), quarantined_at.
    """
    clauses, params = [], []
    if reason:
        clauses.append("reason = ?")
        params.append(reason)
    if source:
        clauses.append("source = ?")
        params.append(source)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return store._con.execute(
        "SELECT source, file, line, reason, detail, left(raw_payload, 200) AS raw_payload, "
        f"quarantined_at FROM quarantine {where} ORDER BY quarantined_at DESC, file, line "
        f"LIMIT {int(limit)}",
        params,
    ).df()


def channels(store: Warehouse) -> list[str]:
    """Every channel in the store (unordered)."""
    return [r[0] for r in store._con.execute("SELECT DISTINCT channel FROM feedback").fetchall()]


def newest_created_at(store: Warehouse) -> datetime | None:
    """The newest record's ``created_at`` (UTC, naive), or None when the store is empty."""
    value = store._con.execute("SELECT max(created_at) FROM feedback").fetchall()[0][0]
    return value


def weekly_records(store: Warehouse) -> dict[str, int]:
    """Feedback records per ISO week of ``created_at`` (weeks without data are absent)."""
    rows = store._con.execute(
        "SELECT strftime(created_at, '%G-W%V'), count(*) FROM feedback "
        "WHERE created_at IS NOT NULL GROUP BY 1"
    ).fetchall()
    return {str(week): int(n) for week, n in rows}


def dated_records_sql(no_touchpoint: str) -> str:
    """A query of dated records with their channel and touchpoints (``[no_touchpoint]``
    when the analysis found none): ``feedback_id``, ``created_at``, ``channel``,
    ``touchpoints``. For the ``WITH records AS (...)`` of the readers in this package."""
    return f"""
        SELECT f.feedback_id, f.created_at, f.channel,
               CASE WHEN a.touchpoints IS NULL OR len(a.touchpoints) = 0
                    THEN ['{no_touchpoint}'] ELSE a.touchpoints END AS touchpoints
        FROM feedback f LEFT JOIN analysis a USING (feedback_id)
        WHERE f.created_at IS NOT NULL
    """


def weekly_activity(store: Warehouse, first: date, monday: date) -> pd.DataFrame:
    """Per ISO week of the records dated from ``first`` to the end of the week from
    ``monday`` (weeks with data only): ``week``, ``records``, ``analysed`` (records with
    an analysis), ``negative_share`` (of their sentences; NULL when none)."""
    return store._con.execute(
        """
        WITH recs AS (
            SELECT f.feedback_id, strftime(f.created_at, '%G-W%V') AS week,
                   a.feedback_id IS NOT NULL AS analysed
            FROM feedback f LEFT JOIN analysis a USING (feedback_id)
            WHERE f.created_at >= $first AND f.created_at < $monday + INTERVAL 7 DAY
        ),
        sents AS (
            SELECT r.week, avg(CASE WHEN s.sentiment = 'negative' THEN 1.0 ELSE 0.0 END) AS neg
            FROM recs r JOIN sentences s USING (feedback_id)
            GROUP BY r.week
        )
        SELECT r.week, count(*) AS records, count(*) FILTER (WHERE analysed) AS analysed,
               any_value(s.neg) AS negative_share
        FROM recs r LEFT JOIN sents s USING (week)
        GROUP BY r.week
        """,
        {"first": first, "monday": monday},
    ).df()


def week_channels(store: Warehouse, monday: date) -> dict[str, int]:
    """Records per channel in the week from ``monday``, most first."""
    rows = store._con.execute(
        """
        SELECT channel, count(*) FROM feedback
        WHERE created_at >= $monday AND created_at < $monday + INTERVAL 7 DAY
        GROUP BY channel ORDER BY count(*) DESC, channel
        """,
        {"monday": monday},
    ).fetchall()
    return {str(channel): int(n) for channel, n in rows}


def has_feedback_from(store: Warehouse, start: date) -> bool:
    """Whether any feedback is dated on or after ``start``."""
    rows = store._con.execute(
        "SELECT count(*) > 0 FROM feedback WHERE created_at >= $end",
        {"end": start},
    ).fetchall()
    return bool(rows[0][0])


def week_heatmap(store: Warehouse, monday: date, no_touchpoint: str) -> pd.DataFrame:
    """Channel x touchpoint cells of the analysed records of the week from ``monday``:
    ``channel``, ``touchpoint`` (``no_touchpoint`` for a record without one),
    ``records``, ``negative`` (records whose sentiment is negative)."""
    return store._con.execute(
        f"""
        WITH recs AS (
            SELECT f.channel, a.sentiment,
                   CASE WHEN a.touchpoints IS NULL OR len(a.touchpoints) = 0
                        THEN ['{no_touchpoint}'] ELSE list_distinct(a.touchpoints) END AS tps
            FROM feedback f JOIN analysis a USING (feedback_id)
            WHERE f.created_at >= $monday AND f.created_at < $monday + INTERVAL 7 DAY
        ),
        cells AS (SELECT channel, sentiment, unnest(tps) AS touchpoint FROM recs)
        SELECT channel, touchpoint, count(*) AS records,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative
        FROM cells GROUP BY channel, touchpoint ORDER BY channel, touchpoint
        """,
        {"monday": monday},
    ).df()
