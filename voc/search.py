"""``voc search``: stored sentences closest in meaning to a query, in any language.

The query is embedded with the embedder the analysis used, and compared with the sentence
embeddings cached in the store (:mod:`voc.store.vectors`); both stay in memory for the
session. :func:`voc.query.search` is this function (re-exported).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from voc.errors import VocError
from voc.insights.painpoints import OTHER_TOPIC
from voc.models.embedders import DEFAULT_EMBEDDER
from voc.store import sentences as store_sentences
from voc.store import vectors as store_vectors
from voc.store.warehouse import Warehouse

__all__ = ["search"]

_SEARCH_COLUMNS = [
    "feedback_id",
    "sentence_index",
    "sentence",
    "score",
    "language",
    "channel",
    "created_at",
    "topic_id",
    "topic_label",
]

_EMBEDDERS: dict[str, Any] = {}
_MATRICES: dict[tuple[str, str], tuple[tuple[Any, ...], pd.DataFrame, np.ndarray]] = {}
_LOCK = threading.Lock()


def _embedder(name: str) -> Any:
    with _LOCK:
        if name not in _EMBEDDERS:
            from voc.models.embedders import load_embedder

            # A query is one short text: the numpy backend of the default embedder loads in
            # about a third of the time of the torch one (no torch import), and its vectors
            # match the stored ones (cosine >= 0.9999, bench/use_speed.py).
            options = {"backend": "numpy"} if name == DEFAULT_EMBEDDER else {}
            embedder = load_embedder(name, **options)
            embedder.embed(["warm up"])  # load the weights and the tokenizer now
            _EMBEDDERS[name] = embedder
        return _EMBEDDERS[name]


def _sentence_matrix(store: Warehouse, embedder: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Keys and unit float32 vectors of every stored sentence embedded by ``embedder``.

    Kept in memory per store file and embedder while the store's sentences do not change
    (same count, same latest analysis, same embeddings count), so repeated searches of a
    session skip reading ~1 KB per sentence.
    """
    signature = store_vectors.sentence_vectors_signature(store, embedder)
    key = (str(store.path.resolve()), embedder)
    cached = _MATRICES.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    keys, vectors = store_vectors.sentence_vectors(store, embedder)
    if len(vectors):
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms > 0, norms, 1)  # float16 storage: re-unit the rows
    _MATRICES[key] = (signature, keys, vectors)
    return keys, vectors


def search(
    store: Warehouse, text: str, limit: int = 10, embedder: str = DEFAULT_EMBEDDER
) -> pd.DataFrame:
    """Stored sentences closest in meaning to ``text`` (cosine of the embeddings).

    Works across languages with a multilingual embedder: "parcel never arrived" finds
    "荷物が配達されない". Only sentences whose embedding by ``embedder`` is cached in the
    store are searched; each record appears once, with its closest sentence.

    Args:
        store: An open store.
        text: The query.
        limit: At most this many records.
        embedder: The embedder whose cached vectors to search (the one the analysis used).

    Returns:
        Best first: ``feedback_id``, ``sentence_index``, ``sentence``, ``score`` (cosine),
        ``language``, ``channel``, ``created_at``, ``topic_id``, ``topic_label`` (NULL
        when the sentence has no topic yet). ``attrs["seconds"]`` holds the time taken.

    Raises:
        VocError: Empty query.
    """
    started = time.perf_counter()
    if not text or not text.strip():
        raise VocError("give some text to search for")
    from voc.query import _require_schema

    _require_schema(store, 3)
    # Load the embedder while the stored vectors are read (both take a good part of a
    # second on a first search; DuckDB and zlib release the GIL).
    loading = threading.Thread(target=_embedder, args=(embedder,), daemon=True)
    loading.start()
    keys, vectors = _sentence_matrix(store, embedder)
    loading.join()
    if len(keys) == 0 or limit <= 0:
        out = pd.DataFrame(columns=_SEARCH_COLUMNS)
        out.attrs["seconds"] = time.perf_counter() - started
        return out
    query = np.asarray(_embedder(embedder).embed([text.strip()]), dtype=np.float32)[0]
    scores = vectors @ query
    order = np.argsort(-scores, kind="stable")
    # One row per record: the first (best) occurrence of each feedback_id in score order.
    ranked_ids = keys["feedback_id"].to_numpy()[order]
    _, first = np.unique(ranked_ids, return_index=True)
    best = order[np.sort(first)[:limit]]
    hits = keys.iloc[best].assign(score=scores[best].astype(np.float64))
    hits["rank"] = np.arange(len(hits))
    out = store_sentences.search_hits(store, hits, OTHER_TOPIC)
    out = out[_SEARCH_COLUMNS].reset_index(drop=True)
    out["topic_id"] = out["topic_id"].astype("Int64")
    out.attrs["seconds"] = time.perf_counter() - started
    return out
