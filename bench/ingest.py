"""Ingest throughput and peak memory on real reviews, in a process of its own.

    python -m bench.ingest --rows 200000 [--ner]

Builds a CSV of the women's clothing reviews (../shared/data) repeated to ``--rows`` rows,
each with its own id and date, then ingests it into a fresh store with the library's
ingest (the Prefect flow adds a constant start-up of about 10 s, measured apart by
``bench.run``). Prints one JSON line: rows, seconds, rows/s, peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REVIEWS = SHARED_DATA / "womens_clothing_reviews.csv"


def build_reviews_csv(rows: int, path: Path) -> Path:
    """Write ``rows`` review rows (the real reviews repeated, new ids and dates) to ``path``."""
    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        originals = [r for r in csv.DictReader(handle) if r["Review Text"].strip()]
    start = date(2026, 8, 24)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["review_id", "review_date", "Title", "Review Text", "Rating", "Department Name"]
        )
        for n in range(rows):
            review = originals[n % len(originals)]
            day = start + timedelta(days=n % 84)
            writer.writerow(
                [
                    n,
                    day.isoformat(),
                    review["Title"],
                    review["Review Text"],
                    review["Rating"],
                    review["Department Name"],
                ]
            )
    return path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--ner", action="store_true", help="also redact person names (spaCy NER)")
    parser.add_argument("--chunk-size", type=int, default=5000)
    args = parser.parse_args(argv)
    if not REVIEWS.exists():
        print(json.dumps({"skipped": f"{REVIEWS} not found"}))
        return 0

    from voc.config import IngestConfig, RedactionConfig, SourceConfig
    from voc.ingest import ingest_source
    from voc.store.warehouse import Warehouse

    with tempfile.TemporaryDirectory() as tmp:
        data = build_reviews_csv(args.rows, Path(tmp) / "reviews.csv")
        baseline_mb = peak_rss_mb()
        source = SourceConfig(
            name="bench_reviews",
            path=str(data),
            channel="review",
            text_col=["Title", "Review Text"],
            id_col="review_id",
            time_col="review_date",
            rating_col="Rating",
            rating_scale="stars5",
            metadata_cols=["Department Name"],
        )
        settings = IngestConfig(
            chunk_size=args.chunk_size,
            redaction=RedactionConfig(ner=args.ner),
        )
        with Warehouse(Path(tmp) / "bench.duckdb") as store:
            started = time.perf_counter()
            summary = ingest_source(source, store, settings, "bench")
            seconds = time.perf_counter() - started
    result = {
        "benchmark": "ingest",
        "rows": args.rows,
        "ner": args.ner,
        "stored": summary.stored,
        "quarantined": summary.quarantined,
        "near_duplicates": summary.near_duplicates,
        "pii_redactions": summary.pii_redactions,
        "seconds": round(seconds, 2),
        "rows_per_s": round(args.rows / seconds),
        "peak_rss_mb": round(peak_rss_mb()),
        "rss_before_ingest_mb": round(baseline_mb),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
