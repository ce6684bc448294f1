"""Reads of the ``feedback`` and ``quarantine`` tables for people and flows.

The writes (``write_batch``, duplicates, ingested files) stay on
:class:`voc.store.warehouse.Warehouse`, which owns the ingest transaction.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from voc.store.warehouse import Warehouse

__all__ = ["channels", "newest_created_at", "quarantined_rows"]


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
