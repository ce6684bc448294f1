"""The analyse step writes chunk k on a thread of its own while it analyses chunk k + 1
(issue 15, point 4): in order, one chunk a transaction, a failed write raised as it was,
and the embedding cache read as if every chunk had been written at once.

Real models, a real store (``tests/test_crash_recovery.py`` kills a real run mid-way).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.pending_stores import pending_store
from voc import pending
from voc.analysis import Analyzer, text_hash
from voc.errors import StoreError
from voc.pending import CachedEmbedding, analyze_pending
from voc.store.sentences import AnalysisWrites
from voc.store.warehouse import Warehouse

TEXTS = [
    "Fast delivery, lovely dress.",
    "The app crashes at login.",
    "Fast delivery, lovely dress. But the zip broke.",
    "Customer service never answered.",
    "The app crashes at login. Refund please.",
    "Great value.",
]


def _counts(store: Warehouse) -> tuple[int, int, int]:
    row = store.query(
        "SELECT (SELECT count(*) FROM analysis) AS a, "
        "(SELECT count(DISTINCT feedback_id) FROM analysis) AS ids, "
        "(SELECT count(*) FROM sentences) AS s"
    ).iloc[0]
    return int(row["a"]), int(row["ids"]), int(row["s"])


def test_chunk_k_is_written_on_another_thread_while_chunk_k_plus_1_is_analysed(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = pending_store(tmp_path / "voc.duckdb", TEXTS)
    analysing: list[threading.Event] = []
    writes: list[tuple[str, list[str], bool]] = []
    analyze_chunk, write_analysis = pending.analyze_within_budget, AnalysisWrites.write_analysis

    def analyze_watched(*args: Any, **kwargs: Any) -> Any:
        started = threading.Event()
        analysing.append(started)
        started.set()
        return analyze_chunk(*args, **kwargs)

    def write_watched(self: Any, records: pd.DataFrame, sentences: pd.DataFrame) -> None:
        # The first write waits for the second chunk's analysis to start: done one after
        # the other, it never would (and this would time out).
        seen = len(analysing) > 1 or (len(writes) == 0 and _wait_for_second(analysing))
        writes.append((threading.current_thread().name, records["feedback_id"].tolist(), seen))
        write_analysis(self, records, sentences)

    monkeypatch.setattr(pending, "analyze_within_budget", analyze_watched)
    monkeypatch.setattr(AnalysisWrites, "write_analysis", write_watched)
    done: list[tuple[int, int]] = []
    summary = analyze_pending(store, analyzer, "run-1", chunk_size=2, progress=_add(done))
    assert [ids for _, ids, _ in writes] == [["f0", "f1"], ["f2", "f3"], ["f4", "f5"]]
    assert all(name.startswith("voc-analysis-write") for name, _, _ in writes)
    assert writes[0][2], "chunk 1 was written before chunk 2's analysis started"
    assert done == [(2, 6), (4, 6), (6, 6)]
    assert (summary.analyzed, summary.sentences) == (6, _counts(store)[2])
    assert _counts(store)[:2] == (6, 6)
    store.close()


def _wait_for_second(analysing: list[threading.Event]) -> bool:
    for _ in range(200):  # 20 s at most
        if len(analysing) > 1:
            return True
        threading.Event().wait(0.1)
    return False


def _add(done: list[tuple[int, int]]) -> Any:
    return lambda analysed, total: done.append((analysed, total))


def test_a_failed_write_is_raised_as_it_was_and_the_chunks_before_it_stay(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = pending_store(tmp_path / "voc.duckdb", TEXTS)
    calls: list[int] = []
    write_analysis = AnalysisWrites.write_analysis

    def failing_second(self: Any, records: pd.DataFrame, sentences: pd.DataFrame) -> None:
        calls.append(len(records))
        if len(calls) == 2:
            raise StoreError("disk full while writing chunk 2")
        write_analysis(self, records, sentences)

    monkeypatch.setattr(AnalysisWrites, "write_analysis", failing_second)
    with pytest.raises(StoreError, match="disk full while writing chunk 2"):
        analyze_pending(store, analyzer, "run-1", chunk_size=2)
    assert calls == [2, 2]  # no chunk written after the one that failed
    analysed = store.query("SELECT feedback_id FROM analysis ORDER BY 1")["feedback_id"]
    assert analysed.tolist() == ["f0", "f1"]
    assert store.query("SELECT DISTINCT feedback_id FROM sentences ORDER BY 1")[
        "feedback_id"
    ].tolist() == ["f0", "f1"]
    # The failed chunk's cache rows went with it (one transaction); the store is usable.
    monkeypatch.setattr(AnalysisWrites, "write_analysis", write_analysis)
    summary = analyze_pending(store, analyzer, "run-2", chunk_size=2)
    assert summary.analyzed == 4
    analysed_count, distinct, sentences = _counts(store)
    assert (analysed_count, distinct) == (6, 6)
    keys = store.query("SELECT count(DISTINCT (feedback_id, sentence_index)) AS n FROM sentences")
    assert int(keys["n"].iloc[0]) == sentences
    store.close()


class _Counting:
    """An embedder that says how often it ran: vectors from the text's length."""

    dim = 4

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([[len(t) / 7, 1 / 3, -len(t), 0.1] for t in texts], dtype=np.float32)


def test_deferred_cache_writes_are_read_back_as_the_store_would_give_them(
    tmp_path: Path,
) -> None:
    store = Warehouse(tmp_path / "voc.duckdb").open()
    at_once = CachedEmbedding(store, _Counting(), "e-at-once")  # type: ignore[arg-type]
    at_once(["a", "bb", "ccc"])
    stored = at_once(["a", "bb", "ccc"])  # read back from the store: float16
    embedder = _Counting()
    deferred = CachedEmbedding(store, embedder, "e", defer_writes=True)  # type: ignore[arg-type]
    first = deferred(["a", "bb"])
    assert store.query("SELECT count(*) AS n FROM embeddings WHERE embedder = 'e'")["n"][0] == 0
    # Not written yet: read from what is kept, exactly as the store gives them back.
    again = deferred(["a", "bb", "ccc"])
    assert embedder.embedded == ["a", "bb", "ccc"]
    np.testing.assert_array_equal(again[:2], stored[:2])
    np.testing.assert_array_equal(again[2], _Counting().embed(["ccc"])[0])  # fresh
    assert not np.array_equal(first[1], again[1])  # fresh float32, then float16 as stored
    handed = deferred.hand_over()
    assert handed["e"][0] == [text_hash(t) for t in ("a", "bb", "ccc")]
    assert handed["e"][1].dtype == np.float16
    np.testing.assert_array_equal(deferred(["ccc"]), stored[2:])  # handed over: still found
    store.store_embeddings(*handed["e"], "e")
    deferred.written()
    assert deferred.hand_over() == {}
    np.testing.assert_array_equal(deferred(["a", "bb", "ccc"]), stored)
    assert embedder.embedded == ["a", "bb", "ccc"] and (deferred.hits, deferred.misses) == (6, 3)
    store.close()


def test_the_scale_bench_times_the_writes_of_the_writer_connection_too(
    analyzer: Analyzer, tmp_path: Path
) -> None:
    # bench.scale times the store's writes; it once wrapped the store object, whose
    # wrapped methods the writer's connection (Warehouse.apart) copied still bound to the
    # first connection: a second chunk's write then met the analysis on that one
    # ("connection is busy"), and `make bench` lost its 20,000- and 200,000-record runs.
    from bench.scale import WriteClock

    store = pending_store(tmp_path / "voc.duckdb", TEXTS)
    clock = WriteClock()
    for name in ("write_analysis", "store_embeddings"):
        clock.wrap(Warehouse, name)
    try:
        summary = analyze_pending(store, analyzer, "run-1", chunk_size=2)
    finally:
        clock.restore()
    assert summary.analyzed == 6 and _counts(store)[:2] == (6, 6)
    assert clock.calls >= 6 and clock.seconds > 0  # 3 chunks: analysis and cache writes
    assert "write_analysis" not in vars(Warehouse) and "store_embeddings" not in vars(Warehouse)
    store.close()


def test_the_time_the_analysis_waits_for_the_writer_is_reported(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writes overlap the analysis, so what they cost a run is the time it waited for
    # the writer thread (at least the last chunk's write, which nothing overlaps); the
    # scale bench takes that, not the write seconds, off a machine's time.
    store = pending_store(tmp_path / "voc.duckdb", TEXTS)
    write_analysis = AnalysisWrites.write_analysis

    def slow_write(self: Any, records: pd.DataFrame, sentences: pd.DataFrame) -> None:
        threading.Event().wait(0.4)
        write_analysis(self, records, sentences)

    monkeypatch.setattr(AnalysisWrites, "write_analysis", slow_write)
    summary = analyze_pending(store, analyzer, "run-1", chunk_size=3)
    assert summary.analyzed == 6
    waited = summary.seconds["waiting_for_writes"]
    assert 0.4 <= waited <= summary.seconds["total"]
    assert summary.to_dict()["seconds"]["waiting_for_writes"] == round(waited, 2)
    store.close()


def test_the_scale_bench_takes_only_the_waits_for_the_writer_off_a_machine() -> None:
    from bench.scale import summarise

    def stage(name: str, seconds: float, writes: float, **extra: float) -> dict[str, Any]:
        return {"stage": name, "seconds": seconds, "store_write_s": writes, **extra}

    stages = [
        stage("ingest", 10.0, 2.0),  # writes inline: all of them are a machine's wait
        stage("analyse", 100.0, 30.0, waited_for_writes_s=5.0),  # writer thread beside
        stage("topics", 4.0, 1.0),
        stage("pain points", 1.0, 0.0),
        stage("digest", 1.0, 0.0),
    ]
    summary = summarise({"records": 1030, "stages": stages})
    assert summary["machine_records_per_s"] == round(1030 / (8.0 + 95.0), 1)
    assert summary["writer_records_per_s"] == round(1030 / 32.0, 1)
    assert summary["serial_s"] == 6.0
    # A run from before the writer thread (no wait recorded) keeps the old reading.
    stages[1].pop("waited_for_writes_s")
    assert summarise({"records": 1030, "stages": stages})["machine_records_per_s"] == 13.2
