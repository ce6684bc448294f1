"""Analysis on a cluster: workers embed and analyse chunks of records, one writer stores.

The in-process path (:func:`voc.analysis.analyze_pending`) takes the pending records
chunk by chunk; each chunk embeds the sentences the store's embedding cache lacks (and
caches them, as float16), reads the others back from the cache, then classifies and tags.
A chunk's result therefore depends on what earlier chunks cached. To store exactly what
the in-process path stores, the cluster path keeps the same chunks and the same cache
semantics, in three steps:

1. **split** (the flow's process, a chunk at a time: :func:`distinct_sentences`, cheap
   next to the models): each chunk's distinct sentences, in the order the analyser meets
   them. The flow then knows, per chunk, which sentences an in-process run would find
   cached (the store's cache, or an earlier chunk not committed yet) and which it would
   embed.
2. **embed** (workers): each chunk embeds exactly the sentences it would embed in-process,
   in one batch (the embedder's float sums depend on the batch), into a shard. The writer
   caches them in chunk order, as in-process.
3. **analyse** (workers): each chunk runs :func:`voc.analysis.analyze_within_budget` with
   an ``embed`` function that answers from its own fresh vectors and, for the rest, from
   the cached (float16) vectors the writer gave it: the analyser's public API, with the
   cache in a shard instead of the store. The writer then stores the chunks in order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from voc.analysis import record_sentences, result_rows, text_hash
from voc.budgets import RECORD_SECONDS, analyze_within_budget
from voc.scale import shards, workers
from voc.store.vectors import decode_vector, encode_vectors
from voc.store.warehouse import ANALYSIS_COLUMNS, SENTENCE_COLUMNS, Warehouse, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSettings:
    """What a worker needs to load the analyser (see :func:`voc.scale.workers.analyzer`)."""

    sentiment_model: str
    taxonomy: str | None
    threads: tuple[int, int] | None

    def load(self) -> Any:
        return workers.analyzer(self.sentiment_model, self.taxonomy, self.threads)


def distinct_sentences(texts: Sequence[str | None], languages: Sequence[str | None]) -> list[str]:
    """The distinct sentences :meth:`voc.analysis.Analyzer.analyze` embeds for these
    records, in its order (its own split, :func:`voc.analysis.record_sentences`)."""
    return list(dict.fromkeys(text for _, _, _, text, _ in record_sentences(texts, languages)))


def _blob(vectors: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.asarray(vectors, dtype=np.float32)]


def _unblob(blobs: Sequence[bytes]) -> np.ndarray:
    if not len(blobs):
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([np.frombuffer(blob, dtype=np.float32) for blob in blobs])


def embed_fresh(settings: ModelSettings, texts: list[str], url: str) -> dict[str, Any]:
    """Embed the sentences a chunk would embed in-process (one batch) into a shard.

    Returns:
        ``{"url", "model_loading": seconds this task spent loading the models}``.
    """
    before = workers.loading_seconds()
    analyzer = settings.load()
    loading = workers.loading_seconds() - before
    model = analyzer.sentiment_model
    vectors: list[bytes] = []
    pooled: list[bytes | None] = [None] * len(texts)
    if texts and getattr(model, "reads_pooled", False):
        fresh, features = model.embed_with_pooled(texts)
        vectors, pooled = _blob(fresh), list(_blob(features))
    elif texts:
        vectors = _blob(analyzer.embedder.embed(texts))
    frame = pd.DataFrame(
        {"text_hash": [text_hash(text) for text in texts], "vector": vectors, "pooled": pooled}
    )
    return {"url": shards.write_shard(url, frame), "model_loading": loading}


class ShardEmbedding:
    """An ``embed`` function for the analyser that behaves as the store's cache would.

    Sentences of ``fresh`` are the ones this chunk embedded (float32, as in-process); the
    others come from ``cached`` (float16 values, as read from the store's cache).
    """

    def __init__(self, analyzer: Any, fresh: pd.DataFrame, cached: pd.DataFrame) -> None:
        self.analyzer = analyzer
        self.hits = 0
        self.misses = 0
        self._fresh = {
            key: (vector, pooled)
            for key, vector, pooled in zip(
                fresh["text_hash"], fresh["vector"], fresh["pooled"], strict=True
            )
        }
        self._cached = {
            key: (vector, pooled)
            for key, vector, pooled in zip(
                cached["text_hash"], cached["vector"], cached["pooled"], strict=True
            )
        }

    def _lookup(self, texts: Sequence[str], pooled: bool) -> tuple[np.ndarray, np.ndarray | None]:
        vectors: list[np.ndarray] = []
        features: list[np.ndarray] = []
        unknown = [text for text in texts if text_hash(text) not in self._fresh | self._cached]
        if unknown:
            # The analyser split differently from distinct_sentences (it changed): still
            # correct, only not bit-identical to an in-process run for these sentences.
            logger.warning("%d sentences were not planned; embedding them here", len(unknown))
            model = self.analyzer.sentiment_model
            if pooled:
                extra_v, extra_p = model.embed_with_pooled(unknown)
            else:
                extra_v, extra_p = self.analyzer.embedder.embed(unknown), None
            for i, text in enumerate(unknown):
                self._fresh[text_hash(text)] = (
                    extra_v[i].tobytes(),
                    None if extra_p is None else extra_p[i].tobytes(),
                )
        for text in texts:
            key = text_hash(text)
            if key in self._fresh:
                vector, feature = self._fresh[key]
                self.misses += 1
                vectors.append(np.frombuffer(vector, dtype=np.float32))
                if pooled:
                    features.append(np.frombuffer(feature, dtype=np.float32))
            else:
                vector, feature = self._cached[key]
                self.hits += 1
                vectors.append(decode_vector(vector))
                if pooled:
                    features.append(decode_vector(feature))
        return (
            np.stack(vectors).astype(np.float32),
            np.stack(features).astype(np.float32) if pooled else None,
        )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self._lookup(texts, pooled=False)[0]

    def with_pooled(self, texts: Sequence[str], model: Any) -> tuple[np.ndarray, np.ndarray]:
        vectors, pooled = self._lookup(texts, pooled=True)
        assert pooled is not None
        return vectors, pooled


def analyze_chunk(
    settings: ModelSettings,
    batch: pd.DataFrame,
    fresh_url: str,
    cached_url: str | None,
    url: str,
) -> dict[str, Any]:
    """Analyse one chunk of pending records into a shard (runs on a worker).

    Args:
        settings: The models.
        batch: ``feedback_id``, ``text``, ``language``, ``touchpoint`` (as
            :meth:`Warehouse.pending_analysis` returns them).
        fresh_url: This chunk's :func:`embed_fresh` shard.
        cached_url: The cached vectors it reads (``text_hash``, ``vector``, ``pooled``:
            stored float16 blobs), or None.
        url: Where to write the result.

    Returns:
        ``{"url", "counts": {...}, "seconds": {...}, "model_loading": seconds this task
        spent loading the models (0 once the worker has them)}``.
    """
    before = workers.loading_seconds()
    analyzer = settings.load()
    loading = workers.loading_seconds() - before
    fresh = shards.read_shard(fresh_url)
    cached = (
        shards.read_shard(cached_url)
        if cached_url
        else pd.DataFrame({"text_hash": [], "vector": [], "pooled": []})
    )
    embed = ShardEmbedding(analyzer, fresh, cached)
    result = analyze_within_budget(
        analyzer,
        batch["text"].tolist(),
        batch["language"].tolist(),
        embed,
        None,
        RECORD_SECONDS,
    )
    # The rows voc.analysis.analyze_pending writes (run id and time: the writer's).
    built = result_rows(
        result,
        batch["feedback_id"].tolist(),
        batch["touchpoint"].tolist(),
        batch["language"].tolist(),
        analyzer.taxonomy.names,
    )
    counts = dict(built.counts)
    rows = [{"kind": "analysis", **row, "version": analyzer.version} for row in built.records]
    sentences = [{"kind": "sentence", **row} for row in built.sentences]
    frame = pd.DataFrame(rows + sentences)
    shards.write_shard(url, frame)
    counts.update(
        {
            "analyzed": len(rows),
            "sentences": len(sentences),
            "hits": embed.hits,
            "misses": embed.misses,
        }
    )
    return {
        "url": url,
        "counts": counts,
        "seconds": dict(result.seconds),
        "model_loading": loading,
    }


def cached_frame(
    store: Warehouse, hashes: list[str], embedder: str, pooled: str | None
) -> pd.DataFrame:
    """The store's cached (float16) vectors of ``hashes``, as a shard's frame (writer);
    ``pooled``: the cache name of the sentiment model's pooled features
    (:func:`voc.models.use_tuned.pooled_cache_name`), None when it reads none."""
    vectors = store.cached_embeddings(hashes, embedder)
    features = store.cached_embeddings(hashes, pooled) if pooled else {}
    keys = [key for key in hashes if key in vectors and (not pooled or key in features)]
    return pd.DataFrame(
        {
            "text_hash": keys,
            "vector": encode_vectors(np.stack([vectors[k] for k in keys])) if keys else [],
            "pooled": encode_vectors(np.stack([features[k] for k in keys]))
            if keys and pooled
            else [None] * len(keys),
        }
    )


def commit_fresh(store: Warehouse, url: str, embedder: str, pooled: str | None) -> int:
    """Cache a chunk's fresh embeddings in the store, as in-process (writer)."""
    frame = shards.read_shard(url)
    if frame.empty:
        return 0
    keys = frame["text_hash"].tolist()
    stored = store.store_embeddings(keys, _unblob(frame["vector"].tolist()), embedder)
    if pooled:
        store.store_embeddings(keys, _unblob(frame["pooled"].tolist()), pooled)
    return stored


def commit_analysis(store: Warehouse, url: str, run_id: str) -> None:
    """Store a chunk's analysis and sentences in one transaction (writer)."""
    frame = shards.read_shard(url)
    now = utcnow()
    records = frame[frame["kind"] == "analysis"].assign(run_id=run_id, analyzed_at=now)
    records = records[ANALYSIS_COLUMNS].reset_index(drop=True)
    records["touchpoints"] = records["touchpoints"].map(list)
    sentences = frame[frame["kind"] == "sentence"][SENTENCE_COLUMNS].reset_index(drop=True)
    sentences["touchpoints"] = sentences["touchpoints"].map(list)
    for column in ("sentence_index", "start_char", "end_char"):
        sentences[column] = sentences[column].astype("int64")
    store.write_analysis(records, sentences)


def assign_topics(
    model: Any, vectors: np.ndarray, threads: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Topic ids and similarities of sentences with a fitted model (runs on a worker, with
    the flow's thread counts: :func:`voc.scale.workers.match_threads`)."""
    workers.match_threads(threads)
    return model.assign(vectors)
