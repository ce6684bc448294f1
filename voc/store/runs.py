"""The ``runs`` table: what each flow run recorded, and how a killed run is told.

:class:`RunBook` holds the writes (a run's start and end, crashed runs, the ends readers
left in a journal); :class:`voc.store.warehouse.Warehouse` inherits them.
:func:`record_run_finish` records an end without waiting on a writer.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from voc.errors import StoreBusy
from voc.store.connection import StoreConnection
from voc.store.frames import utcnow
from voc.store.locking import pending_finishes_path, snapshot_path

if TYPE_CHECKING:  # warehouse.py builds on this module: no import cycle at run time
    from voc.store.warehouse import Warehouse

logger = logging.getLogger(__name__)

__all__ = [
    "RunBook",
    "process_alive",
    "process_identity",
    "recent_runs",
    "record_run_finish",
    "run_summaries",
]


class RunBook(StoreConnection):
    """The writes of the ``runs`` table: a run's start and end, and crashed runs."""

    def start_run(self, run_id: str, flow: str) -> None:
        """Record that a run began, and by which process (so a later run can tell that it
        was killed: see :meth:`mark_crashed_runs`).

        Runs recorded ``running`` whose process is gone are marked ``crashed`` first, and
        finishes that readers could not write (:func:`record_run_finish`) are applied.
        """
        self.apply_pending_finishes()
        self.mark_crashed_runs()
        summary = {"run_id": run_id, "status": "running", "process": process_identity()}
        self._con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', ?) ON CONFLICT DO NOTHING",
            [run_id, flow, utcnow(), json.dumps(summary)],
        )
        if not snapshot_path(self.path).exists():
            # A store from before snapshots: give readers one before this run's writes.
            self.publish_snapshot()

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended, with its summary."""
        self._con.execute(
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
        rows = self._con.execute(
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


def run_summaries(store: Warehouse, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The summaries the flows recorded for ``run_ids``, by run id (runs without one left out)."""
    rows = store._con.execute(
        "SELECT run_id, summary FROM runs WHERE list_contains(?, run_id)", [run_ids]
    ).fetchall()
    return {str(run_id): json.loads(summary) for run_id, summary in rows if summary}


def recent_runs(store: Warehouse, limit: int) -> pd.DataFrame:
    """The newest ``limit`` runs with their counts.

    Columns: run_id, flow, status, started (text), secs, read, stored, quarantined,
    analysed, process (the JSON of the process that ran it, for telling a crashed run).
    """
    return store._con.execute(
        "SELECT run_id, flow, status, "
        "strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started, "
        "round(epoch(finished_at - started_at), 1) AS secs, "
        "(summary->>'$.total.read')::BIGINT AS read, "
        "(summary->>'$.total.stored')::BIGINT AS stored, "
        "(summary->>'$.total.quarantined')::BIGINT AS quarantined, "
        "(summary->>'$.analysis.analyzed')::BIGINT AS analysed, "
        "summary->>'$.process' AS process "
        f"FROM runs ORDER BY started_at DESC LIMIT {int(limit)}"
    ).df()


def record_run_finish(
    store_path: str | Path, run_id: str, status: str, summary: dict[str, Any]
) -> bool:
    """Record a run's end without waiting: in the store when it is free, else in a
    journal beside it that the next run applies. For runs that only read (the digest),
    which must not wait behind a writer. Returns whether the store took it now."""
    from voc.store.warehouse import Warehouse  # the whole store, built on this module

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
