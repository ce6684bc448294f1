"""Topic labels and keywords against the keyword sample per topic (``keyword_sample``).

    python -m bench.keyword_sample [--samples 150 100 75 50] [--cache DIR]

On the dev sets only (settings are chosen there, never on the held-out complaints or
laptops): the app reviews (1,584 short reviews), the 3,000 clothing reviews of
``bench.topics`` (whole reviews: the ``keyword_chars`` budget, not the sample, binds
there) and the first 10,000 sentences of the clothing reviews and the next 10,000 (short
texts, as ``voc enrich`` sees them; no human labels, the label check needs none). Per set the
embeddings are computed once (cached as ``bench.topics``'s), then the topic model is fitted
once per sample size, in this process (``VOC_KEYWORD_PROCESSES=1``, so the tagging's CPU
is counted here): the label check of ``bench.topics --labels`` (label / triple cosine to
the centroid, label wins, phrase share, coverage), the fit's CPU seconds and its keyword
step's wall seconds, and against the first sample size: the share of topics whose label
changed and whose top-3 keywords changed (all topics, and those with more sentences than
the smallest sample: smaller topics are tagged whole at every size). Topics are compared
by index when the fits' topic sizes are equal (the sample does not touch the clustering);
a fit whose sizes differ says so. ``--draws N`` fits each size N times: the hash order's
sample, then samples in seeded random orders (the label check's noise from the sample
alone). ``--taggers spacy hashed`` fits each size once per English keyword tagger
(``KeywordTokenizer(english_tagger=...)``), each compared with the first tagger's fit of
the same size and draw. Prints one JSON line per (set, size, draw, tagger).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("VOC_KEYWORD_PROCESSES", "1")

SHORT_SENTENCES = 10_000


def dev_sets(cache: Path | None) -> dict[str, tuple[list[str], np.ndarray]]:
    """The dev texts and their USE embeddings."""
    from bench.topics import (
        cached_embeddings,
        load_app_reviews,
        load_clothing_classes,
        load_clothing_sentences,
    )
    from voc.models.embedders import get_embedder

    embedder = get_embedder("use-multilingual")
    sets = {}
    for name, loader in (
        ("app_reviews", load_app_reviews),
        ("clothing_classes", load_clothing_classes),
    ):
        texts = loader()[0]
        sets[name] = (texts, cached_embeddings(texts, embedder, cache))
    sentences = load_clothing_sentences()[0]
    vectors = cached_embeddings(sentences, embedder, cache)
    sets["clothing_sentences"] = (sentences[:SHORT_SENTENCES], vectors[:SHORT_SENTENCES])
    # The next 10,000: a second draw of short texts, for the noise between draws.
    window = slice(SHORT_SENTENCES, 2 * SHORT_SENTENCES)
    sets["clothing_sentences_2"] = (sentences[window], vectors[window])
    return sets


@contextmanager
def reshuffled(draw: int) -> Iterator[None]:
    """Draw ``draw`` > 0: the keyword sample (and the complaint labels' negative sample)
    in a seeded random order instead of the hash order, the clustering unchanged: another
    sample of the same size, for the label check's noise from the sample alone."""
    from voc.topics.describe import DescribingSteps

    if draw == 0:
        yield
        return
    # The position of ``order`` among each method's arguments.
    originals = {"_keywords": 3, "_complaint_labels": 4}
    originals = {n: (getattr(DescribingSteps, n), at) for n, at in originals.items()}

    def shuffled(original: Any, at: int) -> Any:
        def call(self: Any, *args: Any) -> Any:
            args = list(args)
            args[at] = np.random.default_rng(draw).permutation(args[at])
            return original(self, *args)

        return call

    try:
        for name, (original, at) in originals.items():
            setattr(DescribingSteps, name, shuffled(original, at))
        yield
    finally:
        for name, (original, _) in originals.items():
            setattr(DescribingSteps, name, original)


def fit_once(
    texts: list[str], vectors: np.ndarray, sample: int, draw: int = 0, tagger: str | None = None
) -> dict[str, Any]:
    """One fit with ``keyword_sample=sample`` (and the English keyword tagger ``tagger``;
    None: the default): its label check, topics and CPU seconds."""
    from bench.topics import OURS, check_labels
    from voc.models.embedders import get_embedder
    from voc.topics import KeywordTokenizer, TopicModel

    embedder = get_embedder("use-multilingual")
    model = TopicModel(
        tokenizer=KeywordTokenizer(english_tagger=tagger),
        label_embedder=embedder,
        **{**OURS, "keyword_sample": sample},
    )
    model.warm_up()
    cpu = time.process_time()
    with reshuffled(draw):
        fit = model.fit(vectors, texts, ["en"] * len(texts)).fit_result_
    cpu = time.process_time() - cpu
    check = check_labels(fit, texts, model, embedder)
    return {
        "check": {k: v for k, v in check.items() if k != "per_topic"},
        "topics": [(t.size, t.label, tuple(t.keywords[:3])) for t in fit.topics],
        "fit_cpu_s": round(cpu, 2),
        "keywords_wall_s": round(fit.timings.get("keywords", float("nan")), 2),
    }


def changed(base: list[tuple], other: list[tuple], min_size: int) -> dict[str, Any]:
    """Shares of topics (all; over ``min_size``) whose label / top-3 keywords changed."""
    if [t[0] for t in base] != [t[0] for t in other]:
        return {"same_topics": False}
    pairs = list(zip(base, other, strict=True))
    large = [(a, b) for a, b in pairs if a[0] > min_size]

    def share(items: list, field: int) -> float | None:
        return round(float(np.mean([a[field] != b[field] for a, b in items])), 3) if items else None

    return {
        "same_topics": True,
        "n_topics": len(pairs),
        "n_large": len(large),
        "label_changed": share(pairs, 1),
        "label_changed_large": share(large, 1),
        "keywords3_changed": share(pairs, 2),
        "keywords3_changed_large": share(large, 2),
        "examples": [f"{a[1]} -> {b[1]}" for a, b in large if a[1] != b[1]][:6],
    }


def main(argv: list[str] | None = None) -> int:
    from bench.topics import DEFAULT_CACHE

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, nargs="+", default=[150, 100, 75, 50])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache")
    parser.add_argument("--sets", nargs="*", default=None, help="some of the dev sets only")
    parser.add_argument(
        "--draws",
        type=int,
        default=1,
        help="samples per size: the hash order's, then seeded random orders (the noise)",
    )
    parser.add_argument(
        "--taggers",
        nargs="+",
        default=[None],
        help="English keyword taggers to compare (spacy, hashed); default: the default one",
    )
    args = parser.parse_args(argv)
    for name, (texts, vectors) in dev_sets(args.cache).items():
        if args.sets and name not in args.sets:
            continue
        base = None
        for sample, draw in [(s, d) for s in args.samples for d in range(args.draws)]:
            first = None
            for tagger in args.taggers:
                result = fit_once(texts, vectors, sample, draw, tagger)
                line = {"set": name, "keyword_sample": sample, "draw": draw, "tagger": tagger}
                line |= result["check"]
                line |= {"fit_cpu_s": result["fit_cpu_s"]}
                line |= {"keywords_wall_s": result["keywords_wall_s"]}
                if len(args.taggers) > 1:
                    if first is None:
                        first = result["topics"]
                    else:
                        line |= changed(first, result["topics"], 0)
                elif base is None:
                    base = result["topics"]
                else:
                    line |= changed(base, result["topics"], min(args.samples))
                print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
