"""Sentiment quality and speed on the real data in ../shared/data, in a process of its own.

    python -m bench.sentiment [--model models/sentiment/v2] [--speed-items 4000] [--cache DIR]

Prints a markdown table (one row per test set, see :func:`rows`), then one JSON line: for
every labelled set, macro-F1 on its test split of the model and of the lexicon baseline of
its language (VADER for English, asari for Japanese); for the review sets (whole records)
both whole-text prediction and the product's roll-up of clauses (and of sentences), the
roll-up being the headline; the leave-one-domain-out transfer figures recorded when the
model was trained (its ``metrics.json``; re-measure with ``python -m pipelines.train_sentiment --v2``);
the model's load time; and items/s of ``SentimentModel.predict`` end to end (embedding
included) on short texts and on whole reviews.

``bench/run.py`` can print the same table: ``rows(result)`` on this module's JSON line
(or ``rows()`` to measure in-process), then ``markdown(rows)``.

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
DEFAULT_MODEL = REPO / "models" / "sentiment" / "v3"
#: The model measured beside on the never-trained sets (the one v3 replaced).
BEFORE_MODEL = REPO / "models" / "sentiment" / "v2"


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


def measure(
    model_dir: Path = DEFAULT_MODEL, speed_items: int = 4000, cache_dir: Path | None = None
) -> dict:
    """Every figure of the benchmark, as the JSON line ``main`` prints.

    Record-level sets (whole reviews) are measured twice: each record as one text, and the
    way the product reads it (split into clauses, rolled up with ``roll_up``); the second is
    the headline. ``cache_dir`` keeps embeddings between runs (speed is measured without it).
    """
    from voc.models.embedders import get_embedder
    from voc.models.sentiment import SentimentModel
    from voc.models.training import (
        DEFAULT_DATA_DIR,
        RECORD_SETS,
        EmbeddingCache,
        evaluate,
        evaluate_records,
        load_all,
        macro_f1,
    )

    if not DEFAULT_DATA_DIR.is_dir():
        return {"benchmark": "sentiment", "skipped": f"{DEFAULT_DATA_DIR} not found"}
    model_dir = Path(model_dir).resolve()
    result: dict = {"benchmark": "sentiment", "model": _shown(model_dir)}

    started = time.perf_counter()
    model = SentimentModel.load(model_dir)
    model.predict(["warm-up"], ["en"])  # the embedder and the lexicon load on first use
    result["load_seconds"] = round(time.perf_counter() - started, 2)

    sets = load_all()
    if getattr(model, "reads_pooled", False):
        # v3 reads pooled USE features, not the cached embeddings: every set is read
        # through the analyser, as voc enrich reads it.
        cache_dir = None
    cache = EmbeddingCache(model.embedder, cache_dir) if cache_dir is not None else None
    embedder = get_embedder(model.embedder)
    seen = model_training_sets(model_dir) | sibling_sets(sets, model_dir)
    quality: dict[str, dict] = {}
    analyzer = None
    for name, labelled in sets.items():
        test = labelled.subset("test")
        if not len(test):
            continue
        present = sorted(set(test.labels.tolist()))
        if cache is not None:
            embeddings = cache.rows(labelled, "test")
        elif name in RECORD_SETS:  # used twice: whole text, and the whole record in roll-up
            embeddings = embedder.embed(test.texts)
        else:
            embeddings = None
        entry = {
            "n": len(test),
            "language": test.language,
            "trained_on_its_domain": name in seen,
        }
        if getattr(model, "reads_pooled", False):
            from voc.analysis import Analyzer
            from voc.models.sentiment_eval import analyze_texts

            if analyzer is None:
                analyzer = Analyzer.load(model_dir)
            entry["ours"] = round(
                macro_f1(test.labels, analyze_texts(analyzer, test.texts), present), 4
            )
            entry["ours_measures"] = "through the analyser (voc enrich's path)"
        else:
            entry["ours"] = evaluate(model, test, embeddings)["macro_f1"]
        if name in RECORD_SETS and not getattr(model, "reads_pooled", False):
            entry["ours_whole_text"] = entry["ours"]
            for splitter in ("clauses", "sentences"):
                figures = evaluate_records(model, test, cache, splitter)
                entry[f"ours_rollup_{splitter}"] = figures["macro_f1"]
            figures = evaluate_records(model, test, cache, "clauses", True, embeddings)
            entry["ours_rollup_clauses_with_record"] = figures["macro_f1"]
            figures = evaluate_records(model, test, cache, "clauses", as_product=True)
            entry["ours_product"] = figures["macro_f1"]
            entry["ours"] = entry["ours_product"]  # what the analyser does
            entry["ours_measures"] = "record: mean of its clause embeddings + whole-text lexicon"
        elif "ours_measures" not in entry:
            entry["ours_measures"] = "per text"
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
    result["never_trained"] = never_trained(model_dir, result.get("asari_neutral_band", 0.4))

    metrics = model_dir / "metrics.json"
    if metrics.exists():
        recorded = json.loads(metrics.read_text())
        result["training_seconds"] = recorded.get("seconds")
        if "leave_one_set_out" in recorded:
            result["leave_one_set_out"] = {
                name: figures["macro_f1"] for name, figures in recorded["leave_one_set_out"].items()
            }
        held_out = recorded.get("leave_one_domain_out", {})
        # Review sets: as the product reads them (clause roll-up) when the training run
        # recorded it, else the whole-text figure (models trained before roll-up existed).
        result["leave_one_domain_out"] = {
            name: figures.get("records", {}).get("clauses", figures)["macro_f1"]
            for name, figures in held_out.items()
        }
        result["leave_one_domain_out_measures"] = {
            name: "roll-up of clauses" if "records" in figures else "per text"
            for name, figures in held_out.items()
        }

    short = [t for n in ("tweets", "hotel_reviews_ja") for t in sets[n].texts]
    reviews = sets["clothing_reviews"].texts
    for label, pool in (("short_texts", short), ("reviews", reviews)):
        texts = (pool * (speed_items // len(pool) + 1))[:speed_items]
        languages = ["ja" if any("\u3040" <= c <= "\u30ff" for c in t) else "en" for t in texts]
        started = time.perf_counter()
        model.predict(texts, languages)
        result[f"items_per_s_{label}"] = round(len(texts) / (time.perf_counter() - started))
    result["artifact_kb"] = round(
        sum(p.stat().st_size for p in model_dir.iterdir() if p.is_file()) / 1024
    )
    return result


def never_trained(model_dir: Path, asari_band: float) -> dict:
    """The measuring-only sets (TweetEval test, JRTE hotel train+dev, SemEval-2016 laptop
    sentences) through the analyser: this model, the model it replaced (v2), VADER (the
    English sets) and asari (Japanese). The headline is the worst macro-F1."""
    from voc.models.sentiment_eval import measuring_set, never_trained_figures
    from voc.models.training import macro_f1

    out: dict = {"ours": never_trained_figures(model_dir)}
    if BEFORE_MODEL.is_dir() and BEFORE_MODEL.resolve() != Path(model_dir).resolve():
        out["before"] = {"model": _shown(BEFORE_MODEL), **never_trained_figures(BEFORE_MODEL)}
    out["vader"], out["vader_accuracy"] = {}, {}
    for name in ("tweeteval_test", "laptops_en"):
        texts, labels = measuring_set(name)
        predicted = _vader_labels(texts)
        out["vader"][name] = round(macro_f1(labels, predicted), 4)
        out["vader_accuracy"][name] = round(float((labels == predicted).mean()), 4)
    try:
        texts, labels = measuring_set("hotel_ja")
        out["asari"] = {
            "hotel_ja": round(macro_f1(labels, _band_labels(_asari_polarity(texts), asari_band)), 4)
        }
    except ImportError as e:
        out["asari"] = {"error": str(e)}
    return out


def never_trained_rows(result: dict) -> list[dict]:
    """One row per never-trained set: ours (macro-F1 and accuracy), the model before, the
    lexicon baseline."""
    figures = result.get("never_trained")
    if not figures:
        return []
    names = {
        "tweeteval_test": "TweetEval test (EN, never trained)",
        "hotel_ja": "hotel sentences train+dev (JA, never trained)",
        "laptops_en": "laptop review sentences (EN, never trained; 79 neutral)",
    }
    table = []
    for name, shown in names.items():
        if name not in figures["ours"]:
            continue  # a result recorded before the set was added
        table.append(
            {
                "set": shown,
                "n": figures["ours"][name]["n"],
                "ours": figures["ours"][name]["macro_f1"],
                "ours accuracy": figures["ours"][name].get("accuracy"),
                "before (v2)": figures.get("before", {}).get(name, {}).get("macro_f1"),
                "vader": figures.get("vader", {}).get(name),
                "asari": figures.get("asari", {}).get(name),
            }
        )
    table.append(
        {
            "set": "headline: the worst macro-F1",
            "n": None,
            "ours": figures["ours"]["worst"],
            "ours accuracy": None,
            "before (v2)": figures.get("before", {}).get("worst"),
            "vader": None,
            "asari": None,
        }
    )
    return table


#: The sets the issue sets a target on, in table order, with their names in the table.
HEADLINE = {
    "clothing_reviews": "clothing reviews (EN)",
    "app_reviews_golden": "app reviews, golden (EN)",
    "tweets": "tweets (EN)",
    "hotel_reviews_ja": "hotel sentences (JA)",
}
TARGET = 0.75


def rows(result: dict | None = None, model_dir: Path = DEFAULT_MODEL) -> list[dict]:
    """One row per test set: the table ``bench.run`` prints.

    Args:
        result: The JSON of a previous run (``measure`` or the last line ``main`` prints);
            measured now when None (minutes: the whole test splits are embedded).
        model_dir: The model measured when ``result`` is None.

    Returns:
        Dicts with ``test set``, ``n``, ``ours`` (held-out test split; for review sets what
        the analyser reports: the record from the mean of its clause embeddings),
        ``ours whole text`` and ``ours clause verdicts averaged`` (review sets: each
        record embedded as one text; the clauses' probabilities averaged, the rule
        the analyser does not use), ``ours domain held out`` (leave-one-domain-out, as
        recorded in the model's metrics.json at training;
        for a set whose domain the model never saw, ``ours`` itself), ``vader``, ``asari``,
        ``target`` and ``target met``. Headline sets first.
    """
    if result is None:
        result = measure(model_dir, speed_items=200)
    if "skipped" in result:
        return []
    quality = result["macro_f1"]
    lodo = result.get("leave_one_domain_out", {})
    order = [n for n in HEADLINE if n in quality] + [n for n in quality if n not in HEADLINE]
    table = []
    for name in order:
        entry = quality[name]
        in_domain = entry["trained_on_its_domain"]
        held_out = lodo.get(name) if in_domain else entry["ours"]
        if not in_domain:
            held_out_measures = "test split (domain never trained on)"
        elif name in lodo:
            how = result.get("leave_one_domain_out_measures", {}).get(name, "per text")
            held_out_measures = f"recorded at training, {how}"
        else:
            held_out_measures = ""
        target = TARGET if name in HEADLINE else None
        met = ""
        if target is not None:
            met = "yes" if entry["ours"] >= target else "no"
            if held_out is not None and held_out < target <= entry["ours"]:
                met = "in-domain only"
        table.append(
            {
                "test set": HEADLINE.get(name, name),
                "n": entry["n"],
                "ours": entry["ours"] if in_domain else None,
                "ours whole text": entry.get("ours_whole_text"),
                "ours clause verdicts averaged": entry.get("ours_rollup_clauses"),
                "ours domain held out": held_out,
                "held out measures": held_out_measures,
                "vader": entry.get("vader"),
                "asari": entry.get("asari"),
                "target": target,
                "target met": met,
            }
        )
    return table


def markdown(table: list[dict]) -> str:
    """``rows()`` as a markdown table."""
    from bench.tables import markdown as table_markdown

    return table_markdown(table, "(no sentiment figures: ../shared/data not found)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--speed-items", type=int, default=4000)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache folder")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    result = measure(args.model, args.speed_items, args.cache)
    if "skipped" not in result:
        print("never-trained sets, 3-class macro-F1, through voc enrich's analyser:")
        print(markdown(never_trained_rows(result)))
        if result.get("training_seconds"):
            print(f"training run (metrics.json): {result['training_seconds']} s")
        if result.get("leave_one_set_out"):
            print(f"leave-one-dataset-out (metrics.json): {result['leave_one_set_out']}")
        print()
        print(markdown(rows(result)))
        print(
            "ours: test split; review sets as the product reads a record (clauses rolled up); "
            "domain held out: leave-one-domain-out recorded in the model's metrics.json "
            "(for a set whose domain the model never saw, the test figure itself); "
            "3-class macro-F1, chABSA 2-class."
        )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


#: v3's training sets under the names of the sets measured here (reported_problems holds
#: sentences of the clothing and app reviews' train splits).
_V3_ALIASES = {
    "vader_tweets": {"tweets"},
    "vader_amazon": {"amazon_snippets"},
    "vader_movies": {"movie_snippets"},
    "reported_problems": {"clothing_reviews", "app_reviews_larger"},
}


def model_training_sets(model_dir: Path) -> set[str]:
    """Names of the sets the model's train splits came from (from its manifest), with a
    companion head's (v3 averages v2's head, trained on v2's sets)."""
    manifest = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    names = set(manifest.get("training_data", {}))
    for name in list(names):
        names |= _V3_ALIASES.get(name, set())
    if manifest.get("companion") and BEFORE_MODEL.is_dir():
        names |= model_training_sets(BEFORE_MODEL)
    return names


def sibling_sets(sets: dict, model_dir: Path) -> set[str]:
    """Sets whose domain the model saw through another set (the app review golden set)."""
    trained = model_training_sets(model_dir)
    domains = {sets[n].domain for n in trained if n in sets}
    return {n for n, s in sets.items() if s.domain in domains}


if __name__ == "__main__":
    sys.exit(main())
