"""The store's locks and snapshots: one writer at a time, readers that never wait.

A run holds the store's *writer lock* (an ``flock`` on ``<store>.writer.lock``, released by
the kernel when the process dies, even by ``kill -9``) from start to end; a second run waits
for it up to ``store.lock_timeout_seconds``, then gives up (:class:`voc.errors.StoreBusy`).
Readers that find the store busy open the *snapshot* the last run published
(:meth:`voc.store.connection.StoreConnection.publish_snapshot`) instead: they never wait
and never fail on a lock. See docs/architecture.md, "The store".
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from voc.errors import StoreBusy, StoreError
from voc.store.frames import utcnow

logger = logging.getLogger(__name__)

__all__ = [
    "connect_reader",
    "connect_writer",
    "holds_writer_lock",
    "pending_finishes_path",
    "run_in_progress",
    "snapshot_path",
    "writer_lock",
    "writer_lock_path",
]


def snapshot_path(store_path: str | Path) -> Path:
    """Where the store's snapshot lives: ``voc.duckdb`` -> ``voc.duckdb.snapshot``."""
    path = Path(store_path)
    return path.with_name(path.name + ".snapshot")


def writer_lock_path(store_path: str | Path) -> Path:
    """The file a run locks while it writes the store: ``voc.duckdb.writer.lock``."""
    path = Path(store_path)
    return path.with_name(path.name + ".writer.lock")


def pending_finishes_path(store_path: str | Path) -> Path:
    """The journal of run ends not yet written to ``runs`` (the store was busy)."""
    path = Path(store_path)
    return path.with_name(path.name + ".pending-runs.jsonl")


def _lock_conflict(error: BaseException) -> bool:
    return "lock" in str(error).lower() and isinstance(error, duckdb.IOException)


def _holder_pid(error: BaseException) -> str:
    found = re.search(r"PID (\d+)", str(error))
    return f"PID {found.group(1)}" if found else "another process"


def connect_writer(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open ``path`` for writing, waiting up to ``timeout`` s while another process holds
    the file (a reader's brief open, typically), with a progress line every 10 s."""
    deadline = time.monotonic() + timeout
    next_note = 0.0
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.Error as e:
            if not _lock_conflict(e):
                raise StoreError(f"cannot open the store {path}: {e}") from e
            now = time.monotonic()
            if now >= deadline:
                raise StoreBusy(
                    f"the store {path} is held by {_holder_pid(e)} (another voc?) and was "
                    f"still busy after {timeout:g} s; try again when it ends, or raise "
                    "store.lock_timeout_seconds in the config"
                ) from e
            if now >= next_note:
                logger.warning(
                    "waiting for the store %s: %s holds it (up to %.0f s more)",
                    path,
                    _holder_pid(e),
                    deadline - now,
                )
                next_note = now + 10
            time.sleep(min(0.2, max(deadline - now, 0.01)))


def connect_reader(
    store_path: str | Path, config: dict[str, Any] | None = None
) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """Open the store for reading without ever waiting on, or failing on, a writer.

    While a run writes the store (it holds the writer lock), or any other process holds
    the file, the reader opens the snapshot the last run published instead, and says so
    on the log (the CLI shows it as one line on stderr). A process that holds the writer
    lock itself (a flow reading what it wrote) reads the store.

    Args:
        store_path: The store.
        config: DuckDB settings given at connect time (``duckdb.connect(config=...)``).

    Returns:
        The read-only connection and the file it reads (the store or its snapshot).

    Raises:
        StoreError: there is no store, or it is busy and no run has published a snapshot.
    """
    path = Path(store_path)
    if not path.exists():
        raise StoreError(
            f"no store at {path}; run `voc ingest` (or `make demo`) first, "
            "or point store.path in the config at an existing file"
        )
    settings = dict(config or {})
    busy = None if holds_writer_lock(path) else run_in_progress(path)
    if busy is None:
        try:
            return duckdb.connect(str(path), read_only=True, config=settings), path
        except duckdb.Error as e:
            if not _lock_conflict(e):
                raise StoreError(f"cannot open the store {path}: {e}") from e
            busy = {"holder": _holder_pid(e)}
    snapshot = snapshot_path(path)
    who = (
        f"run {busy['run_id']} ({busy.get('flow')}, PID {busy.get('pid')})"
        if busy.get("run_id")
        else busy.get("holder", "another process")
    )
    if not snapshot.exists():
        raise StoreBusy(
            f"the store {path} is being written by {who} and no run has published a "
            "snapshot to read yet (the first run does when it ends); try again then"
        )
    try:
        con = duckdb.connect(str(snapshot), read_only=True, config=settings)
    except duckdb.Error as e:
        raise StoreError(f"cannot open the store's snapshot {snapshot}: {e}") from e
    published = datetime.fromtimestamp(snapshot.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M")
    logger.warning(
        "the store is being written by %s; answering from the last run's snapshot "
        "(published %s UTC)",
        who,
        published,
    )
    return con, snapshot


# Writer locks this process holds: store path -> (file descriptor, depth).
_WRITER_LOCKS: dict[str, list[int]] = {}


def _lock_key(store_path: str | Path) -> str:
    return str(Path(store_path).absolute())


def holds_writer_lock(store_path: str | Path) -> bool:
    """Whether this process holds the store's writer lock (inside a run)."""
    return _lock_key(store_path) in _WRITER_LOCKS


def run_in_progress(store_path: str | Path) -> dict[str, Any] | None:
    """Who holds the store's writer lock (``run_id``, ``flow``, ``pid``, ``since``), or
    None when no run is writing it."""
    import fcntl

    lock = writer_lock_path(store_path)
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or {"holder": "a voc run"}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        return dict(json.loads(os.pread(fd, 4096, 0) or b"{}"))
    except (OSError, ValueError):
        return {}


@contextmanager
def writer_lock(
    store_path: str | Path, timeout: float, run_id: str = "", flow: str = ""
) -> Iterator[None]:
    """Hold the store's writer lock for a whole run; re-entrant within a process (the
    ``run`` flow holds it across its ingest and its analysis).

    The lock is an ``flock`` on ``<store>.writer.lock``: the kernel drops it when the
    process ends, however it ends, so a killed run never leaves it held. The file names
    the holder (run, flow, process) for the message of whoever waits.

    Args:
        store_path: The store.
        timeout: Seconds to wait for another run to finish, with a progress line every
            10 s; 0 gives up at once.
        run_id: This run's id, shown to whoever waits.
        flow: This run's flow, the same way.

    Raises:
        StoreBusy: another run still held the lock after ``timeout`` s.
    """
    import fcntl

    key = _lock_key(store_path)
    if key in _WRITER_LOCKS:
        _WRITER_LOCKS[key][1] += 1
        try:
            yield
        finally:
            _WRITER_LOCKS[key][1] -= 1
        return
    lock = writer_lock_path(store_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    next_note = 0.0
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(fd)
                who = (
                    f"run {holder.get('run_id')} ({holder.get('flow')}, PID {holder.get('pid')}, "
                    f"since {holder.get('since')} UTC)"
                    if holder
                    else "another voc run"
                )
                now = time.monotonic()
                if now >= deadline:
                    raise StoreBusy(
                        f"{who} is writing the store {store_path}; gave up after "
                        f"{timeout:g} s (store.lock_timeout_seconds). Try again when it "
                        "ends; `voc runs` shows it"
                    ) from None
                if now >= next_note:
                    logger.warning(
                        "waiting for %s to finish writing the store (up to %.0f s more)",
                        who,
                        deadline - now,
                    )
                    next_note = now + 10
                time.sleep(min(0.25, max(deadline - now, 0.01)))
    except BaseException:
        os.close(fd)
        raise
    holder = {
        "run_id": run_id,
        "flow": flow,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": utcnow().strftime("%Y-%m-%d %H:%M:%S"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    _WRITER_LOCKS[key] = [fd, 1]
    try:
        yield
    finally:
        del _WRITER_LOCKS[key]
        with suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
