"""``voc enrich`` throughput and peak memory on real feedback, in a process of its own.

    python -m bench.enrich --corpus reviews|short|ja [--rows 5000] [--embedder NAME]
                           [--vector-map NAME|none]

Writes the first ``--rows`` distinct texts of a corpus from ../shared/data to a CSV, runs
:func:`voc.enrich.enrich_file` on it (CSV in, Parquet out) with the shipped models, and
prints one JSON line: rows, mean characters and sentences per row, model loading seconds
(reported apart), analysis seconds and rows/s, time per step, peak RSS (of this process,
and the largest of its forked copies: the two added bound the memory from above).

Corpora (all real, read in place):

* ``reviews``: women's clothing reviews (English, ~300 characters, ~5 sentences).
* ``short``: Google Play app reviews (golden + regex sets) and VADER tweets, interleaved
  (English, short: what app-store and social channels look like).
* ``ja``: Japanese hotel review sentences (JRTE; measured here, never trained on).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from itertools import chain, zip_longest
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _column(path: Path, column: str, encoding: str = "utf-8") -> list[str]:
    with path.open(encoding=encoding, newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def corpus_texts(name: str) -> list[str]:
    """Distinct non-empty texts of a corpus, in file order."""
    if name == "reviews":
        texts = _column(SHARED_DATA / "womens_clothing_reviews.csv", "Review Text")
    elif name == "short":
        apps = _column(SHARED_DATA / "app_reviews_urr_regex.csv", "reviewText") + _column(
            SHARED_DATA / "app_reviews_urr_golden.csv", "reviewText"
        )
        tweets = [
            line.split("\t")[2]
            for line in (SHARED_DATA / "vader_ground_truth" / "tweets_GroundTruth.txt")
            .read_text(encoding="utf-8", errors="replace")
            .splitlines()
            if line.count("\t") >= 2
        ]
        texts = [t for t in chain.from_iterable(zip_longest(apps, tweets)) if t]
    elif name == "ja":
        texts = [
            line.split("\t")[2]
            for line in (SHARED_DATA / "ja_hotel_reviews_jrte_traindev.tsv")
            .read_text(encoding="utf-8")
            .splitlines()
            if line.count("\t") >= 2
        ]
    else:
        raise SystemExit(f"unknown corpus {name!r}: reviews, short or ja")
    return list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="reviews", choices=["reviews", "short", "ja"])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument(
        "--sentiment-model", default=None, help="model name or folder (default: the shipped one)"
    )
    parser.add_argument(
        "--store",
        default=None,
        help="assign topics with this store's fitted topic model (--topics store) instead of "
        "fitting topics on the file",
    )
    parser.add_argument(
        "--vector-map",
        default=None,
        help="the topics' vector map (topics.vector_map: a name under models/topics/, or "
        "none; default: the shipped default)",
    )
    args = parser.parse_args(argv)

    from voc.analysis import DEFAULT_SENTIMENT_MODEL
    from voc.enrich import enrich_file

    sentiment_model = args.sentiment_model or DEFAULT_SENTIMENT_MODEL

    texts = corpus_texts(args.corpus)[: args.rows]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.csv"
        with source.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text"])
            writer.writerows(enumerate(texts))
        started = time.perf_counter()
        summary = enrich_file(
            source,
            "text",
            Path(tmp) / "out.parquet",
            id_col="id",
            sentiment_model=sentiment_model,
            **({"store_path": args.store, "topics": "store"} if args.store else {}),
            **(
                {"vector_map": None if args.vector_map == "none" else args.vector_map}
                if args.vector_map
                else {}
            ),
        )
        wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Forked copies (touchpoints beside sentiment, half of a topic fit's keyword tagging)
    # share this process's pages until they write them: their peak RSS counts the shared
    # ones too, so this process's peak plus theirs bounds the memory from above.
    forks_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "benchmark": "enrich",
        "corpus": args.corpus,
        "sentiment_model": sentiment_model,
        "topics_from": summary.topics_from,
        "vector_map": args.vector_map or "default",
        "rows": summary.rows,
        "chars_per_row": round(sum(map(len, texts)) / max(len(texts), 1), 1),
        "sentences_per_row": round(summary.sentences / max(summary.rows, 1), 2),
        "model_loading_s": round(summary.seconds["model_loading"], 2),
        "analysis_s": round(summary.seconds["analysis"], 2),
        "rows_per_s": round(summary.items_per_second, 1),
        "wall_s": round(wall, 2),
        "steps_s": {
            step: round(summary.seconds.get(step, 0.0), 2)
            for step in ("split", "embed", "sentiment", "touchpoints", "topics")
        },
        "peak_rss_mb": round(peak_mb),
        "peak_rss_forks_mb": round(forks_mb),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
