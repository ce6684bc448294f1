"""Fault injection: real ``voc`` processes killed (SIGKILL) in the middle of ingest and of
analysis, then run again. Nothing is lost, nothing doubled, no run is left ``running``,
and the store opens after every kill.

The kill comes from the writer itself (:mod:`voc.faults`, ``VOC_FAULT_*``), after a given
number of written batches: the same as ``kill -9`` or the OOM killer at that moment, with
no clean-up code run.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from voc.store.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
FILES, ROWS_PER_FILE, EMPTY_PER_FILE = 3, 150, 2
ADJECTIVES = ["late", "early", "damaged", "perfect", "wet", "crushed", "on time", "missing"]
THINGS = ["parcel", "refund", "app", "checkout", "courier", "invoice", "support chat"]


def _write_exports(folder: Path) -> None:
    """Three CSV exports of 150 rows each; two rows per file have no text (quarantined)."""
    folder.mkdir()
    for f in range(FILES):
        with (folder / f"export_{f}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "when", "comment"])
            for i in range(ROWS_PER_FILE):
                n = f * ROWS_PER_FILE + i
                text = (
                    ""
                    if i < EMPTY_PER_FILE
                    else f"Order {n}: the {THINGS[n % len(THINGS)]} was "
                    f"{ADJECTIVES[n % len(ADJECTIVES)]}. I wrote to you {n % 5 + 1} times."
                )
                writer.writerow([f"r{n}", f"2026-10-{(n % 28) + 1:02d}", text])


@pytest.fixture
def project(tmp_path: Path, prefect_harness: None) -> dict[str, Any]:
    _write_exports(tmp_path / "exports")
    config = {
        "store": {"path": str(tmp_path / "voc.duckdb"), "lock_timeout_seconds": 30},
        # Small batches, so a run has many points to be killed at; no NER, to be quick.
        "ingest": {"chunk_size": 100, "redaction": {"ner": False}},
        "analysis": {"chunk_size": 50},
        "sources": [
            {
                "name": "reviews",
                "path": str(tmp_path / "exports" / "*.csv"),
                "channel": "review",
                "text_col": "comment",
                "id_col": "id",
                "time_col": "when",
            }
        ],
    }
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    from prefect.settings import get_current_settings

    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        # The session's Prefect server: each process skips starting one of its own.
        "PREFECT_API_URL": str(get_current_settings().api.url),
    }
    return {"config": path, "store": tmp_path / "voc.duckdb", "env": env, "cwd": tmp_path}


def _voc(project: dict[str, Any], *args: str, **fault: Any) -> subprocess.CompletedProcess[str]:
    env = dict(project["env"])
    for key, value in fault.items():
        env[f"VOC_FAULT_{key.upper()}"] = str(value)
    return subprocess.run(
        [sys.executable, "-m", "voc.cli", *args, "--config", str(project["config"])],
        env=env,
        cwd=project["cwd"],
        capture_output=True,
        text=True,
        timeout=600,
    )


def _counts(store: Path) -> dict[str, Any]:
    # A writable open: the store must open (and migrate) after every kill.
    with Warehouse(store) as opened:
        one = lambda sql: opened._con.execute(sql).fetchall()[0][0]  # noqa: E731
        return {
            "feedback": one("SELECT count(*) FROM feedback"),
            "feedback_ids": one("SELECT count(DISTINCT feedback_id) FROM feedback"),
            "quarantine": one("SELECT count(*) FROM quarantine"),
            "files": one("SELECT count(*) FROM ingested_files"),
            "analysis": one("SELECT count(*) FROM analysis"),
            "analysis_ids": one("SELECT count(DISTINCT feedback_id) FROM analysis"),
            "sentences": one("SELECT count(*) FROM sentences"),
            "sentence_keys": one(
                "SELECT count(*) FROM (SELECT DISTINCT feedback_id, sentence_index FROM sentences)"
            ),
            "runs": dict(
                opened._con.execute(
                    "SELECT status, count(*) FROM runs GROUP BY ALL ORDER BY 1"
                ).fetchall()
            ),
        }


def test_voc_killed_during_ingest_and_analysis_loses_and_doubles_nothing(
    project: dict[str, Any],
) -> None:
    stored_per_file = ROWS_PER_FILE - EMPTY_PER_FILE
    total = FILES * stored_per_file

    # 1. Killed in the second file (batches: file 1 -> 1, 2; file 2 -> 3, ...): the first
    #    file is in, the second's open transaction is lost.
    killed = _voc(project, "ingest", stage="ingest", kill_after_batches=3)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = _counts(project["store"])
    assert after["feedback"] == after["feedback_ids"] == stored_per_file
    assert after["files"] == 1
    assert after["runs"] == {"running": 1}

    # 2. `voc run`: the ingest finishes every file, the analysis is killed after its
    #    second chunk of 50 records.
    killed = _voc(project, "run", stage="analyze", kill_after_batches=2)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = _counts(project["store"])
    assert after["feedback"] == after["feedback_ids"] == total
    assert after["quarantine"] == FILES * EMPTY_PER_FILE
    assert after["files"] == FILES
    assert after["analysis"] == after["analysis_ids"] == 100
    # The killed ingest was marked crashed by this run's ingest, which completed.
    assert after["runs"] == {"completed": 1, "crashed": 1, "running": 1}

    # 3. Killed again, later in the analysis (chunks are counted per process).
    killed = _voc(project, "analyze", stage="analyze", kill_after_batches=3)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = _counts(project["store"])
    assert after["analysis"] == after["analysis_ids"] == 250
    assert after["sentences"] == after["sentence_keys"]

    # 4. A clean run finishes the work; the runs left behind are crashed, none running.
    done = _voc(project, "run")
    assert done.returncode == 0, done.stderr
    after = _counts(project["store"])
    assert after["feedback"] == after["feedback_ids"] == total
    assert after["quarantine"] == FILES * EMPTY_PER_FILE
    assert after["files"] == FILES
    assert after["analysis"] == after["analysis_ids"] == total
    assert after["sentences"] == after["sentence_keys"] > 0
    assert after["runs"] == {"completed": 3, "crashed": 3}
