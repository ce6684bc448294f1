"""The one codec of stored embedding vectors, and the reads of the ``embeddings`` table.

A vector is stored as little-endian float16 (``<f2``), ``dim`` values end to end in one
BLOB (migration 002): half the bytes of float32, and cosine rankings within 1e-3. Every
reader and writer of ``embeddings.vector`` goes through :func:`encode_vectors` and
:func:`decode_vector` / :func:`decode_matrix`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from voc.store.connection import StoreConnection
from voc.store.frames import insert_rows, registered, utcnow

if TYPE_CHECKING:  # warehouse.py builds on this module: no import cycle at run time
    from voc.store.warehouse import Warehouse

__all__ = [
    "VECTOR_DTYPE",
    "EmbeddingCache",
    "decode_matrix",
    "decode_vector",
    "encode_vectors",
    "sentence_vectors",
    "sentence_vectors_signature",
]

VECTOR_DTYPE = "<f2"


def encode_vectors(vectors: np.ndarray) -> list[bytes]:
    """One BLOB per row of ``vectors`` (shape ``(n, dim)``), as stored."""
    return [row.tobytes() for row in np.asarray(vectors, dtype=VECTOR_DTYPE)]


def decode_vector(blob: bytes) -> np.ndarray:
    """One stored BLOB back as a float32 vector of shape ``(dim,)``."""
    return np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)


def decode_matrix(raw: bytes | np.ndarray, rows: int) -> np.ndarray:
    """``rows`` stored BLOBs lying end to end (bytes, or a uint8 array viewing them) as a
    float32 matrix of shape ``(rows, dim)``."""
    packed = np.frombuffer(raw, dtype=np.uint8) if isinstance(raw, bytes) else raw
    return packed.view(VECTOR_DTYPE).reshape(rows, -1).astype(np.float32)


def sentence_vectors_signature(store: Warehouse, embedder: str) -> tuple[Any, ...]:
    """What changes when the stored sentences or their vectors change: the sentence
    count, the latest analysis time and the count of ``embedder``'s vectors."""
    return tuple(
        store._con.execute(
            "SELECT (SELECT count(*) FROM sentences), (SELECT max(analyzed_at) FROM analysis), "
            "(SELECT count(*) FROM embeddings WHERE embedder = ?)",
            [embedder],
        ).fetchall()[0]
    )


def sentence_vectors(store: Warehouse, embedder: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Every stored sentence embedded by ``embedder``: its keys and its vector.

    Returns:
        ``keys`` (``feedback_id``, ``sentence_index``, ordered by both) and a float32
        matrix of shape ``(len(keys), dim)`` (``(0, 0)`` when none), rows as stored
        (float16, so not exactly unit length).
    """
    table = store._con.sql(
        "SELECT s.feedback_id, s.sentence_index, e.vector FROM sentences s "
        "JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ? "
        "ORDER BY s.feedback_id, s.sentence_index",
        params=[embedder],
    ).to_arrow_table()
    if table.num_rows == 0:
        vectors = np.zeros((0, 0), dtype=np.float32)
    else:
        # The blobs lie end to end in the Arrow column's data buffer: one view, no copy
        # per row (a Python loop over 20k blobs took most of a search's time).
        column = table.column("vector").combine_chunks()
        _, offsets_buffer, data = column.buffers()
        width = np.int64 if str(column.type) == "large_binary" else np.int32
        offsets = np.frombuffer(offsets_buffer, dtype=width)[
            column.offset : column.offset + len(column) + 1
        ]
        raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        vectors = decode_matrix(raw, table.num_rows)
    keys = pd.DataFrame(
        {
            "feedback_id": table.column("feedback_id").to_pandas(),
            "sentence_index": table.column("sentence_index").to_pandas(),
        }
    )
    return keys, vectors


class EmbeddingCache(StoreConnection):
    """The embedding cache's reads and writes by text hash (``embeddings``)."""

    def cached_embeddings(self, text_hashes: list[str], embedder: str) -> dict[str, np.ndarray]:
        """Embeddings already computed by ``embedder``, by text hash (float32 vectors)."""
        if not text_hashes:
            return {}
        wanted = pd.DataFrame({"text_hash": list(dict.fromkeys(text_hashes))})
        with registered(self._con, "wanted_hashes", wanted):
            rows = self._con.execute(
                "SELECT e.text_hash, e.vector FROM embeddings e "
                "SEMI JOIN wanted_hashes USING (text_hash) WHERE e.embedder = ?",
                [embedder],
            ).fetchall()
        return {key: decode_vector(blob) for key, blob in rows}

    def store_embeddings(self, text_hashes: list[str], vectors: np.ndarray, embedder: str) -> int:
        """Cache embeddings (as float16) by text hash; returns how many were new."""
        if not text_hashes:
            return 0
        frame = pd.DataFrame(
            {
                "text_hash": text_hashes,
                "embedder": embedder,
                "dim": np.asarray(vectors).shape[1],
                "vector": encode_vectors(vectors),
                "created_at": utcnow(),
            }
        )
        with self.transaction() as con:
            return insert_rows(con, "embeddings", frame, list(frame.columns))
