"""The analyse step's writes: a failed write of a chunk is raised as it was, nothing is
written after it, the chunks before it stay, and a re-run finishes without doubles.

Real models, a real store (``tests/test_crash_recovery.py`` kills a real run mid-way). Kept
from the branch that wrote chunk k on a thread while chunk k + 1 was analysed (measured,
not taken: docs/benchmarks.md), where it guarded that the thread changed none of this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from voc.analysis import Analyzer
from voc.errors import StoreError
from voc.pending import analyze_pending
from voc.store.sentences import AnalysisWrites
from voc.store.warehouse import QUARANTINE_COLUMNS, Warehouse, utcnow

TEXTS = [
    "Fast delivery, lovely dress.",
    "The app crashes at login.",
    "Fast delivery, lovely dress. But the zip broke.",
    "Customer service never answered.",
    "The app crashes at login. Refund please.",
    "Great value.",
]


def _store(path: Path) -> Warehouse:
    now = utcnow()
    rows = [
        {
            "feedback_id": f"f{i}",
            "source": "s",
            "native_id": f"f{i}",
            "channel": "review",
            "touchpoint": None,
            "text": text,
            "language": "en",
            "created_at": now,
            "rating": None,
            "rating_scale": None,
            "metadata": None,
            "content_key": "",
            "near_duplicate_of": None,
            "pii_redactions": 0,
            "file": "f.csv",
            "line": i + 2,
            "run_id": "ingest",
            "ingested_at": now,
        }
        for i, text in enumerate(TEXTS)
    ]
    store = Warehouse(path).open()
    store.write_batch(pd.DataFrame(rows), pd.DataFrame(columns=QUARANTINE_COLUMNS))
    return store


def _counts(store: Warehouse) -> tuple[int, int, int]:
    row = store.query(
        "SELECT (SELECT count(*) FROM analysis) AS a, "
        "(SELECT count(DISTINCT feedback_id) FROM analysis) AS ids, "
        "(SELECT count(*) FROM sentences) AS s"
    ).iloc[0]
    return int(row["a"]), int(row["ids"]), int(row["s"])


def test_a_failed_write_is_raised_as_it_was_and_the_chunks_before_it_stay(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path / "voc.duckdb")
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
    # The store is usable: a re-run analyses the rest, once.
    monkeypatch.setattr(AnalysisWrites, "write_analysis", write_analysis)
    summary = analyze_pending(store, analyzer, "run-2", chunk_size=2)
    assert summary.analyzed == 4
    analysed_count, distinct, sentences = _counts(store)
    assert (analysed_count, distinct) == (6, 6)
    keys = store.query("SELECT count(DISTINCT (feedback_id, sentence_index)) AS n FROM sentences")
    assert int(keys["n"].iloc[0]) == sentences
    store.close()
