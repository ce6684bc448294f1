"""Reads of the ``feedback`` and ``quarantine`` tables for people and flows.

The writes (``write_batch``, duplicates, ingested files) stay on
:class:`voc.store.warehouse.Warehouse`, which owns the ingest transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from voc.store.warehouse import Warehouse

__all__ = [
    "channels",
    "dated_records_sql",
    "newest_created_at",
    "quarantined_rows",
    "weekly_records",
]


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
    return store.con.execute(
        "SELECT source, file, line, reason, detail, left(raw_payload, 200) AS raw_payload, "
        f"quarantined_at FROM quarantine {where} ORDER BY quarantined_at DESC, file, line "
        f"LIMIT {int(limit)}",
        params,
    ).df()


def channels(store: Warehouse) -> list[str]:
    """Every channel in the store (unordered)."""
    return [r[0] for r in store.con.execute("SELECT DISTINCT channel FROM feedback").fetchall()]


def newest_created_at(store: Warehouse) -> datetime | None:
    """The newest record's ``created_at`` (UTC, naive), or None when the store is empty."""
    value = store.con.execute("SELECT max(created_at) FROM feedback").fetchall()[0][0]
    return value


def weekly_records(store: Warehouse) -> dict[str, int]:
    """Feedback records per ISO week of ``created_at`` (weeks without data are absent)."""
    rows = store.con.execute(
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
    return store.con.execute(
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
    rows = store.con.execute(
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
    rows = store.con.execute(
        "SELECT count(*) > 0 FROM feedback WHERE created_at >= $end",
        {"end": start},
    ).fetchall()
    return bool(rows[0][0])


def week_heatmap(store: Warehouse, monday: date, no_touchpoint: str) -> pd.DataFrame:
    """Channel x touchpoint cells of the analysed records of the week from ``monday``:
    ``channel``, ``touchpoint`` (``no_touchpoint`` for a record without one),
    ``records``, ``negative`` (records whose sentiment is negative)."""
    return store.con.execute(
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
