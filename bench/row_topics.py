"""``voc enrich``'s topic per row against people, on every labelled set of ``bench.topics``.

    python -m bench.row_topics [--store PATH] [SET ...]

Runs :func:`voc.enrich.enrich_frame` as ``voc enrich`` does (the shipped models, the
config's languages and label language) on each labelled set of
:data:`bench.topics.LABELLED_SETS`, one row per text, with ``--topics file`` and, given
``--store`` (a copy of the demo store, ``voc-data/voc.duckdb`` after ``make demo``), with
``--topics store`` too. Per set and source it prints NMI and AMI of the rows' topics
against the human label ("other" counts as one more cluster, as in ``bench.topics``), the
share of rows in other and the share of rows in the three biggest topics, for:

- ``enrich``: the row's ``topic_id`` as ``voc enrich`` writes it (the topic holding most of
  the row's characters; checked here against the run's ``--sentences`` frame);
- ``whole``: the topic whose centroid is nearest the row's whole text, embedded by the
  same embedder (a second encoder pass over rows of several sentences; other when all of
  the row's sentences are other), with the centroids of the same run's topic model.

The sets' halves: a rule is chosen on the ``dev`` sets (app reviews, clothing classes) and
only reported on the ``held-out`` ones (complaint issues; the SemEval laptops, measuring
only). Prints a markdown table, then one JSON line. docs/benchmarks.md, "Row topics of
voc enrich", has the figures and why ``voc enrich`` keeps its rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.topics import LABELLED_SETS


def majority_by_characters(by_sentence: pd.DataFrame) -> pd.Series:
    """Each row's topic holding most of its characters, other only when nothing else is
    there (``voc enrich``'s rule), from ``--sentences``' frame; indexed by row."""
    frame = pd.DataFrame(
        {
            "row": by_sentence["row"].astype(int),
            "topic": by_sentence["topic_id"].astype(int),
            "chars": by_sentence["sentence"].str.len().astype(int),
        }
    )
    weight = frame.groupby(["row", "topic"], sort=True)["chars"].sum().reset_index()
    weight["real"] = weight["topic"] != -1
    weight["tie"] = -weight["topic"]
    best = weight.sort_values(["row", "real", "chars", "tie"]).groupby("row").tail(1)
    return best.set_index("row")["topic"]


def nearest_to_whole_text(
    by_sentence: pd.DataFrame,
    rows: np.ndarray,
    whole: np.ndarray,
    centroids: np.ndarray,
    topic_ids: np.ndarray,
) -> np.ndarray:
    """Per row of ``rows``, the topic whose centroid is nearest its whole-text vector
    (``whole``, one per row of ``rows``); other when all of its sentences are other."""
    has_topic = (by_sentence["topic_id"].astype(int) != -1).groupby(by_sentence["row"]).any()
    nearest = np.asarray(topic_ids)[np.argmax(whole @ np.asarray(centroids).T, axis=1)]
    return np.where(has_topic.reindex(rows).to_numpy(dtype=bool), nearest, -1)


def agreement(topics: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """NMI, AMI, the share in other and the share in the three biggest topics."""
    from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

    sizes = np.sort(np.unique(topics, return_counts=True)[1])[::-1]
    return {
        "nmi": round(float(normalized_mutual_info_score(gold, topics)), 3),
        "ami": round(float(adjusted_mutual_info_score(gold, topics)), 3),
        "other": round(float(np.mean(topics == -1)), 3),
        "top3": round(float(sizes[:3].sum() / len(topics)), 3),
    }


def measure(sets: list[str], store: Path | None) -> list[dict[str, Any]]:
    from voc.analysis import Analyzer
    from voc.config import load_config
    from voc.enrich import EnrichSummary, _store_topic_model, enrich_frame
    from voc.topics import TopicModel

    cfg = load_config()
    analyzer = Analyzer.load(cfg.analysis.sentiment_model, None)
    analyzer.warm_up()
    TopicModel().warm_up()
    store_model = _store_topic_model(store, analyzer.embedder_name) if store else None
    # The topic model enrich_frame fits on a file, kept to read its centroids.
    fitted: list[Any] = []
    fit = TopicModel.fit

    def fit_and_keep(model: Any, *args: Any, **kwargs: Any) -> Any:
        fitted.append(model)
        return fit(model, *args, **kwargs)

    results = []
    for name in sets:
        half, loader, gold_name = LABELLED_SETS[name]
        texts, gold = loader()
        df = pd.DataFrame({"text": texts})
        for source in ("file", "store") if store_model else ("file",):
            summary, frames = EnrichSummary(), []
            fitted.clear()
            TopicModel.fit = fit_and_keep  # type: ignore[method-assign]
            try:
                out = enrich_frame(
                    df,
                    "text",
                    analyzer,
                    languages=tuple(cfg.ingest.languages),
                    summary=summary,
                    topic_model=store_model if source == "store" else None,
                    topics=source,
                    label_language=cfg.digest.language,
                    sentences=frames,
                )
            finally:
                TopicModel.fit = fit  # type: ignore[method-assign]
            by_sentence = frames[0]
            rows = np.flatnonzero(out["topic_id"].notna().to_numpy())
            written = out["topic_id"].to_numpy(dtype="float64", na_value=np.nan)[rows]
            if not np.array_equal(majority_by_characters(by_sentence).reindex(rows), written):
                raise RuntimeError(f"{name}: enrich's row topics are not the majority rule")
            if source == "store":
                model = store_model[0]
                centroids, topic_ids = model.centroids_, model.topic_ids_
            else:
                (model,) = fitted
                centroids = model.centroids_
                # A fresh registry names a file's topics 1, 2, ... in the fit's order.
                topic_ids = np.arange(1, len(centroids) + 1)
                labels = model.fit_result_.labels
                if not np.array_equal(
                    np.where(labels >= 0, labels + 1, -1), by_sentence["topic_id"]
                ):
                    raise RuntimeError(f"{name}: the file's topic ids are not the fit's + 1")
            # In the space the topics are in (the topics' vector map, voc.topics.space).
            whole = model.to_space(analyzer.embedder.embed([texts[row] for row in rows]))
            after = nearest_to_whole_text(by_sentence, rows, whole, centroids, topic_ids)
            golds = np.asarray(gold)[rows]
            results.append(
                {
                    "set": name,
                    "half": half,
                    "label": gold_name,
                    "topics": source,
                    "rows": len(rows),
                    "sentences_per_row": round(summary.sentences / max(len(rows), 1), 2),
                    "enrich": agreement(written.astype(int), golds),
                    "whole": agreement(after, golds),
                    "changed": round(float(np.mean(written != after)), 3),
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| set (half) | topics | rows | sentences/row | NMI enrich / whole | "
        "AMI enrich / whole | other | rows in the 3 biggest topics | rows changed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b, a = r["enrich"], r["whole"]
        lines.append(
            f"| {r['set']} ({r['half']}) | {r['topics']} | {r['rows']:,} | "
            f"{r['sentences_per_row']} | {b['nmi']:.3f} / {a['nmi']:.3f} | "
            f"{b['ami']:.3f} / {a['ami']:.3f} | {b['other']:.1%} / {a['other']:.1%} | "
            f"{b['top3']:.0%} / {a['top3']:.0%} | {r['changed']:.1%} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", help=f"of {', '.join(LABELLED_SETS)} (default: all)")
    parser.add_argument("--store", type=Path, help="a store with a topic model (the demo's)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sets) - set(LABELLED_SETS))
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; the sets: {', '.join(LABELLED_SETS)}")
    results = measure(args.sets or list(LABELLED_SETS), args.store)
    print(markdown(results))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
