"""What a pain point is called: its topic's label against its complaints' label.

    python -m bench.pain_labels [--store voc-data/voc.duckdb] [--week 2026-W45] [--top 10]
                                [--language en]

A topic's label is a key phrase of all its sentences; a pain point's label is a key phrase
of its topic's *negative* sentences (:attr:`voc.topics.results.Topic.complaint_label`).
For the week's ranked pain points (:func:`voc.insights.painpoints.top_pain_points`) and,
for more topics, every active topic with a complaint label and at least 20 negative
sentences, both labels are judged against the topic's complaints:

- ``cosine_all``: cosine of the label's embedding (the store's embedder) to the centroid
  of the topic's negative sentences (every one in the store);
- ``cosine_week``: the same against the week's negative sentences only (pain points);
- ``bare``: the label names nothing, an evaluation only ("too bad", "not worth", "can't
  use"; :func:`voc.topics.labels.names_a_thing` on the label alone);
- ``positive``: the store's sentiment model reads the label itself as positive ("v neck
  is just right": praise naming a complaint);
- ``phrase``: :func:`voc.topics.labels.is_phrase`.

"topic label" is what the pain points showed before (``topics.label``); "pain label" what
they show now (:func:`voc.store.topics.label_sql`: a person's label, else the complaint
label, else the topic label), both as a digest in ``--language`` reads them (a label in
that language where the topic has one). Read-only on the store; a few seconds plus model
loading. Prints a markdown table per set and one JSON line.

``--relabel`` also judges "pain label, recomputed": the complaint labels this checkout's
labeller gives the store's topics as they are (their sentences, sentiment and centroids;
:meth:`voc.topics.model.TopicModel._complaint_labels`, about 15 s), so a change to the
phrase patterns or the ranking is measured without rebuilding the demo store (labels are
fixed once found, so a refit keeps the old ones). The JSON line says how many of them
equal the stored ones (all, for the code that built the store).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

#: Topics with fewer negative sentences are left out of the all-topics figures (a
#: centroid of a handful of sentences judges little).
MIN_NEGATIVE = 20


def _negative_centroids(store: Any, embedder: str, week: str | None) -> dict[int, np.ndarray]:
    """Unit centroid of each topic's negative sentences (of ``week`` only when given)."""
    from voc.store.vectors import decode_matrix

    frame = store.query(
        """
        SELECT st.topic_id, e.vector
        FROM sentences s
        JOIN sentence_topics st USING (feedback_id, sentence_index)
        JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ?
        JOIN feedback f USING (feedback_id)
        WHERE s.sentiment = 'negative' AND st.topic_id >= 0
          AND (? IS NULL OR strftime(f.created_at, '%G-W%V') = ?)
        """,
        [embedder, week, week],
    )
    if frame.empty:
        return {}
    vectors = decode_matrix(b"".join(bytes(v) for v in frame["vector"]), len(frame))
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centroids = {}
    topics = frame["topic_id"].to_numpy()
    for topic in np.unique(topics):
        rows = vectors[topics == topic]
        if len(rows) >= (1 if week else MIN_NEGATIVE):
            mean = rows.mean(axis=0)
            centroids[int(topic)] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return centroids


def judge(
    labels: list[str],
    languages: list[str],
    centroids: list[np.ndarray],
    embed: Any,
    sentiment: Any,
    tokenizer: Any,
) -> dict[str, Any]:
    """Per label: cosine to its centroid, bare, positive, phrase; and their means."""
    from voc.topics.labels import is_phrase, names_a_thing

    vectors = np.asarray(embed(labels), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosines = np.einsum("ij,ij->i", vectors, np.vstack(centroids))
    named = names_a_thing(labels, languages, tokenizer)
    # A model reading the embedder's pooled features embeds by itself (as the analyser).
    read = (
        sentiment.predict(labels, languages)
        if getattr(sentiment, "reads_pooled", False)
        else sentiment.predict(labels, languages, np.asarray(embed(labels), dtype=np.float32))
    )
    positive = [label == "positive" for label, _ in read]
    phrase = [is_phrase(text, code) for text, code in zip(labels, languages, strict=True)]
    return {
        "cosine": round(float(cosines.mean()), 4),
        "worst_cosine": round(float(cosines.min()), 4),
        "bare_share": round(1 - float(np.mean(named)), 4),
        "positive_share": round(float(np.mean(positive)), 4),
        "phrase_share": round(float(np.mean(phrase)), 4),
        "per_label": [
            (text, round(float(c), 3), not n, p)
            for text, c, n, p in zip(labels, cosines, named, positive, strict=True)
        ],
    }


def recomputed_complaint_labels(
    store: Any, embedder_name: str, language: str | None
) -> tuple[dict[int, str], str]:
    """The complaint labels this checkout gives the store's active topics as they are, in
    ``language`` where they have one (a person's label still first), and how many of the
    topics' complaint labels, in every language (or their absence), equal the stored ones
    ("64 of 65")."""
    from voc.store.vectors import decode_matrix
    from voc.topics.clustering import _hash_order
    from voc.topics.model import TopicModel
    from voc.topics.space import SHIPPED_VECTOR_MAP, load_vector_map

    topics = store.query(
        "SELECT topic_id, centroid, complaint_aliases FROM topics "
        "WHERE status = 'active' AND topic_id >= 0 ORDER BY size DESC, topic_id"
    )
    index = {int(t): i for i, t in enumerate(topics["topic_id"])}
    centroids = np.vstack([np.frombuffer(bytes(c), dtype="<f4") for c in topics["centroid"]])
    frame = store.query(
        """
        SELECT s.feedback_id, s.sentence_index, s.text, s.language, s.sentiment, e.vector,
               coalesce(st.topic_id, -1) AS topic_id
        FROM sentences s
        JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ?
        LEFT JOIN sentence_topics st USING (feedback_id, sentence_index)
        ORDER BY s.feedback_id, s.sentence_index
        """,
        [embedder_name],
    )
    vectors = decode_matrix(b"".join(bytes(v) for v in frame["vector"]), len(frame))
    labels = np.array([index.get(int(t), -1) for t in frame["topic_id"]], dtype=np.intp)
    ids = [f"{a}:{b}" for a, b in zip(frame["feedback_id"], frame["sentence_index"], strict=True)]
    # A store fitted in a vector map's space (topics.vector_map) keeps its centroids there:
    # the sentences' vectors go there too (the model maps only vectors of the map's input).
    mapped = load_vector_map(SHIPPED_VECTOR_MAP).out_dim == centroids.shape[1]
    model = TopicModel(
        label_embedder=embedder_name,
        label_language=language or "en",
        vector_map=SHIPPED_VECTOR_MAP if mapped else None,
    )
    found = model._complaint_labels(
        labels,
        model.to_space(vectors),
        frame["text"].tolist(),
        frame["language"].tolist(),
        _hash_order(ids),
        (frame["sentiment"] == "negative").to_numpy(),
        centroids.astype(np.float32),
    )
    renamed = dict(store.query("SELECT topic_id, label FROM topic_renames").values.tolist())
    result: dict[int, str] = {}
    same = 0
    for topic_id, stored, label in zip(
        topics["topic_id"], topics["complaint_aliases"], found, strict=True
    ):
        # Compared in every language (the fit chose its label in digest.language).
        same += (dict(label.aliases) if label is not None else {}) == (
            json.loads(stored) if isinstance(stored, str) else {}
        )
        if label is not None:
            chosen = label.aliases.get(language, label.label) if language else label.label
            result[int(topic_id)] = renamed.get(int(topic_id), chosen)
    return result, f"{same} of {len(topics)}"


def run(
    store_path: Path,
    week: str,
    top: int,
    language: str | None = "en",
    relabel: bool = False,
) -> dict[str, Any]:
    """Both labels of the week's pain points and of every topic with complaints (and,
    with ``relabel``, the complaint labels recomputed by this checkout)."""
    from voc.insights.painpoints import top_pain_points
    from voc.models.embedders import get_embedder
    from voc.models.loaders import load_sentiment
    from voc.store.topics import topic_labels
    from voc.store.warehouse import Warehouse
    from voc.topics.tokens import KeywordTokenizer, keyword_language

    with Warehouse(store_path, read_only=True) as store:
        embedder_name = str(store.query("SELECT embedder FROM topic_model")["embedder"][0])
        points = top_pain_points(store, week, limit=top, quotes=0)
        own = topic_labels(store, language)
        pain = topic_labels(store, language, pain_points=True)
        all_centroids = _negative_centroids(store, embedder_name, None)
        week_centroids = _negative_centroids(store, embedder_name, week)
        with_complaints = store.query(
            "SELECT topic_id FROM topics WHERE status = 'active' AND complaint_label IS NOT NULL"
        )["topic_id"].astype(int)
        recomputed, same = (
            recomputed_complaint_labels(store, embedder_name, language) if relabel else ({}, "")
        )
    embedder = get_embedder(embedder_name)
    sentiment = load_sentiment()
    # The yardstick's tagger: spaCy's, the reference the hashed keyword tagger imitates, so
    # a tagger's guess on a bare label does not move the figure.
    tokenizer = KeywordTokenizer(english_tagger="spacy")
    ids = [int(t) for t in points["topic_id"]]
    result: dict[str, Any] = {
        "store": str(store_path),
        "week": week,
        "language": language,
        "sets": {},
    }
    compared = {"topic label": own, "pain label": pain}
    if relabel:
        # A topic without a complaint label now keeps what its pain point showed.
        compared["pain label, recomputed"] = {**pain, **recomputed}
        result["recomputed_equal_to_stored"] = same
    sets = {
        f"{week} pain points, week's complaints": (ids, week_centroids),
        f"{week} pain points, all their complaints": (ids, all_centroids),
        f"every topic with complaints (>= {MIN_NEGATIVE} negative sentences)": (
            [t for t in with_complaints.tolist() if t in all_centroids],
            all_centroids,
        ),
    }
    for name, (topics, centroids) in sets.items():
        topics = [t for t in topics if t in centroids]
        if not topics:
            continue
        judged: dict[str, Any] = {}
        for which, labels in compared.items():
            texts = [labels[t] for t in topics]
            codes = [keyword_language(text, None) for text in texts]
            judged[which] = judge(
                texts, codes, [centroids[t] for t in topics], embedder.embed, sentiment, tokenizer
            )
        judged["n"] = len(topics)
        result["sets"][name] = judged
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=Path("voc-data/voc.duckdb"))
    parser.add_argument("--week", default="2026-W45")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument(
        "--language", default="en", help="the digest's language the labels are read in"
    )
    parser.add_argument(
        "--relabel",
        action="store_true",
        help="also the complaint labels this checkout gives the store's topics as they are",
    )
    args = parser.parse_args(argv)
    result = run(args.store, args.week, args.top, args.language, args.relabel)
    for name, judged in result["sets"].items():
        print(f"\n### {name} ({judged['n']} topics)\n")
        print("| label | cosine to complaints | worst | bare evaluations | read as positive |")
        print("|---|---|---|---|---|")
        for which in [w for w in judged if w != "n"]:
            j = judged[which]
            print(
                f"| {which} | {j['cosine']:.3f} | {j['worst_cosine']:.3f} | "
                f"{j['bare_share']:.2f} | {j['positive_share']:.2f} |"
            )
        if name.endswith("week's complaints"):
            shown = [w for w in judged if w != "n"]
            print("\n| " + " | ".join(shown) + " | cosine (" + " / ".join(shown) + ") |")
            print("|---" * (len(shown) + 1) + "|")
            for rows in zip(*(judged[w]["per_label"] for w in shown), strict=True):
                flags = lambda row: ("bare " if row[2] else "") + ("positive" if row[3] else "")  # noqa: E731
                cells = [f"{row[0]} {flags(row)}" for row in rows]
                cosines = " / ".join(f"{row[1]:.3f}" for row in rows)
                print("| " + " | ".join(cells) + f" | {cosines} |")
    if "recomputed_equal_to_stored" in result:
        print(
            f"\nrecomputed complaint labels equal to the stored: {result['recomputed_equal_to_stored']}"
        )
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
