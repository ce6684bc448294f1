"""The warehouse: one DuckDB file with versioned schema migrations.

Writes are idempotent: a feedback item is keyed by its ``feedback_id`` and a quarantined
row by a hash of where it came from and why, so re-running an ingest never doubles a row.
Read-only access (``voc sql``) goes through :mod:`voc.store.readonly_sql`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from voc.errors import StoreError

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
        read_only: Open for queries only (several readers may share the file).
    """

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depth = 0

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> Warehouse:
        """Connect, and migrate unless read-only. Returns self."""
        if self._con is not None:
            return self
        if self.read_only and not self.path.exists():
            raise StoreError(
                f"no store at {self.path}; run `voc ingest` (or `make demo`) first, "
                "or point store.path in the config at an existing file"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = duckdb.connect(str(self.path), read_only=self.read_only)
        except duckdb.Error as e:
            raise StoreError(
                f"cannot open the store {self.path}: {e}. If another voc process is writing "
                "to it, wait for it to finish."
            ) from e
        if not self.read_only:
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
        """Record that a run began."""
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', NULL) ON CONFLICT DO NOTHING",
            [run_id, flow, utcnow()],
        )

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended, with its summary."""
        self.con.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
            [utcnow(), status, json.dumps(summary, ensure_ascii=False), run_id],
        )

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
    def pending_analysis(self, version: str, limit: int) -> pd.DataFrame:
        """Up to ``limit`` stored records that have no analysis of ``version`` yet.

        New records first come in order of ``created_at``; a record analysed by another
        version (a new model or an edited taxonomy) is pending again.

        Returns:
            Columns ``feedback_id``, ``text``, ``language``, ``touchpoint`` (given by the
            source, may be null).
        """
        return self.con.execute(
            "SELECT f.feedback_id, f.text, f.language, f.touchpoint FROM feedback f "
            "LEFT JOIN analysis a USING (feedback_id) "
            "WHERE a.feedback_id IS NULL OR a.version <> ? "
            "ORDER BY f.created_at NULLS LAST, f.feedback_id LIMIT ?",
            [version, limit],
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
        return {key: np.frombuffer(blob, dtype="<f2").astype(np.float32) for key, blob in rows}

    def store_embeddings(self, text_hashes: list[str], vectors: np.ndarray, embedder: str) -> int:
        """Cache embeddings (as float16) by text hash; returns how many were new."""
        if not text_hashes:
            return 0
        vectors = np.asarray(vectors, dtype="<f2")
        frame = pd.DataFrame(
            {
                "text_hash": text_hashes,
                "embedder": embedder,
                "dim": vectors.shape[1],
                "vector": [row.tobytes() for row in vectors],
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
