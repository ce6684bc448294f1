# Over 600 lines because it holds the store's connection, migrations and writes together with
# the writer lock, snapshots and crashed-run bookkeeping (issue 13). The per-table reads live in
# the sibling modules; the locking part is the next to move out (issue 12).
"""The warehouse: one DuckDB file with versioned schema migrations.

Writes are idempotent: a feedback item is keyed by its ``feedback_id`` and a quarantined
row by a hash of where it came from and why, so re-running an ingest never doubles a row.
Read-only access (``voc sql``) goes through :mod:`voc.store.readonly_sql`.

One process writes at a time (DuckDB's rule). A run holds the store's *writer lock* (a
file lock beside the store, released by the kernel when the process dies, even by
``kill -9``) from start to end; a second run waits for it up to
``store.lock_timeout_seconds``, then gives up (:class:`voc.errors.StoreBusy`). At the end
of every run the writer publishes a *snapshot* (a copy of the checkpointed file, written
under a temporary name and renamed into place), and readers that find the store busy read
the snapshot instead: they never wait and never fail on a lock. See docs/architecture.md.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from voc.errors import StoreBusy, StoreError
from voc.store.vectors import decode_vector, encode_vectors

logger = logging.getLogger(__name__)

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


def utcnow() -> datetime:
    """Now, in UTC, without zone (how the store keeps timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


#: DuckDB memory the store's writer may use (its buffer cache, indexes, joins and sorts,
#: which spill to ``<store>.tmp`` beyond it); DuckDB's own default is 80 % of the RAM, so a
#: long analysis of a large store grew by its cache. ``VOC_STORE_MEMORY_LIMIT`` (a DuckDB
#: size such as ``4GB``) overrides it.
WRITER_MEMORY_LIMIT = "1GB"


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("voc.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Warehouse:
    """A connection to the store, migrated to the latest schema on open.

    Args:
        path: The DuckDB file; its folder is created when missing.
        read_only: Open for queries only (several readers may share the file). While
            another process writes the store, a reader opens the snapshot the last run
            published (:func:`connect_reader`); ``snapshot`` then names it.
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
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depth = 0

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> Warehouse:
        """Connect, and migrate unless read-only. Returns self."""
        if self._con is not None:
            return self
        if self.read_only:
            self._con, served = connect_reader(self.path)
            self.snapshot = served if served != self.path else None
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = _connect_writer(self.path, self.lock_timeout)
        limit = os.environ.get("VOC_STORE_MEMORY_LIMIT") or WRITER_MEMORY_LIMIT
        self._con.execute("SET memory_limit = ?", [limit])
        self._migrate()
        return self

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Warehouse:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection."""
        if self._con is None:
            self.open()
        assert self._con is not None  # for mypy: open() sets it or raises
        return self._con

    def _migrate(self) -> None:
        con = self.con
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
        rows = self.con.execute("SELECT max(version) FROM schema_migrations").fetchall()
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A transaction: everything inside lands together or not at all.

        Re-entrant: an inner ``transaction()`` joins the outer one, so a caller can group
        many batch writes into one commit (each commit costs tens of milliseconds).
        """
        con = self.con
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

    def commit_point(self) -> None:
        """Inside a transaction, commit what is there and go on in a new one."""
        if self._depth:
            self.con.execute("COMMIT")
            self.con.execute("BEGIN TRANSACTION")

    # -- runs --------------------------------------------------------------------------
    def start_run(self, run_id: str, flow: str) -> None:
        """Record that a run began, and by which process (so a later run can tell that it
        was killed: see :meth:`mark_crashed_runs`).

        Runs recorded ``running`` whose process is gone are marked ``crashed`` first, and
        finishes that readers could not write (:func:`record_run_finish`) are applied.
        """
        self.apply_pending_finishes()
        self.mark_crashed_runs()
        summary = {"run_id": run_id, "status": "running", "process": process_identity()}
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', ?) ON CONFLICT DO NOTHING",
            [run_id, flow, utcnow(), json.dumps(summary)],
        )
        if not snapshot_path(self.path).exists():
            # A store from before snapshots: give readers one before this run's writes.
            self.publish_snapshot()

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended, with its summary."""
        self.con.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
            [utcnow(), status, json.dumps(summary, ensure_ascii=False), run_id],
        )

    def mark_crashed_runs(self) -> list[str]:
        """Mark ``crashed`` every ``running`` run whose process no longer exists.

        A process killed with SIGKILL (or by the OOM killer, or a power cut) never records
        its end. A run is known dead when it was started on this host and its process id
        is gone or now belongs to a process started at another time (ids are reused);
        runs recorded by a voc older than this check carry no process and are dead too.
        Runs of other hosts are left alone: their processes cannot be seen from here.

        Returns:
            The run ids marked crashed.
        """
        rows = self.con.execute(
            "SELECT run_id, summary FROM runs WHERE status = 'running'"
        ).fetchall()
        host = socket.gethostname()
        crashed = []
        for run_id, summary in rows:
            process = (json.loads(summary) if summary else {}).get("process") or {}
            if process and (process.get("host") != host or process_alive(process)):
                continue
            crashed.append(run_id)
            where = f"PID {process['pid']} on {process['host']}" if process else "an older voc"
            self.finish_run(
                run_id,
                "crashed",
                {
                    "run_id": run_id,
                    "status": "crashed",
                    "process": process or None,
                    "error": f"the process that ran it ({where}) ended without finishing it "
                    "(killed, or the machine stopped); what it committed is kept, a re-run "
                    "does the rest",
                },
            )
            logger.warning("Run %s was left running by a process that is gone: crashed", run_id)
        return crashed

    def apply_pending_finishes(self) -> int:
        """Record the run ends that processes could not write while the store was busy
        (:func:`record_run_finish` left them in a journal beside the store)."""
        journal = pending_finishes_path(self.path)
        if not journal.exists():
            return 0
        taken = journal.with_name(f"{journal.name}.{os.getpid()}.applying")
        try:
            os.replace(journal, taken)
        except FileNotFoundError:
            return 0
        applied = 0
        for line in taken.read_text(encoding="utf-8").splitlines():
            with suppress(ValueError, KeyError):
                entry = json.loads(line)
                self.finish_run(entry["run_id"], entry["status"], entry["summary"])
                applied += 1
        taken.unlink()
        return applied

    # -- snapshots ---------------------------------------------------------------------
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
            self.con.execute("CHECKPOINT")
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
        rows = self.con.execute(
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
        self.con.execute(
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
        with _registered(self.con, "wanted_ids", pd.DataFrame({"feedback_id": feedback_ids})):
            return self.con.execute(
                "SELECT f.feedback_id, f.run_id, f.file, f.line FROM feedback f "
                "SEMI JOIN wanted_ids USING (feedback_id)"
            ).df()

    def first_with_content_keys(self, content_keys: list[str]) -> dict[str, str]:
        """For each non-empty key already stored, the earliest feedback_id carrying it."""
        keys = pd.DataFrame({"content_key": sorted({k for k in content_keys if k})})
        if keys.empty:
            return {}
        with _registered(self.con, "wanted_keys", keys):
            rows = self.con.execute(
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
            stored = self._insert(con, "feedback", feedback, FEEDBACK_COLUMNS)
            quarantined = self._insert(con, "quarantine", quarantine, QUARANTINE_COLUMNS)
        return stored, quarantined

    def insert_frame(self, table: str, df: pd.DataFrame, keyed: bool = True) -> int:
        """Insert a frame's rows into ``table`` (columns by name). With ``keyed`` rows whose
        key exists are left as they are; a table without a key needs ``keyed=False``.
        Returns how many rows were new."""
        with self.transaction() as con:
            return self._insert(con, table, df, list(df.columns), keyed)

    @staticmethod
    def _insert(
        con: duckdb.DuckDBPyConnection,
        table: str,
        df: pd.DataFrame,
        columns: list[str],
        keyed: bool = True,
    ) -> int:
        if df.empty:
            return 0
        missing = set(columns) - set(df.columns)
        if missing:
            raise StoreError(f"batch for {table} lacks columns {sorted(missing)}")
        before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
        with _registered(con, "incoming_batch", df[columns]):
            con.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns)} FROM incoming_batch"
                + (" ON CONFLICT DO NOTHING" if keyed else "")
            )
        after = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
        return int(after[0]) - int(before[0])

    # -- analysis ----------------------------------------------------------------------
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
        return self.con.execute(
            "SELECT f.feedback_id, f.text, f.language, f.touchpoint, f.created_at "
            "FROM feedback f LEFT JOIN analysis a USING (feedback_id) "
            "WHERE (a.feedback_id IS NULL OR a.version <> ?) "
            + page
            + "ORDER BY f.created_at NULLS LAST, f.feedback_id LIMIT ?",
            [*params, limit],
        ).df()

    def count_pending_analysis(self, version: str) -> int:
        """How many records :meth:`pending_analysis` would eventually return."""
        rows = self.con.execute(
            "SELECT count(*) FROM feedback f LEFT JOIN analysis a USING (feedback_id) "
            "WHERE a.feedback_id IS NULL OR a.version <> ?",
            [version],
        ).fetchall()
        return int(rows[0][0])

    def cached_embeddings(self, text_hashes: list[str], embedder: str) -> dict[str, np.ndarray]:
        """Embeddings already computed by ``embedder``, by text hash (float32 vectors)."""
        if not text_hashes:
            return {}
        wanted = pd.DataFrame({"text_hash": list(dict.fromkeys(text_hashes))})
        with _registered(self.con, "wanted_hashes", wanted):
            rows = self.con.execute(
                "SELECT e.text_hash, e.vector FROM embeddings e "
                "SEMI JOIN wanted_hashes USING (text_hash) WHERE e.embedder = ?",
                [embedder],
            ).fetchall()
        return {key: decode_vector(blob) for key, blob in rows}

    def store_embeddings(self, text_hashes: list[str], vectors: np.ndarray, embedder: str) -> int:
        """Cache embeddings (as float16) by text hash; returns how many were new."""
        if not text_hashes:
            return 0
        frame = pd.DataFrame(
            {
                "text_hash": text_hashes,
                "embedder": embedder,
                "dim": np.asarray(vectors).shape[1],
                "vector": encode_vectors(vectors),
                "created_at": utcnow(),
            }
        )
        with self.transaction() as con:
            return self._insert(con, "embeddings", frame, list(frame.columns))

    def write_analysis(self, records: pd.DataFrame, sentences: pd.DataFrame) -> None:
        """Replace the analysis and sentences of ``records.feedback_id`` in one transaction.

        Args:
            records: Columns ``ANALYSIS_COLUMNS``.
            sentences: Columns ``SENTENCE_COLUMNS``.
        """
        with self.transaction() as con:
            with _registered(con, "analysed_ids", records[["feedback_id"]]):
                for table in ("sentences", "analysis"):
                    con.execute(
                        f"DELETE FROM {table} WHERE feedback_id IN "
                        "(SELECT feedback_id FROM analysed_ids)"
                    )
            self._insert(con, "analysis", records, ANALYSIS_COLUMNS)
            self._insert(con, "sentences", sentences, SENTENCE_COLUMNS)

    # -- reading -----------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a query and return its result as a frame."""
        return self.con.execute(sql, params or []).df()

    def status(self, recent_weeks: int = 12) -> dict[str, pd.DataFrame]:
        """Counts of stored feedback by source, channel, language and ISO week (the most
        recent ``recent_weeks`` weeks one by one, older ones together); sentiment by
        channel and items per touchpoint (analysed records); quarantined rows by source
        and reason."""
        con = self.con
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


# -- locks, snapshots and processes ------------------------------------------------------
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


def _connect_writer(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
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


def record_run_finish(
    store_path: str | Path, run_id: str, status: str, summary: dict[str, Any]
) -> bool:
    """Record a run's end without waiting: in the store when it is free, else in a
    journal beside it that the next run applies. For runs that only read (the digest),
    which must not wait behind a writer. Returns whether the store took it now."""
    try:
        with Warehouse(store_path, lock_timeout=0) as store:
            store.finish_run(run_id, status, summary)
        return True
    except StoreBusy:
        line = json.dumps({"run_id": run_id, "status": status, "summary": summary})
        with open(pending_finishes_path(store_path), "a", encoding="utf-8") as journal:
            journal.write(line + "\n")
        return False


def process_identity() -> dict[str, Any]:
    """This process as a run records it: ``pid``, ``host`` and ``started`` (a token of
    when the process started, so a reused process id is not taken for the run's)."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "started": _process_started(pid)}


def _process_started(pid: int) -> str | None:
    """The boot id and start time (clock ticks since boot) of ``pid`` on Linux; None
    elsewhere or when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    # Field 22 is the start time; the command name (field 2) may hold spaces: split after it.
    return f"{boot}:{stat.rsplit(')', 1)[1].split()[19]}"


def process_alive(process: dict[str, Any]) -> bool:
    """Whether the process a run recorded (:func:`process_identity`) still runs."""
    pid = int(process.get("pid") or 0)
    if pid <= 0:
        return False
    started = process.get("started")
    if started is not None and Path("/proc").is_dir():
        return _process_started(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> Iterator[None]:
    con.register(name, df)
    try:
        yield
    finally:
        # If the statement inside failed and aborted the transaction, unregistering now
        # would raise and hide the real error; the rollback drops the view anyway.
        with suppress(duckdb.TransactionException):
            con.unregister(name)


def run_read_only(path: str | Path, sql: str) -> pd.DataFrame:
    """Run one read-only query on the store: see :mod:`voc.store.readonly_sql`.

    Raises:
        ReadOnlyQueryError: the SQL is not a single read-only query, or reaches outside
            the store.
        StoreError: the store does not exist or the query fails.
    """
    from voc.store.readonly_sql import run_read_only_sql

    return run_read_only_sql(path, sql)
