"""Training of :mod:`voc.topics.tagger`'s weights: an averaged perceptron, mini-batched.

Each step tags a batch of sentences greedily with the current weights (as inference does:
the previous-tag features read predicted tags), then moves every wrongly tagged token's
feature rows towards the reference tag and away from the predicted one. The saved
weights are the average over all steps (the usual averaged-perceptron trick: ``W - U/c``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from voc.topics.tagger import FeatureTable, HashedTagger, greedy_decode

__all__ = [
    "TRAINING_SOURCES",
    "agreement",
    "collect_sentences",
    "is_dev",
    "reference_tags",
    "save_tagger",
    "train_tagger",
]

logger = logging.getLogger(__name__)

#: English text in ../shared/data that may train a model we ship (data/README.md), as
#: ``name: (file, column)``; a ``.txt`` file is VADER's ``id<TAB>rating<TAB>text``, a
#: ``.tsv`` file has its text in the third column. Not the CFPB narratives (the held-out
#: half of the topic benchmarks) nor the measuring-only files.
TRAINING_SOURCES = {
    "goemotions": ("goemotions_sentiment_train.tsv", ""),
    "clothing": ("womens_clothing_reviews.csv", "Review Text"),
    "apps": ("app_reviews_urr_regex.csv", "reviewText"),
    "vader_amazon": ("vader_ground_truth/amazonReviewSnippets_GroundTruth.txt", ""),
    "vader_movies": ("vader_ground_truth/movieReviewSnippets_GroundTruth.txt", ""),
    "vader_nyt": ("vader_ground_truth/nytEditorialSnippets_GroundTruth.txt", ""),
}


def _texts(path: Path, column: str) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [row[column] or "" for row in csv.DictReader(handle)]
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if path.suffix == ".tsv":
        lines = lines[1:]
    return [line.split("\t")[2] for line in lines if line.count("\t") >= 2]


def collect_sentences(data_dir: Path, excluded: set[str]) -> list[tuple[str, str]]:
    """``(source, sentence)`` of every distinct sentence of :data:`TRAINING_SOURCES`, in
    file order, leaving out every text (and sentence) in ``excluded`` (the benchmarks'
    samples)."""
    from voc.text.sentences import split_sentences

    seen: set[str] = set()
    out = []
    for name, (file, column) in TRAINING_SOURCES.items():
        for text in _texts(data_dir / file, column):
            text = text.strip()
            if not text or text in excluded:
                continue
            for sentence in split_sentences(text, "en"):
                words = sentence.text.strip()
                if words and words not in seen and words not in excluded:
                    seen.add(words)
                    out.append((name, words))
    return out


def is_dev(sentence: str) -> bool:
    """Whether a sentence is in the held-out dev split (1 in 20, by a hash of its text)."""
    return int(hashlib.blake2b(sentence.encode("utf-8"), digest_size=4).hexdigest(), 16) % 20 == 0


def reference_tags(
    sentences: Iterable[str], model: str | None = None, batch_size: int = 512
) -> Iterable[tuple[list[str], list[str]]]:
    """``(words, tags)`` of each sentence as the spaCy package tags it (tok2vec + tagger,
    the keyword tokenizer's ``spacy`` tagger)."""
    from voc.text.nlp import ENGLISH_MODEL, load_nlp

    nlp = load_nlp(
        "en",
        model=model or ENGLISH_MODEL,
        disable=("parser", "ner", "attribute_ruler", "lemmatizer"),
    )
    for doc in nlp.pipe(sentences, batch_size=batch_size):
        yield [t.text for t in doc], [t.tag_ for t in doc]


def train_tagger(
    sentences: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    bits: int = 18,
    epochs: int = 6,
    batch: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Averaged perceptron weights, ``(2**bits, len(labels))`` float32.

    Args:
        sentences: Token texts per sentence.
        tags: The reference tag of each token (spaCy's).
        labels: Every tag, in column order.
        bits: log2 of the hashed table's rows.
        epochs: Passes over the sentences (shuffled by ``seed`` each pass).
        batch: Sentences per step.
        seed: Shuffling seed.
    """
    column = {label: i for i, label in enumerate(labels)}
    gold = [np.asarray([column[t] for t in sentence], dtype=np.intp) for sentence in tags]
    n_tags = len(labels)
    weights = np.zeros((1 << bits, n_tags), dtype=np.float32)
    stamped = np.zeros((1 << bits, n_tags), dtype=np.float64)
    table = FeatureTable(bits)
    rng = np.random.default_rng(seed)
    kept = [i for i, s in enumerate(sentences) if s]
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(kept)
        wrong = total = 0
        for at in range(0, len(order), batch):
            chosen = order[at : at + batch]
            batch_sentences = [sentences[i] for i in chosen]
            reference = np.concatenate([gold[i] for i in chosen])
            step += 1
            predicted, static, tag_rows = greedy_decode(weights, table, batch_sentences)
            miss = predicted != reference
            total += len(reference)
            wrong += int(miss.sum())
            if not miss.any():
                continue
            rows = np.concatenate([static[miss], tag_rows[miss]], axis=1)
            width = rows.shape[1]
            good = np.repeat(reference[miss], width)
            bad = np.repeat(predicted[miss], width)
            flat = rows.ravel()
            np.add.at(weights, (flat, good), 1.0)
            np.add.at(weights, (flat, bad), -1.0)
            np.add.at(stamped, (flat, good), float(step))
            np.add.at(stamped, (flat, bad), -float(step))
        logger.info(
            "epoch %d: %.4f of training tokens tagged as the reference",
            epoch + 1,
            1 - wrong / max(total, 1),
        )
    return (weights - stamped / (step + 1)).astype(np.float32)


def agreement(
    tagger: HashedTagger, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]
) -> dict[str, float]:
    """Share of tokens tagged as the reference, overall and per tag group of the
    reference (``NN*``, ``JJ*``, ``VB*``, ``RB``, ``RP``, ``IN``, ``DT``, ``MD``)."""
    predicted = [t for sentence in tagger.tag(sentences) for t in sentence]
    reference = [t for sentence in tags for t in sentence]
    hits = np.asarray([p == r for p, r in zip(predicted, reference, strict=True)])
    # Group name -> the tags in it ("" matches every tag as a prefix).
    groups = {"all": ("",), "NN*": ("NN",), "JJ*": ("JJ",), "VB*": ("VB",)}
    groups |= {tag: (tag,) for tag in ("RB", "RP", "IN", "DT", "MD")}
    out: dict[str, float] = {}
    for name, (tag,) in groups.items():
        if name.endswith("*") or not tag:
            mask = np.asarray([r.startswith(tag) for r in reference])
        else:
            mask = np.asarray([r == tag for r in reference])
        out[name] = float(hits[mask].mean()) if mask.any() else float("nan")
        out[name + " n"] = int(mask.sum())
    return out


def save_tagger(weights: np.ndarray, labels: Sequence[str], path: Path, **config: object) -> Path:
    """``weights.npz`` (int8 per-row scaled) and ``config.json`` under ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    peak = np.abs(weights).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    quantised = np.clip(np.rint(weights / scale[:, None]), -127, 127).astype(np.int8)
    np.savez_compressed(path / "weights.npz", weights=quantised, scale=scale.astype(np.float16))
    (path / "config.json").write_text(
        json.dumps({"labels": list(labels), **config}, indent=2) + "\n", encoding="utf-8"
    )
    return path
