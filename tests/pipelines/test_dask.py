"""`execution: {mode: dask}`: the real flows on a real ``distributed.LocalCluster`` of two
worker processes store exactly what the in-process flows store, even when a worker is
killed mid-run.

The data is a representative subset of the bundled demo samples (every source, every
format: the first rows of each file, 495 records, English and Japanese, with PII and
duplicates to quarantine), not the whole demo: the whole demo takes 4-6 minutes
in-process on the 2 CI cores, three runs of it would not fit a test. The chunks are small
(ingest 100 rows, analysis 50 records, 8 KB file parts) so every fan-out has many tasks:
the app reviews file is cleaned in three parts, the analysis in ten chunks.
"""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.conftest import REPO, SAMPLES

pytestmark = pytest.mark.usefixtures("prefect_harness")

#: Rows taken from each sample file (the first ones: the samples are not sorted by date).
ROWS = {
    "womens_clothing_reviews.csv": 90,
    "app_reviews_google_play.csv": 220,
    "cfpb_complaints.csv": 25,
    "survey_nps_export.csv": 50,
    "survey_csat_ja_export.csv": 40,
    "social_posts_ja.jsonl": 40,
    "support_tickets.json": 30,
}

#: Columns a re-run changes by design (its run id, its clock); everything else must match.
VOLATILE = {
    "run_id",
    "ingested_at",
    "analyzed_at",
    "quarantined_at",
    "created_run",
    "updated_run",
    "updated_at",
    "computed_at",
    "occurred_at",
    "fitted_at",
    "created_at",
}
TABLES = {
    "feedback": "feedback_id",
    "quarantine": "quarantine_id",
    "analysis": "feedback_id",
    "sentences": "feedback_id, sentence_index",
    "embeddings": "embedder, text_hash",
    "topics": "topic_id",
    "sentence_topics": "feedback_id, sentence_index",
    "topic_model": "model_id",
    "pain_points": "ALL",
    "survey_metrics": "ALL",
}


def _subset(folder: Path) -> dict[str, str]:
    from voc.sources.encoding import decode_file

    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in ROWS.items():
        source, target = SAMPLES / name, folder / name
        if name.endswith(".csv"):
            # Kept in the file's own encoding (UTF-16, CP932, ...): the readers see the same.
            text, guess = decode_file(source)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            target.write_bytes(frame.head(rows).to_csv(index=False).encode(guess.encoding))
        elif name.endswith(".jsonl"):
            lines = source.read_text(encoding="utf-8").splitlines()[:rows]
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            items = json.loads(source.read_text(encoding="utf-8"))
            target.write_text(json.dumps(items[:rows], ensure_ascii=False), encoding="utf-8")
        paths[f"data/samples/{name}"] = str(target)
    return paths


def _config(root: Path, data: dict[str, str], execution: dict[str, Any] | None) -> Path:
    config = yaml.safe_load((REPO / "configs" / "voc.yaml").read_text(encoding="utf-8"))
    config["store"] = {"path": str(root / "voc.duckdb")}
    config["taxonomy"] = str(REPO / "configs" / "taxonomy.yaml")
    config["ingest"]["chunk_size"] = 100
    config["analysis"]["chunk_size"] = 100
    config["digest"]["out_dir"] = str(root / "reports")
    for source in config["sources"]:
        source["path"] = data[source["path"]]
    if execution is not None:
        config["execution"] = {**execution, "shards": str(root / "shards"), "part_bytes": 64_000}
    path = root / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _tables(store: Path) -> dict[str, pd.DataFrame]:
    from voc.store.warehouse import Warehouse

    tables = {}
    with Warehouse(store, read_only=True) as warehouse:
        for table, order in TABLES.items():
            frame = warehouse.query(f"SELECT * FROM {table}")
            frame = frame.drop(columns=[c for c in frame.columns if c in VOLATILE])
            keys = list(frame.columns) if order == "ALL" else [k.strip() for k in order.split(",")]
            sortable = frame.astype(str)
            tables[table] = frame.loc[sortable.sort_values(keys).index].reset_index(drop=True)
    return tables


#: Tables DuckDB aggregates into (avg, sum of doubles): its threads add floats in the order
#: they finish, so two in-process runs on the same store differ in the last bits too.
AGGREGATED = {"pain_points", "survey_metrics"}


def _assert_same(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    for table, expected in want.items():
        assert len(got[table]) == len(expected), table
        if table in AGGREGATED:
            floats = [c for c in expected.columns if expected[c].dtype.kind == "f"]
            others = [c for c in expected.columns if c not in floats]
            pd.testing.assert_frame_equal(
                got[table][others], expected[others], check_exact=True, obj=table
            )
            pd.testing.assert_frame_equal(
                got[table][floats], expected[floats], rtol=1e-12, atol=1e-15, obj=table
            )
        else:
            pd.testing.assert_frame_equal(got[table], expected, check_exact=True, obj=table)


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _subset(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="module")
def in_process(
    prefect_harness: None, subset: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The in-process run of the subset: its tables, and its wall time."""
    from pipelines.analyze import run_flow

    root = tmp_path_factory.mktemp("local")
    started = time.perf_counter()
    run_flow(config_path=str(_config(root, subset, None)))
    seconds = time.perf_counter() - started
    return {"tables": _tables(root / "voc.duckdb"), "seconds": seconds}


@pytest.fixture(scope="module")
def cluster() -> Any:
    """A real LocalCluster: two worker processes, one thread each, and a client."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
        Client(local, set_as_default=False) as client,
    ):
        yield local, client


def _load_counts(client: Any) -> dict[str, dict[str, Any]]:
    from voc.scale.workers import load_counts

    return client.run(load_counts)


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    in_process: dict[str, Any], cluster: Any, subset: dict[str, str], tmp_path: Path
) -> None:
    """The CI test: the run on the two-worker cluster, one worker killed (SIGKILL) as the
    analysis starts, stores exactly what the in-process run stores."""
    from pipelines.analyze import run_flow

    local, client = cluster
    config = _config(tmp_path, subset, {"mode": "dask", "address": local.scheduler_address})
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = run_flow(config_path=str(config))
        except BaseException as e:
            outcome["error"] = e

    runner = threading.Thread(target=run)
    runner.start()
    # Kill a worker once the analysis has started (its first chunk's shard is written).
    analysis = tmp_path / "shards" / "analysis"
    deadline = time.monotonic() + 300
    while runner.is_alive() and not list(analysis.glob("*.parquet")):
        assert time.monotonic() < deadline, "the analysis never started"
        time.sleep(0.05)
    assert runner.is_alive(), "the run ended before a worker could be killed"
    pids = client.run(os.getpid)  # {worker address: its process id}
    victim = pids[sorted(pids)[0]]
    os.kill(victim, signal.SIGKILL)
    runner.join(timeout=300)
    assert not runner.is_alive()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert result["analyze"]["status"] == "completed"

    tables = _tables(tmp_path / "voc.duckdb")
    assert len(tables["feedback"]) > 400 and len(tables["quarantine"]) > 0
    assert len(tables["sentences"]) > 1000 and len(tables["pain_points"]) > 0
    assert result["analyze"]["analysis"]["chunks"] == 5
    _assert_same(tables, in_process["tables"])

    # The nanny restarted the killed worker: two workers again, the victim not among them.
    client.wait_for_workers(2, timeout=120)
    counts = _load_counts(client)
    assert victim not in {c["pid"] for c in counts.values()}
    # Every worker process loaded the analyser at most once, for all the chunks it ran
    # (five chunks, two or three processes), and a cleaner once per source.
    assert all(c.get("analyzer", 0) <= 1 for c in counts.values()), counts
    assert all(c.get("cleaner", 0) <= len(ROWS) for c in counts.values()), counts
    # Nothing is left to recompute, and the writer removed every shard it committed.
    while client.processing() and any(client.processing().values()):
        time.sleep(0.5)
    assert not list((tmp_path / "shards").rglob("*.parquet"))


@pytest.mark.slow
def test_a_local_cluster_started_for_the_run_stores_what_in_process_stores(
    in_process: dict[str, Any], subset: dict[str, str], tmp_path: Path
) -> None:
    """``execution: {mode: dask, workers: 2}``: voc starts a LocalCluster of two worker
    processes for the run (and closes it); prints both wall times."""
    from pipelines.analyze import run_flow

    config = _config(tmp_path, subset, {"mode": "dask", "workers": 2})
    started = time.perf_counter()
    result = run_flow(config_path=str(config))
    seconds = time.perf_counter() - started
    print(f"\nin-process {in_process['seconds']:.1f} s, 2-worker local cluster {seconds:.1f} s")
    assert result["analyze"]["analysis"]["chunks"] == 5
    _assert_same(_tables(tmp_path / "voc.duckdb"), in_process["tables"])
    assert not list((tmp_path / "shards").rglob("*.parquet"))
