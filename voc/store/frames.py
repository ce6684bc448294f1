"""Frames in and out of DuckDB, and the store's clock: what every table family shares.

:func:`registered` shows a frame to a statement as a view, :func:`insert_rows` inserts one
(leaving rows whose key exists as they are), :func:`utcnow` is how the store keeps time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

import duckdb
import pandas as pd

from voc.errors import StoreError

__all__ = ["insert_rows", "registered", "utcnow"]


def utcnow() -> datetime:
    """Now, in UTC, without zone (how the store keeps timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> Iterator[None]:
    """``df`` visible to ``con``'s statements as the view ``name`` while inside."""
    con.register(name, df)
    try:
        yield
    finally:
        # If the statement inside failed and aborted the transaction, unregistering now
        # would raise and hide the real error; the rollback drops the view anyway.
        with suppress(duckdb.TransactionException):
            con.unregister(name)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    df: pd.DataFrame,
    columns: list[str],
    keyed: bool = True,
) -> int:
    """Insert ``df[columns]`` into ``table``; with ``keyed`` rows whose key exists are left
    as they are. Returns how many rows were new.

    Raises:
        StoreError: ``df`` lacks one of ``columns``.
    """
    if df.empty:
        return 0
    missing = set(columns) - set(df.columns)
    if missing:
        raise StoreError(f"batch for {table} lacks columns {sorted(missing)}")
    before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    with registered(con, "incoming_batch", df[columns]):
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM incoming_batch"
            + (" ON CONFLICT DO NOTHING" if keyed else "")
        )
    after = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    return int(after[0]) - int(before[0])
