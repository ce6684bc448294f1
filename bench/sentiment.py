"""Sentiment quality and speed on the real data in ../shared/data, in a process of its own.

    python -m bench.sentiment [--model models/sentiment/v1] [--speed-items 4000]

Prints one JSON line: for every labelled set, macro-F1 on its test split of the shipped
model and of the lexicon baseline of its language (VADER for English, asari for
Japanese); the leave-one-domain-out transfer figures recorded when the model was trained
(its ``metrics.json``; re-measure with ``python -m voc.models.training``); the model's
load time; and items/s of ``SentimentModel.predict`` end to end (embedding included) on
short texts and on whole reviews.

Baselines, fixed before measuring:

* VADER: compound >= 0.05 positive, <= -0.05 negative, else neutral (the authors' rule).
* asari (positive/negative only): neutral when ``|p(positive) - p(negative)|`` is below a
  band chosen on the hotel reviews' dev split (the same split our model's Japanese choices
  were made on), from 0, 0.2, ..., 0.8. asari's ONNX graph asks for the locale
  ``en_US.UTF-8``, missing on these machines; the graph is patched in memory to ``C.UTF-8``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO / "models" / "sentiment" / "v1"


def _vader_labels(texts: list[str]) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    compound = np.array([analyser.polarity_scores(t)["compound"] for t in texts])
    return np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))


def _asari_session():
    """asari's ONNX pipeline with the StringNormalizer's locale set to C.UTF-8."""
    import importlib.util

    import onnx
    import onnxruntime
    from onnx import helper

    spec = importlib.util.find_spec("asari")
    if spec is None or spec.origin is None:
        raise ImportError("pip install --no-deps asari==0.2.0 Janome onnxruntime onnx")
    graph = onnx.load(str(Path(spec.origin).parent / "data" / "pipeline.onnx"))
    for node in graph.graph.node:
        if node.op_type == "StringNormalizer":
            kept = [a for a in node.attribute if a.name != "locale"]
            del node.attribute[:]
            node.attribute.extend([*kept, helper.make_attribute("locale", "C.UTF-8")])
    return onnxruntime.InferenceSession(graph.SerializeToString())


def _asari_polarity(texts: list[str]) -> np.ndarray:
    """p(positive) - p(negative) per text."""
    from asari.preprocess import tokenize

    session = _asari_session()
    name = session.get_inputs()[0].name
    output = session.get_outputs()[1].name
    probabilities = session.run([output], {name: [tokenize(t) for t in texts]})[0]
    return np.array([p["positive"] - p["negative"] for p in probabilities])


def _band_labels(polarity: np.ndarray, band: float) -> np.ndarray:
    return np.where(polarity >= band, 2, np.where(polarity <= -band, 0, 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--speed-items", type=int, default=4000)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from voc.models.sentiment import SentimentModel
    from voc.models.training import DEFAULT_DATA_DIR, evaluate, load_all, macro_f1

    if not DEFAULT_DATA_DIR.is_dir():
        print(json.dumps({"benchmark": "sentiment", "skipped": f"{DEFAULT_DATA_DIR} not found"}))
        return 0
    result: dict = {"benchmark": "sentiment", "model": str(args.model.relative_to(REPO))}

    started = time.perf_counter()
    model = SentimentModel.load(args.model)
    model.predict(["warm-up"], ["en"])  # the embedder and the lexicon load on first use
    result["load_seconds"] = round(time.perf_counter() - started, 2)

    sets = load_all()
    quality: dict[str, dict] = {}
    for name, labelled in sets.items():
        test = labelled.subset("test")
        if not len(test):
            continue
        present = sorted(set(test.labels.tolist()))
        entry = {
            "n": len(test),
            "language": test.language,
            "trained_on_its_domain": name
            in model_training_sets(args.model) | sibling_sets(sets, args.model),
            "ours": evaluate(model, test)["macro_f1"],
        }
        if test.language == "en":
            entry["vader"] = round(macro_f1(test.labels, _vader_labels(test.texts), present), 4)
        quality[name] = entry

    try:
        hotel = sets["hotel_reviews_ja"]
        dev = hotel.subset("dev")
        dev_polarity = _asari_polarity(dev.texts)
        bands = [0.0, 0.2, 0.4, 0.6, 0.8]
        band = max(bands, key=lambda b: macro_f1(dev.labels, _band_labels(dev_polarity, b)))
        result["asari_neutral_band"] = band
        for name in ("hotel_reviews_ja", "chabsa"):
            test = sets[name].subset("test")
            present = sorted(set(test.labels.tolist()))
            labels = _band_labels(_asari_polarity(test.texts), band if len(present) == 3 else 0)
            quality[name]["asari"] = round(macro_f1(test.labels, labels, present), 4)
    except ImportError as e:
        result["asari_error"] = f"asari not usable: {e}"
    result["macro_f1"] = quality

    metrics = args.model / "metrics.json"
    if metrics.exists():
        recorded = json.loads(metrics.read_text())
        result["leave_one_domain_out"] = {
            name: figures["macro_f1"]
            for name, figures in recorded.get("leave_one_domain_out", {}).items()
        }

    short = [t for n in ("tweets", "hotel_reviews_ja") for t in sets[n].texts]
    reviews = sets["clothing_reviews"].texts
    for label, pool in (("short_texts", short), ("reviews", reviews)):
        texts = (pool * (args.speed_items // len(pool) + 1))[: args.speed_items]
        languages = ["ja" if any("\u3040" <= c <= "\u30ff" for c in t) else "en" for t in texts]
        started = time.perf_counter()
        model.predict(texts, languages)
        result[f"items_per_s_{label}"] = round(len(texts) / (time.perf_counter() - started))
    result["artifact_kb"] = round(
        sum(p.stat().st_size for p in args.model.iterdir() if p.is_file()) / 1024
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def model_training_sets(model_dir: Path) -> set[str]:
    """Names of the sets the model's train splits came from (from its manifest)."""
    manifest = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    return set(manifest.get("training_data", {}))


def sibling_sets(sets: dict, model_dir: Path) -> set[str]:
    """Sets whose domain the model saw through another set (the app review golden set)."""
    trained = model_training_sets(model_dir)
    domains = {sets[n].domain for n in trained if n in sets}
    return {n for n, s in sets.items() if s.domain in domains}


if __name__ == "__main__":
    sys.exit(main())
