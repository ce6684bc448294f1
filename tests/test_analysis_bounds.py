"""A poison record never stops or stalls the analysis (issue 13, point 2).

Real models, a real store: a long review without full stops is analysed in bounded
pieces, up to a documented size with the rest counted; a record that still runs over its
time budget is stored as failed and the run goes on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.pending_stores import pending_store
from voc import analysis
from voc.analysis import MAX_RECORD_CHARS, TIMED_OUT, Analyzer
from voc.budgets import AnalysisTimeout, run_with_budget
from voc.pending import analyze_pending
from voc.text import sentences as sentence_module

RANT = "the parcel was late and the box was crushed but the driver was kind and "


def test_a_long_record_without_full_stops_is_analysed_in_bounded_time(
    analyzer: Analyzer, tmp_path: Path
) -> None:
    # 200 KB with no full stop: VADER alone took over a minute on it, twice (the sentence
    # and the whole record).
    long_text = (RANT * (200_000 // len(RANT) + 1))[:200_000]
    store = pending_store(
        tmp_path / "voc.duckdb", ["Fast delivery, lovely dress", long_text, "Rude"]
    )
    started = time.perf_counter()
    summary = analyze_pending(store, analyzer, "run-1")
    assert time.perf_counter() - started < 60
    assert (summary.analyzed, summary.timed_out, summary.truncated) == (3, 0, 1)
    assert 200_000 - MAX_RECORD_CHARS <= summary.chars_not_analysed < 200_000 - 18_000
    rows = store.query("SELECT feedback_id, error, n_sentences FROM analysis ORDER BY 1")
    assert rows["error"].isna().all() and (rows["n_sentences"] > 0).all()
    spans = store.query(
        "SELECT max(end_char - start_char) AS longest, max(end_char) AS last "
        "FROM sentences WHERE feedback_id = 'f1'"
    ).iloc[0]
    assert spans["longest"] <= sentence_module.MAX_SENTENCE_CHARS
    assert spans["last"] <= MAX_RECORD_CHARS
    store.close()


def _lift_size_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the size bounds, as if a model had a slow path they do not cover: only the
    time budget is left to save the run."""
    monkeypatch.setattr(analysis, "MAX_RECORD_CHARS", 10**9)
    monkeypatch.setattr(analysis, "RECORD_FEATURE_CHARS", 10**9)
    monkeypatch.setattr(sentence_module, "MAX_SENTENCE_CHARS", 10**9)


def test_a_record_over_its_time_budget_fails_alone_and_the_run_goes_on(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lift_size_bounds(monkeypatch)
    poison = RANT * 1_500  # 108 KB, one sentence: tens of seconds in VADER
    store = pending_store(tmp_path / "voc.duckdb", ["Fast delivery", poison, "Rude staff"])
    started = time.perf_counter()
    summary = analyze_pending(store, analyzer, "run-1", chunk_seconds=2, record_seconds=2)
    assert time.perf_counter() - started < 20
    assert (summary.analyzed, summary.timed_out) == (3, 1)
    rows = store.query("SELECT feedback_id, sentiment, error FROM analysis ORDER BY 1")
    assert rows["error"].tolist()[1] == TIMED_OUT
    assert rows["sentiment"].notna().tolist() == [True, False, True]
    # Recorded as failed, the record is not pending again: the next run has nothing to do.
    again = analyze_pending(store, analyzer, "run-2", chunk_seconds=2, record_seconds=2)
    assert again.analyzed == 0
    store.close()


def test_run_with_budget_stops_pure_python_work_and_keeps_fast_results() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    started = time.perf_counter()
    with pytest.raises(AnalysisTimeout):
        run_with_budget(lambda: vader.polarity_scores(RANT * 3_000), 0.5)
    assert time.perf_counter() - started < 5
    assert run_with_budget(lambda: vader.polarity_scores("great"), 5)["pos"] == 1.0
    time.sleep(1.2)  # a timeout must never land after the call returned


def _forks_of(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Touchpoints of every batch tagged in a fork of their own; the forks' process ids."""
    forks: list[int] = []
    real = analysis.Forked

    def counted(function: Any) -> Any:
        fork = real(function)
        forks.append(fork._child)
        return fork

    monkeypatch.setattr(analysis, "Forked", counted)
    monkeypatch.setattr(analysis, "MIN_FORK_SENTENCES", 1)
    monkeypatch.setattr(analyzer, "processes", 2)
    return forks


def test_chunks_forked_for_their_touchpoints_match_a_thread(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        "The parcel arrived late and the box was crushed.",
        "Customer service never answered my emails about the refund. Rude staff.",
        "The app crashes every time I open the checkout page.",
        "I love the fabric, but the sizing runs small.",
    ]
    texts = [f"{text} Order {i}." for i in range(15) for text in texts]  # 60 records
    monkeypatch.setattr(analyzer, "processes", 1)
    threaded = pending_store(tmp_path / "thread.duckdb", texts)
    analyze_pending(threaded, analyzer, "run-1", chunk_size=20)

    forks = _forks_of(analyzer, monkeypatch)
    forked = pending_store(tmp_path / "forked.duckdb", texts)
    summary = analyze_pending(forked, analyzer, "run-1", chunk_size=20)
    assert summary.analyzed == 60 and len(forks) == 3  # one per chunk
    for query in (
        "SELECT * EXCLUDE (analyzed_at) FROM analysis ORDER BY feedback_id",
        "SELECT * FROM sentences ORDER BY feedback_id, sentence_index",
    ):
        pd.testing.assert_frame_equal(threaded.query(query), forked.query(query))
    tags = forked.query("SELECT count(*) AS n FROM analysis WHERE len(touchpoints) > 0")
    assert tags["n"].iloc[0] >= 30  # real tags, not empty ones
    for pid in forks:  # each copy reaped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    threaded.close()
    forked.close()


def test_a_chunk_over_its_budget_stops_the_fork_that_tags_it(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lift_size_bounds(monkeypatch)
    forks = _forks_of(analyzer, monkeypatch)
    store = pending_store(tmp_path / "voc.duckdb", ["Fast delivery", RANT * 1_500, "Rude staff"])
    summary = analyze_pending(store, analyzer, "run-1", chunk_seconds=2, record_seconds=2)
    assert (summary.analyzed, summary.timed_out) == (3, 1)
    rows = store.query("SELECT sentiment, error FROM analysis ORDER BY feedback_id")
    assert rows["error"].tolist()[1] == TIMED_OUT
    assert rows["sentiment"].notna().tolist() == [True, False, True]
    # A timeout that lands while a copy tags stops it; the run goes on, and no copy
    # outlives it (under load a timeout can land before the tagging started: no count).
    assert forks
    for pid in forks:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    store.close()
