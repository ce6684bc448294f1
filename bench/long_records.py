"""Analysis time per MB of text for short and very long records, in a process of its own.

    python -m bench.long_records [--sizes 1000,100000,5000000]

Records are real women's clothing reviews (../shared/data) joined until each reaches the
size, in two shapes: ``sentences`` as written, and ``no_stops`` with every full stop,
"!" and "?" removed (one endless sentence: the poison record of issue 13). Each size and
shape runs through :func:`voc.pending.analyze_pending` on a fresh store (no embedding
cache), with the shipped models loaded once beforehand. About 200 KB of text per case
(200 records of 1 KB, 2 of 100 KB, 1 of 5 MB).

Prints one JSON line: per case the records, MB, seconds, seconds per MB, the share of the
text analysed (records are analysed up to ``MAX_RECORD_CHARS``) and the records that ran
over their time budget.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _reviews() -> list[str]:
    with (SHARED_DATA / "womens_clothing_reviews.csv").open(encoding="utf-8", newline="") as f:
        return [row["Review Text"] for row in csv.DictReader(f) if row["Review Text"]]


def records(size: int, shape: str, count: int, reviews: list[str]) -> list[str]:
    """``count`` distinct records of ``size`` characters made of consecutive reviews."""
    out = []
    cursor = 0
    for _ in range(count):
        parts: list[str] = []
        length = 0
        while length < size:
            review = reviews[cursor % len(reviews)]
            cursor += 1
            parts.append(review)
            length += len(review) + 1
        text = " ".join(parts)[:size]
        if shape == "no_stops":
            text = re.sub(r"[.!?]", "", text)
        out.append(text)
    return out


def measure(analyzer, texts: list[str]) -> dict:
    from voc.pending import analyze_pending
    from voc.store.warehouse import QUARANTINE_COLUMNS, Warehouse, utcnow

    now = utcnow()
    frame = pd.DataFrame(
        [
            {
                "feedback_id": f"r{i}",
                "source": "bench",
                "native_id": f"r{i}",
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
                "file": "bench.csv",
                "line": i + 2,
                "run_id": "bench",
                "ingested_at": now,
            }
            for i, text in enumerate(texts)
        ]
    )
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "voc.duckdb") as store:
        store.write_batch(frame, pd.DataFrame(columns=QUARANTINE_COLUMNS))
        started = time.perf_counter()
        summary = analyze_pending(store, analyzer, "bench")
        seconds = time.perf_counter() - started
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    chars = sum(len(text) for text in texts)
    return {
        "records": len(texts),
        "mb": round(megabytes, 3),
        "seconds": round(seconds, 2),
        "seconds_per_mb": round(seconds / megabytes, 2),
        # getattr: the same script measures a checkout without the bounds, for an A/B.
        "share_analysed": round(1 - getattr(summary, "chars_not_analysed", 0) / chars, 4),
        "timed_out": getattr(summary, "timed_out", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,5000000")
    parser.add_argument("--total", type=int, default=200_000, help="characters per case")
    args = parser.parse_args(argv)
    from voc import analysis
    from voc.analysis import Analyzer

    started = time.perf_counter()
    analyzer = Analyzer.load()
    analyzer.warm_up()
    loading = time.perf_counter() - started
    reviews = _reviews()
    cases = []
    for size in (int(value) for value in args.sizes.split(",")):
        count = max(1, args.total // size)
        for shape in ("sentences", "no_stops"):
            result = measure(analyzer, records(size, shape, count, reviews))
            cases.append({"record_chars": size, "shape": shape, **result})
    print(
        json.dumps(
            {
                "benchmark": "long_records",
                "max_record_chars": getattr(analysis, "MAX_RECORD_CHARS", None),
                "model_loading_s": round(loading, 1),
                "cases": cases,
            }
        )
    )
    return 0


def markdown(result: dict) -> str:
    """The cases as a Markdown table."""
    lines = [
        "| record size | shape | records | MB | seconds | s per MB | share analysed | timed out |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in result["cases"]:
        lines.append(
            f"| {case['record_chars']:,} chars | {case['shape']} | {case['records']} | "
            f"{case['mb']} | {case['seconds']} | {case['seconds_per_mb']} | "
            f"{case['share_analysed']:.1%} | {case['timed_out']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
