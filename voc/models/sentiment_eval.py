"""Sentiment figures on sets no model here was trained on or tuned on, read as ``voc enrich`` reads.

Three measuring-only sets (never trained on, never used to choose a setting; read in place,
never committed):

* ``tweeteval_test``: TweetEval sentiment test split, 12,284 tweets on every subject
  (SemEval-2017 Task 4), negative / neutral / positive;
* ``hotel_ja``: the Japanese hotel review sentences (JRTE train + dev, 5,000),
  -1 / 0 / 1 by the majority of three judges (CC BY-NC-SA, non-commercial);
* ``laptops_en``: the SemEval-2016 laptop review sentences (task 5, train file) whose
  aspect opinions all have one polarity, labelled with it (1,888: 792 negative, **79
  neutral**, 1,017 positive); sentences without an opinion (461) or with conflicting ones
  (151) are left out. Its neutral F1 rests on 79 sentences: read its accuracy beside it.

:func:`never_trained_figures` runs a model through :class:`voc.analysis.Analyzer` exactly
as ``voc enrich`` does (language identified per record, sentences and clauses, the record
read as a whole) and gives 3-class macro-F1 and accuracy of the record label. The headline
is the worst macro-F1 of the three.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import numpy as np

from voc.models.semeval import LAPTOPS_FILE, read_sentences
from voc.models.training import DEFAULT_DATA_DIR, LABELS, f1_per_class, macro_f1

__all__ = ["MEASURING_SETS", "analyze_texts", "measuring_set", "never_trained_figures"]

MEASURING_SETS = ("tweeteval_test", "hotel_ja", "laptops_en")


def measuring_set(name: str, data_dir: Path = DEFAULT_DATA_DIR) -> tuple[list[str], np.ndarray]:
    """Texts and labels (indices into LABELS) of a measuring-only set."""
    if name == "tweeteval_test":
        path = data_dir / "tweeteval_sentiment_test.tsv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        return [r["text"] for r in rows], np.array([LABELS.index(r["label"]) for r in rows])
    if name == "hotel_ja":
        path = data_dir / "ja_hotel_reviews_jrte_traindev.tsv"
        texts, labels = [], []
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(record) >= 5 and record[1] in ("1", "0", "-1"):
                    texts.append(record[2])
                    labels.append(int(record[1]) + 1)
        return texts, np.array(labels)
    if name == "laptops_en":
        texts, labels = [], []
        for sentence in read_sentences(data_dir / LAPTOPS_FILE):
            polarities = {opinion.polarity for opinion in sentence.opinions}
            if len(polarities) == 1 and sentence.text.strip():  # one polarity: a sentence label
                texts.append(sentence.text)
                labels.append(LABELS.index(polarities.pop()))
        return texts, np.array(labels)
    raise KeyError(f"no measuring set {name!r}; known: {', '.join(MEASURING_SETS)}")


def analyze_texts(analyzer: Any, texts: list[str], batch_size: int = 1000) -> np.ndarray:
    """Record labels (indices into LABELS) as ``voc enrich`` gives them."""
    from voc.text.language import LanguageIdentifier

    identifier = LanguageIdentifier(("en", "ja"))
    out = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        codes = [identifier.identify(t) if t.strip() else None for t in chunk]
        for record in analyzer.analyze(chunk, codes).records:
            # A record without text (none in these sets) would count as neutral.
            out.append(LABELS.index(record.sentiment) if record.sentiment else 1)
    return np.array(out)


def never_trained_figures(
    model: str | Path, data_dir: Path = DEFAULT_DATA_DIR, limit: int | None = None
) -> dict[str, Any]:
    """Macro-F1 of ``model`` (name or folder) on each measuring set, through the analyser.

    Returns:
        ``{set: {"macro_f1", "accuracy", "f1_per_class", "n", "seconds"}, "worst": float}``
        (``worst``: the lowest macro-F1).
    """
    from voc.analysis import Analyzer

    analyzer = Analyzer.load(model)
    analyzer.warm_up()
    figures: dict[str, Any] = {}
    for name in MEASURING_SETS:
        texts, y = measuring_set(name, data_dir)
        if limit is not None:
            texts, y = texts[:limit], y[:limit]
        started = time.perf_counter()
        predicted = analyze_texts(analyzer, texts)
        figures[name] = {
            "macro_f1": round(macro_f1(y, predicted), 4),
            "accuracy": round(float((y == predicted).mean()), 4),
            "f1_per_class": dict(
                zip(LABELS, (round(float(f), 4) for f in f1_per_class(y, predicted)), strict=True)
            ),
            "n": len(texts),
            "seconds": round(time.perf_counter() - started, 1),
        }
    figures["worst"] = min(figures[name]["macro_f1"] for name in MEASURING_SETS)
    return figures
