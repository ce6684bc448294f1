"""Touchpoint tagging quality and speed on the labelled Google Play reviews.

    python -m bench.touchpoints [--dev]

Prints one JSON line: micro-F1 and per-touchpoint precision/recall of the default taxonomy
(``configs/taxonomy.yaml``) against the reviews' human topic labels, mapped to touchpoints
by :data:`LABEL_TO_TOUCHPOINT`, for the tagger (keywords + embedding similarity) and the
keyword-only baseline (same taxonomy), on the test half and the whole set; the mapping
table; tagging speed. ``--dev`` prints the development half instead (the half the keywords
and thresholds were set on; the figures to report are the test half's).

Data: ../shared/data/app_reviews_urr_golden.csv (1,584 reviews, English, MIT, User
Reviews Reference replication package). Each review is split into sentences, every
sentence is tagged, and a review's touchpoints are the union of its sentences' (the
pipeline's roll-up); the gold set of a review is its ``class1..class5`` labels mapped
through the table.

The split: reviews are shuffled with a fixed seed (:data:`SPLIT_SEED`) and cut in two;
the first half is the development half. The split is by review, so an app's reviews are
in both halves: keywords set on the development half would carry app-specific words into
the test half. None were added for that reason (no app names, no Android jargon such as
"root"); the test half still shares the apps' vocabulary, so it is not a held-out domain.

Scoring, decided before measuring (see :data:`SCORED`):

- Every review is about the mobile app, so ``mobile_app`` is not a finer touchpoint here:
  the headline figure (``fine``) scores only the touchpoints the labels can tell apart
  within an app review: money (PRICE, LICENSING) and privacy/security (SECURITY, PRIVACY).
  URR's PRICE and LICENSING cover both the price and paying for it (buying the pro
  version, "waste of money", a refund), so ``pricing_and_value`` and
  ``billing_and_payment`` are one scored class, ``money``; ``fine_unmerged`` scores
  ``pricing_and_value`` alone for comparison.
- ``with_mobile_app`` adds ``mobile_app``, gold when a review carries a technical or
  usability label (ERROR, UI, APP USABILITY, PERFORMANCE, MEMORY, BATTERY, DEVICE,
  ANDROID VERSION, HARDWARE): "is this review about how the app works", not "is it about
  the app" (always true). ``always_mobile_app`` is the F1 of tagging every review with it,
  the floor to read that figure against.
- The other touchpoints (delivery, support, returns, ...) have no URR label: a review
  about the developer answering an e-mail is labelled OTHER. Their tags are not scored;
  ``unscored_tags`` counts them per touchpoint, and ``fine_strict`` counts every one of
  them as a false positive (a lower bound).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "app_reviews_urr_golden.csv"
LABEL_COLUMNS = ("class1", "class2", "class3", "class4", "class5")
SPLIT_SEED = 20240607

#: URR topic label -> the default taxonomy's touchpoint (None: no touchpoint).
#: URR groups its topics as PRICING (PRICE, LICENSING: the licensing model, free vs paid,
#: in-app purchases, ads as the price of a free app), PROTECTION (SECURITY: locks,
#: passwords, permissions, malware; PRIVACY: tracking, data), USAGE (UI, APP USABILITY),
#: RESOURCES (PERFORMANCE, MEMORY, BATTERY), COMPATIBILITY (DEVICE, ANDROID VERSION,
#: HARDWARE), ERROR, and OTHER (praise, feature requests, anything else).
#: UI and APP USABILITY go to mobile_app, not website_usability: every review is about a
#: mobile app's screens. OTHER has no touchpoint: it is "none of URR's topics", which can
#: still be about support or delivery, hence those touchpoints are not scored.
LABEL_TO_TOUCHPOINT: dict[str, str | None] = {
    "PRICE": "pricing_and_value",
    "LICENSING": "pricing_and_value",
    "SECURITY": "privacy_and_security",
    "PRIVACY": "privacy_and_security",
    "ERROR": "mobile_app",
    "UI": "mobile_app",
    "APP USABILITY": "mobile_app",
    "PERFORMANCE": "mobile_app",
    "MEMORY": "mobile_app",
    "BATTERY": "mobile_app",
    "DEVICE": "mobile_app",
    "ANDROID VERSION": "mobile_app",
    "HARDWARE": "mobile_app",
    "OTHER": None,
}

#: Scored class -> the predicted touchpoints that count as it, per scoring.
SCORED: dict[str, dict[str, tuple[str, ...]]] = {
    "fine": {
        "money": ("pricing_and_value", "billing_and_payment"),
        "privacy_and_security": ("privacy_and_security",),
    },
    "fine_unmerged": {
        "pricing_and_value": ("pricing_and_value",),
        "privacy_and_security": ("privacy_and_security",),
    },
    "with_mobile_app": {
        "money": ("pricing_and_value", "billing_and_payment"),
        "privacy_and_security": ("privacy_and_security",),
        "mobile_app": ("mobile_app",),
    },
}
# Gold touchpoint -> scored class, per scoring (the inverse view of SCORED for gold sets).
_GOLD_CLASS = {
    "fine": {"pricing_and_value": "money", "privacy_and_security": "privacy_and_security"},
    "fine_unmerged": {
        "pricing_and_value": "pricing_and_value",
        "privacy_and_security": "privacy_and_security",
    },
    "with_mobile_app": {
        "pricing_and_value": "money",
        "privacy_and_security": "privacy_and_security",
        "mobile_app": "mobile_app",
    },
}


def load_reviews(path: Path = DATA) -> tuple[list[str], list[set[str]]]:
    """Review texts and their gold touchpoints (labels mapped through the table).

    Raises:
        KeyError: A label missing from :data:`LABEL_TO_TOUCHPOINT` (the table must be
            complete: an unmapped label would silently become "no touchpoint").
    """
    import pandas as pd

    df = pd.read_csv(path)
    texts = df["reviewText"].fillna("").astype(str).tolist()
    gold: list[set[str]] = []
    for _, row in df[list(LABEL_COLUMNS)].iterrows():
        touchpoints = set()
        for label in row.dropna().astype(str).str.strip():
            if label:
                touchpoint = LABEL_TO_TOUCHPOINT[label]
                if touchpoint is not None:
                    touchpoints.add(touchpoint)
        gold.append(touchpoints)
    return texts, gold


def split(n: int, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the development and test halves (fixed seed)."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2 :])


def sentences_of(texts: Sequence[str]) -> tuple[list[str], list[str], list[int]]:
    """Every review's sentences, their languages and the review each belongs to."""
    from voc.text.language import LanguageIdentifier
    from voc.text.sentences import split_sentences

    identifier = LanguageIdentifier(("en", "ja"))
    sentences: list[str] = []
    languages: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(texts):
        language = identifier.identify(text)
        for sentence in split_sentences(text, language) or []:
            sentences.append(sentence.text)
            languages.append(language)
            owners.append(index)
    return sentences, languages, owners


def evaluate(
    predicted: Sequence[set[str]], gold: Sequence[set[str]], scoring: str
) -> dict[str, Any]:
    """Micro-F1 and per-class precision/recall/F1 of predicted vs gold touchpoint sets."""
    classes = SCORED[scoring]
    gold_class = _GOLD_CLASS[scoring]
    counts = {name: Counter() for name in classes}
    for tags, truth in zip(predicted, gold, strict=True):
        truth_classes = {gold_class[t] for t in truth if t in gold_class}
        for name, members in classes.items():
            hit = any(t in tags for t in members)
            real = name in truth_classes
            counts[name]["tp" if hit and real else "fp" if hit else "fn" if real else "tn"] += 1
    return _summary(counts)


def evaluate_strict(predicted: Sequence[set[str]], gold: Sequence[set[str]]) -> dict[str, Any]:
    """``fine``, plus every tag of a touchpoint no label maps to counted as a false positive."""
    result = evaluate(predicted, gold, "fine")
    scored = {t for members in SCORED["with_mobile_app"].values() for t in members}
    extra = sum(len(tags - scored) for tags in predicted)
    tp = sum(c["tp"] for c in result["per_class"].values())
    fp = sum(c["fp"] for c in result["per_class"].values()) + extra
    fn = sum(c["fn"] for c in result["per_class"].values())
    return {"micro_f1": _f1(tp, fp, fn), "extra_false_positives": extra}


def _summary(counts: dict[str, Counter]) -> dict[str, Any]:
    per_class = {}
    for name, c in counts.items():
        per_class[name] = {
            "precision": _ratio(c["tp"], c["tp"] + c["fp"]),
            "recall": _ratio(c["tp"], c["tp"] + c["fn"]),
            "f1": _f1(c["tp"], c["fp"], c["fn"]),
            "support": c["tp"] + c["fn"],
            "tp": c["tp"],
            "fp": c["fp"],
            "fn": c["fn"],
        }
    tp = sum(c["tp"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    return {
        "micro_f1": _f1(tp, fp, fn),
        "micro_precision": _ratio(tp, tp + fp),
        "micro_recall": _ratio(tp, tp + fn),
        "per_class": per_class,
    }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 3) if b else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    return round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0


def bootstrap_f1(
    predicted: Sequence[set[str]], gold: Sequence[set[str]], scoring: str, draws: int = 1000
) -> list[float]:
    """95% interval of micro-F1 over reviews resampled with replacement (fixed seed)."""
    rng = np.random.default_rng(SPLIT_SEED)
    scores = []
    for _ in range(draws):
        sample = rng.integers(0, len(gold), len(gold))
        scores.append(
            evaluate([predicted[i] for i in sample], [gold[i] for i in sample], scoring)["micro_f1"]
        )
    low, high = np.percentile(scores, [2.5, 97.5])
    return [round(float(low), 3), round(float(high), 3)]


def report(
    predicted: Sequence[set[str]], gold: Sequence[set[str]], rows: np.ndarray
) -> dict[str, Any]:
    """Every scoring of the reviews in ``rows``."""
    p = [predicted[i] for i in rows]
    g = [gold[i] for i in rows]
    return {
        "reviews": len(rows),
        "fine": {**evaluate(p, g, "fine"), "micro_f1_ci95": bootstrap_f1(p, g, "fine")},
        "fine_unmerged": {"micro_f1": evaluate(p, g, "fine_unmerged")["micro_f1"]},
        "fine_strict": evaluate_strict(p, g),
        "with_mobile_app": evaluate(p, g, "with_mobile_app"),
        "always_mobile_app": {
            "f1": evaluate([{"mobile_app"}] * len(g), g, "with_mobile_app")["per_class"][
                "mobile_app"
            ]["f1"]
        },
        "unscored_tags": dict(
            sorted(
                Counter(
                    t
                    for tags in p
                    for t in tags
                    if t not in {m for ms in SCORED["with_mobile_app"].values() for m in ms}
                ).items()
            )
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", action="store_true", help="report the development half")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from voc.models.embedders import get_embedder
    from voc.taxonomy import load_taxonomy
    from voc.touchpoints import TouchpointTagger

    texts, gold = load_reviews()
    dev, test = split(len(texts))
    sentences, languages, owners = sentences_of(texts)
    taxonomy = load_taxonomy()
    embedder = get_embedder("use-multilingual")
    tagger = TouchpointTagger(taxonomy, embedder=embedder).fit()
    keywords_only = TouchpointTagger(taxonomy, use_embeddings=False).fit()

    # The pipeline embeds each sentence once and hands the vectors to the tagger.
    started = time.perf_counter()
    embeddings = embedder.embed(sentences)
    embed_seconds = time.perf_counter() - started

    speed = {}
    predicted = {}
    for name, model in (("embedding+keywords", tagger), ("keywords_only", keywords_only)):
        # Best of three: the machines are shared, and one slow run says little.
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            tags = model.tag(sentences, languages, embeddings=embeddings)
            seconds.append(time.perf_counter() - started)
        speed[name] = round(len(sentences) / min(seconds))
        per_review: list[set[str]] = [set() for _ in texts]
        for owner, sentence_tags in zip(owners, tags, strict=True):
            per_review[owner].update(sentence_tags)
        predicted[name] = per_review

    halves = {"dev": dev} if args.dev else {"test": test, "whole": np.arange(len(texts))}
    results: dict[str, Any] = {
        "benchmark": "touchpoints",
        "data": DATA.name,
        "split_seed": SPLIT_SEED,
        "sentences": len(sentences),
        "headline": "test.embedding+keywords.fine.micro_f1",
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
    }
    for half, rows in halves.items():
        results[half] = {name: report(p, gold, rows) for name, p in predicted.items()}
    results["mapping"] = LABEL_TO_TOUCHPOINT
    results["scored_classes"] = {k: {c: list(m) for c, m in v.items()} for k, v in SCORED.items()}
    results["thresholds"] = {
        "keyword_min_z": tagger.keyword_min_z,
        "similarity_min_z": tagger.similarity_min_z,
    }
    results["speed_sentences_per_s"] = {
        "tagging_excluding_embedding": speed["embedding+keywords"],
        "keywords_only": speed["keywords_only"],
        "embedding": round(len(sentences) / embed_seconds),
    }
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
