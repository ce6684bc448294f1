"""One writer at a time, readers that never meet a lock, and runs whose process died.

Every "other process" here is a real one (``python -c``): DuckDB's and the writer lock's
file locks are per process, so a thread could not show what a second ``voc`` meets.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipelines.runs import recorded_run
from voc.errors import StoreBusy
from voc.store.warehouse import (
    FEEDBACK_COLUMNS,
    QUARANTINE_COLUMNS,
    Warehouse,
    connect_reader,
    pending_finishes_path,
    run_in_progress,
    snapshot_path,
    utcnow,
    writer_lock,
)

REPO = Path(__file__).resolve().parents[2]


def _feedback(ids: list[str]) -> pd.DataFrame:
    now = utcnow()
    return pd.DataFrame(
        [
            {
                **dict.fromkeys(FEEDBACK_COLUMNS),
                "feedback_id": i,
                "source": "s",
                "channel": "review",
                "text": f"text {i}",
                "language": "en",
                "created_at": now,
                "content_key": "",
                "pii_redactions": 0,
                "file": "f.csv",
                "line": n,
                "run_id": "r1",
                "ingested_at": now,
            }
            for n, i in enumerate(ids)
        ],
        columns=FEEDBACK_COLUMNS,
    )


def _store_with(path: Path, ids: list[str], run_id: str = "r1") -> None:
    """A store holding ``ids``, written by a completed run that published its snapshot."""
    result: dict = {"run_id": run_id}
    with recorded_run(str(path), run_id, "ingest", result):
        with Warehouse(path) as store:
            store.write_batch(_feedback(ids), pd.DataFrame(columns=QUARANTINE_COLUMNS))
        result["status"] = "completed"


def _spawn(code: str, ready: Path) -> subprocess.Popen[bytes]:
    """Run ``code`` in a real Python process; wait until it creates ``ready``."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert process.poll() is None, "the helper process ended early"
        assert time.monotonic() < deadline, "the helper process never got ready"
        time.sleep(0.05)
    return process


@pytest.fixture
def writer_holding(tmp_path: Path) -> Iterator[callable]:
    """Start a real process that opens the store for writing (inside a run, holding the
    writer lock, with one more row written) and keeps it until the test ends."""
    started: list[subprocess.Popen[bytes]] = []

    def _start(store: Path, run: bool = True, hold_s: float = 120) -> subprocess.Popen[bytes]:
        ready = tmp_path / f"ready-{len(started)}"
        lock = (
            f"writer_lock({str(store)!r}, 0, 'ingest-writer', 'ingest')"
            if run
            else "contextlib.nullcontext()"
        )
        code = f"""
import contextlib, time
from pathlib import Path
from voc.store.warehouse import Warehouse, writer_lock
with {lock}:
    with Warehouse({str(store)!r}) as store:
        store._con.execute("UPDATE feedback SET text = 'being rewritten'")
        Path({str(ready)!r}).write_text('x')
        time.sleep({hold_s})
"""
        process = _spawn(code, ready)
        started.append(process)
        return process

    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_a_reader_answers_from_the_snapshot_while_a_real_writer_runs(
    tmp_path: Path, writer_holding
) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a", "b", "c"])
    assert snapshot_path(store).exists()
    writer_holding(store)
    assert run_in_progress(store)["run_id"] == "ingest-writer"

    started = time.perf_counter()
    with Warehouse(store, read_only=True) as reader:
        texts = reader.query("SELECT text FROM feedback ORDER BY feedback_id")["text"].tolist()
        served_from = reader.snapshot
    elapsed = time.perf_counter() - started

    # The last completed run's data, not the writer's uncommitted change, and no waiting.
    assert texts == ["text a", "text b", "text c"]
    assert served_from == snapshot_path(store)
    assert elapsed < 2.0


def test_a_reader_also_falls_back_when_a_writer_outside_a_run_holds_the_file(
    tmp_path: Path, writer_holding
) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    writer_holding(store, run=False)
    assert run_in_progress(store) is None
    con, served = connect_reader(store)
    try:
        assert served == snapshot_path(store)
        assert con.execute("SELECT count(*) FROM feedback").fetchall() == [(1,)]
    finally:
        con.close()


def test_without_a_snapshot_a_busy_store_is_one_line_naming_what_to_do(
    tmp_path: Path, writer_holding
) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    snapshot_path(store).unlink()
    writer_holding(store)
    with pytest.raises(StoreBusy) as caught:
        Warehouse(store, read_only=True).open()
    message = str(caught.value)
    assert "\n" not in message
    assert "ingest-writer" in message and "try again" in message


def test_a_second_writer_waits_for_the_lock_then_gives_up(tmp_path: Path, writer_holding) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    writer_holding(store)
    started = time.monotonic()
    with pytest.raises(StoreBusy) as caught, writer_lock(store, 1.5, "second", "analyze"):
        pass
    waited = time.monotonic() - started
    assert 1.4 <= waited < 10
    assert "ingest-writer" in str(caught.value)
    assert "store.lock_timeout_seconds" in str(caught.value)


def test_a_second_writer_goes_on_once_the_first_ends(tmp_path: Path, writer_holding) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    writer_holding(store, hold_s=1.5)
    started = time.monotonic()
    with writer_lock(store, 60, "second", "analyze"):
        assert time.monotonic() - started >= 1.0  # it got the lock once the first ended
        _store_with(store, ["b"], run_id="r2")
    with Warehouse(store, read_only=True) as reader:
        assert reader.snapshot is None  # no writer: the store itself
        assert reader.query("SELECT count(*) AS n FROM feedback")["n"][0] == 2


def test_the_snapshot_is_replaced_atomically_and_stays_readable_by_an_open_reader(
    tmp_path: Path,
) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    import duckdb

    old = duckdb.connect(str(snapshot_path(store)), read_only=True)
    try:
        _store_with(store, ["b", "c"], run_id="r2")
        # The reader that had the old snapshot open keeps reading it, whole.
        assert old.execute("SELECT count(*) FROM feedback").fetchall() == [(1,)]
    finally:
        old.close()
    # A new reader (another process: DuckDB caches a database per path within one) sees
    # the new one.
    counted = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
            ".execute('SELECT count(*) FROM feedback').fetchall()[0][0])",
            str(snapshot_path(store)),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert counted.stdout.strip() == "3"
    # No temporary copy is left beside the store.
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def test_a_run_whose_process_was_killed_is_marked_crashed_by_the_next_run(tmp_path: Path) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    ready = tmp_path / "ready"
    code = f"""
import os, signal
from pathlib import Path
from voc.store.warehouse import Warehouse
with Warehouse({str(store)!r}) as store:
    store.start_run("ingest-killed", "ingest")
Path({str(ready)!r}).write_text('x')
os.kill(os.getpid(), signal.SIGKILL)
"""
    victim = _spawn(code, ready)
    assert victim.wait(timeout=60) == -signal.SIGKILL
    with Warehouse(store) as writer:
        assert writer.query("SELECT status FROM runs WHERE run_id = 'ingest-killed'")[
            "status"
        ].tolist() == ["running"]
        writer.start_run("ingest-next", "ingest")
        runs = writer.query("SELECT run_id, status, summary FROM runs ORDER BY run_id")
    status = dict(zip(runs["run_id"], runs["status"], strict=True))
    assert status["ingest-killed"] == "crashed"
    assert status["ingest-next"] == "running"  # this process is alive
    summary = json.loads(runs.set_index("run_id").loc["ingest-killed", "summary"])
    assert f"PID {victim.pid}" in summary["error"]


def test_a_reader_run_records_its_end_later_when_the_store_is_busy(
    tmp_path: Path, writer_holding
) -> None:
    store = tmp_path / "voc.duckdb"
    _store_with(store, ["a"])
    result: dict = {"run_id": "digest-1"}
    with recorded_run(str(store), "digest-1", "digest", result, writes=False):
        # Started while the store was free; a writer takes it before the digest ends.
        writer = writer_holding(store)
        result["status"] = "completed"
    assert pending_finishes_path(store).exists()
    writer.kill()
    writer.wait()
    with Warehouse(store) as next_run:
        next_run.start_run("ingest-after", "ingest")
        status = next_run.query("SELECT status FROM runs WHERE run_id = 'digest-1'")["status"]
    assert status.tolist() == ["completed"]  # not "crashed": its end was journalled
    assert not pending_finishes_path(store).exists()
