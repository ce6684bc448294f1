"""The store's connection: open (migrated to the latest schema), transactions, snapshots.

:class:`StoreConnection` is the base of :class:`voc.store.warehouse.Warehouse`; each family
of tables adds its writes on top of it (``voc/store/feedback.py``, ``runs.py``,
``sentences.py``, ``vectors.py``). The DuckDB connection itself is private to
``voc/store/`` (``_con``): every other module asks a store function or method.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import Any, Self, TypeVar

import duckdb
import pandas as pd

from voc.errors import StoreError
from voc.store.frames import insert_rows, utcnow
from voc.store.locking import connect_reader, connect_writer, snapshot_path

logger = logging.getLogger(__name__)

__all__ = ["StoreConnection", "memory_bytes"]

T = TypeVar("T")


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("voc.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


#: DuckDB memory the store's writer may use (its buffer cache, indexes, joins and sorts,
#: which spill to ``<store>.tmp`` beyond it); DuckDB's own default is 80 % of the RAM.
#: What grows with the store is DuckDB's cache of the blocks read and written (the
#: ``BASE_TABLE`` tag of ``duckdb_memory()``): about 13 MB per 1,000 records analysed, up to
#: this limit, and kept. 256 MB is about what a 20,000-record run fills, so a larger store
#: holds no more (at 1 GB the cache filled to it from about 80,000 records: peak RSS +0.7 GB
#: at 200,000 records). At 200,000 records no step needs more: the analysis, refit, pain
#: points and digest ran under it, the refit and pain points without spilling
#: (docs/scaling.md, "Memory"; docs/benchmarks.md, "Memory flat"); under 128 MB that
#: refit ran out writing every sentence's topic (a need that grows with the store, so a
#: refit raises the limit for its transaction: :meth:`StoreConnection.with_memory_to_spare`).
#: ``VOC_STORE_MEMORY_LIMIT`` (a DuckDB size such as ``1GB``) overrides it.
WRITER_MEMORY_LIMIT = "256MB"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(size: str) -> int | None:
    """A DuckDB size (``256MB``, ``1GB``, ``4GiB``; no unit: bytes) in bytes, None when it
    is not one."""
    found = _SIZE.match(size)
    if found is None:
        return None
    return int(float(found.group(1)) * _UNITS[(found.group(2) or "b").lower()])


def _memory_ceiling() -> int:
    """Half the machine's RAM: the most :meth:`StoreConnection.with_memory_to_spare` raises
    DuckDB's limit to (the models and the analysis hold the rest)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # not POSIX: 4 GB
        return 4 * 10**9


class StoreConnection:
    """A connection to the store, migrated to the latest schema on open.

    Args:
        path: The DuckDB file; its folder is created when missing.
        read_only: Open for queries only (several readers may share the file). While
            another process writes the store, a reader opens the snapshot the last run
            published (:func:`voc.store.locking.connect_reader`); ``snapshot`` then names it.
        lock_timeout: A writer whose file another process holds (a reader's brief open,
            or a writer outside a run) waits this many seconds for it, then raises
            :class:`voc.errors.StoreBusy`.
    """

    def __init__(
        self, path: str | Path, read_only: bool = False, lock_timeout: float = 60.0
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.snapshot: Path | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        #: DuckDB's memory limit for this writer (``VOC_STORE_MEMORY_LIMIT`` or
        #: :data:`WRITER_MEMORY_LIMIT`); None for a reader.
        self.memory_limit: str | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> Self:
        """Connect, and migrate unless read-only. Returns self."""
        if self._connection is not None:
            return self
        if self.read_only:
            self._connection, served = connect_reader(self.path)
            self.snapshot = served if served != self.path else None
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = connect_writer(self.path, self.lock_timeout)
        limit = os.environ.get("VOC_STORE_MEMORY_LIMIT") or WRITER_MEMORY_LIMIT
        self._connection.execute("SET memory_limit = ?", [limit])
        self.memory_limit = limit
        self._migrate()
        return self

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection, for the modules of ``voc/store/`` only."""
        if self._connection is None:
            self.open()
        assert self._connection is not None  # for mypy: open() sets it or raises
        return self._connection

    def _migrate(self) -> None:
        con = self._con
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        applied = {
            row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()
        }
        for version, name, sql in _migrations():
            if version in applied:
                continue
            logger.info("Applying store migration %s", name)
            with self.transaction():
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()]
                )

    @property
    def schema_version(self) -> int:
        """The highest migration applied to this store."""
        rows = self._con.execute("SELECT max(version) FROM schema_migrations").fetchall()
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    # -- transactions ------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A transaction: everything inside lands together or not at all.

        Re-entrant: an inner ``transaction()`` joins the outer one, so a caller can group
        many batch writes into one commit (each commit costs tens of milliseconds).
        """
        con = self._con
        if self._depth:
            self._depth += 1
            try:
                yield con
            finally:
                self._depth -= 1
            return
        con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield con
        except BaseException:
            self._depth = 0
            con.execute("ROLLBACK")
            raise
        self._depth = 0
        con.execute("COMMIT")

    def with_memory_to_spare(self, write: Callable[[], T], what: str, need: int = 0) -> T:
        """Run ``write`` (a whole transaction, which it may run again) with DuckDB's memory
        limit raised to ``need`` bytes when that is above it (up to half the machine's
        RAM); when a statement still runs out, the transaction is rolled back and run
        again with four times the limit, with a warning that names the setting to raise.
        The limit goes back after.

        For the writes whose need grows with the store (a refit rewrites every sentence's
        topic in one transaction): the limit keeps the cache of a large store from
        growing, and a store that outgrew it is not stopped by it.

        Raises:
            StoreError: It ran out at half the machine's RAM, or while committing (DuckDB
                then closes the database; the store is as it was before ``write``).
        """
        limit = self.memory_limit
        own = memory_bytes(limit) if limit else None
        if own is None:  # a reader, or a limit this cannot read: as it is
            return write()
        ceiling = max(own, _memory_ceiling())
        size = max(own, min(need, ceiling))
        if size != own:
            logger.info("%s: DuckDB's memory limit raised to %d MB for it", what, size // 10**6)
            self._con.execute("SET memory_limit = ?", [f"{size // 10**6}MB"])
        try:
            while True:
                try:
                    return write()
                except duckdb.OutOfMemoryException as error:
                    with suppress(duckdb.Error):  # a statement that failed: roll it back
                        self._con.execute("ROLLBACK")
                    self._depth = 0
                    if size >= ceiling:
                        raise StoreError(
                            f"{what} ran out of memory with DuckDB at {size // 10**6:,} MB "
                            f"(half this machine's RAM): run it on a machine with more "
                            f"memory ({str(error).splitlines()[0]})"
                        ) from error
                    ran_out, size = size, min(size * 4, ceiling)
                    logger.warning(
                        "%s ran out of DuckDB's memory limit (%d MB) and runs again with "
                        "%d MB: set VOC_STORE_MEMORY_LIMIT=%dMB for a store this size",
                        what,
                        ran_out // 10**6,
                        size // 10**6,
                        size // 10**6,
                    )
                    self._con.execute("SET memory_limit = ?", [f"{size // 10**6}MB"])
                except duckdb.TransactionException as error:
                    if "commit" not in str(error).lower() or "allocate" not in str(error):
                        raise
                    self._depth = 0
                    raise StoreError(
                        f"{what} ran out of DuckDB's memory limit ({size // 10**6:,} MB) "
                        f"while committing, and DuckDB closed the store, which is as it was "
                        f"before: set VOC_STORE_MEMORY_LIMIT={size * 4 // 10**6}MB and run "
                        "it again"
                    ) from error
        finally:
            if size != own:
                with suppress(duckdb.Error):  # a store DuckDB closed stays closed
                    self._con.execute("SET memory_limit = ?", [limit])

    def commit_point(self) -> None:
        """Inside a transaction, commit what is there and go on in a new one."""
        if self._depth:
            self._con.execute("COMMIT")
            self._con.execute("BEGIN TRANSACTION")

    @contextmanager
    def apart(self) -> Iterator[Self]:
        """This store on a connection of its own (a DuckDB cursor of the same database),
        for one other thread: its transactions are its own, and DuckDB releases the GIL
        while it executes, so that thread's writes run beside this one's work (the
        analyse step writes chunk k while it analyses chunk k + 1). Closing it closes the
        cursor only."""
        twin = copy.copy(self)
        twin._connection = self._con.cursor()
        twin._depth = 0
        try:
            yield twin
        finally:
            twin.close()

    def end_cut_off_transaction(self) -> None:
        """Roll back a transaction an exception raised from outside (a time budget's
        watchdog) may have cut off between its ``BEGIN`` and its ``try``, so the next
        :meth:`transaction` starts afresh. Nothing happens when none is open."""
        self._depth = 0
        with suppress(duckdb.Error):
            self._con.execute("ROLLBACK")  # "no transaction is active" when there was none

    # -- snapshots ---------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Write everything committed into the store's file (the WAL is empty after)."""
        self._con.execute("CHECKPOINT")

    def publish_snapshot(self) -> Path | None:
        """Publish a read-only copy of the store for readers during the next run.

        The store is checkpointed (everything committed lands in the file, the WAL is
        empty), copied under a temporary name beside it, flushed to disk and renamed over
        the previous snapshot: a reader sees the old snapshot or the new one, never half
        of one, and a reader with the old one open keeps reading it. A failure to publish
        (a full disk) is logged, not raised: the run's data is in the store either way.

        Returns:
            The snapshot's path, or None when it could not be written.
        """
        if self.read_only:
            raise StoreError("a read-only store cannot publish a snapshot")
        target = snapshot_path(self.path)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            self.checkpoint()
            shutil.copyfile(self.path, partial)
            with open(partial, "rb") as copied:
                os.fsync(copied.fileno())
            os.replace(partial, target)
        except (OSError, duckdb.Error) as e:
            logger.warning("Could not publish the store's snapshot %s: %s", target, e)
            with suppress(OSError):
                partial.unlink()
            return None
        return target

    # -- frames ------------------------------------------------------------------------
    def insert_frame(self, table: str, df: pd.DataFrame, keyed: bool = True) -> int:
        """Insert a frame's rows into ``table`` (columns by name). With ``keyed`` rows whose
        key exists are left as they are; a table without a key needs ``keyed=False``.
        Returns how many rows were new."""
        with self.transaction() as con:
            return insert_rows(con, table, df, list(df.columns), keyed)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a query and return its result as a frame."""
        return self._con.execute(sql, params or []).df()
