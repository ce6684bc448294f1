"""Stored sentences and their vectors read in pieces: what a reader of every sentence (a
topic refit, an assignment) holds at a time is one piece, whatever the store's size.

The rows are those of :func:`voc.store.topics.topic_sentences`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from voc.store.frames import insert_rows
from voc.store.frames import registered as _registered
from voc.store.topics import UNDATED
from voc.store.vectors import decode_matrix
from voc.store.warehouse import Warehouse

__all__ = [
    "embedding_pieces",
    "topic_sentence_chunks",
    "topic_sentences_by_key",
    "write_text_topics",
]


def topic_sentence_chunks(
    store: Warehouse, embedder: str, only_unassigned: bool, rows: int, vectors: bool = True
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """:func:`topic_sentences` in pieces of about ``rows`` sentences (a multiple of
    DuckDB's 2,048-row vectors), **in no particular order**, so that a reader of every
    sentence holds one piece at a time, whatever the store's size.

    One query, streamed on a cursor of its own (DuckDB's memory is bounded by its
    ``memory_limit``, see :class:`Warehouse`), from a snapshot taken when it starts: rows
    the caller writes meanwhile on the store's connection (sentences' topics) do not
    change what it reads. With ``vectors=False`` the pieces hold only ``feedback_id``,
    ``sentence_index`` and ``week`` and their matrix is empty.
    """
    where = (
        "WHERE NOT EXISTS (SELECT 1 FROM sentence_topics t WHERE t.feedback_id = s.feedback_id "
        "AND t.sentence_index = s.sentence_index)"
        if only_unassigned
        else ""
    )
    columns = "s.text, s.language, s.sentiment, e.vector," if vectors else ""
    cursor = store._con.cursor()
    try:
        cursor.execute(
            f"""
            SELECT s.feedback_id, s.sentence_index, {columns}
                   coalesce(strftime(f.created_at, '%G-W%V'), ?) AS week
            FROM sentences s
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ?
            JOIN feedback f USING (feedback_id)
            {where}
            """,
            [UNDATED, embedder],
        )
        while True:
            frame = cursor.fetch_df_chunk(max(1, rows // 2048))
            if frame.empty:
                return
            if vectors:
                matrix = decode_matrix(b"".join(bytes(v) for v in frame["vector"]), len(frame))
                frame = frame.drop(columns="vector")
            else:
                matrix = np.zeros((0, 0), dtype=np.float32)
            yield frame, matrix
    finally:
        cursor.close()


def topic_sentences_by_key(
    store: Warehouse, embedder: str, keys: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """The :func:`topic_sentences` rows of ``keys`` (``feedback_id``, ``sentence_index``),
    in the same order (by record and index), with their vectors."""
    with _registered(store._con, "wanted_sentences", keys[["feedback_id", "sentence_index"]]):
        frame = store._con.execute(
            """
            SELECT s.feedback_id, s.sentence_index, s.text, s.language, s.sentiment, e.vector,
                   coalesce(strftime(f.created_at, '%G-W%V'), ?) AS week
            FROM sentences s
            SEMI JOIN wanted_sentences w USING (feedback_id, sentence_index)
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ?
            JOIN feedback f USING (feedback_id)
            ORDER BY s.feedback_id, s.sentence_index
            """,
            [UNDATED, embedder],
        ).df()
    if frame.empty:
        return frame.drop(columns="vector"), np.zeros((0, 0), dtype=np.float32)
    vectors = decode_matrix(b"".join(bytes(v) for v in frame["vector"]), len(frame))
    return frame.drop(columns="vector"), vectors


def embedding_pieces(
    store: Warehouse, embedder: str, rows: int
) -> Iterator[tuple[list[str], np.ndarray]]:
    """Every stored vector of ``embedder`` with its text hash, in pieces of about ``rows``
    (in no particular order), streamed on a cursor of its own from a snapshot taken when
    it starts.

    A scan of ``embeddings`` and nothing else: a join of the sentences to their vectors
    (:func:`topic_sentence_chunks`) builds its hash table on the embeddings, every vector
    of the store at once in DuckDB's memory (about 1 KB a sentence); here DuckDB holds one
    piece. A refit assigns these (:func:`write_text_topics` gives each sentence its
    text's topic).
    """
    cursor = store._con.cursor()
    try:
        cursor.execute("SELECT text_hash, vector FROM embeddings WHERE embedder = ?", [embedder])
        while True:
            frame = cursor.fetch_df_chunk(max(1, rows // 2048))
            if frame.empty:
                return
            matrix = decode_matrix(b"".join(bytes(v) for v in frame["vector"]), len(frame))
            yield frame["text_hash"].tolist(), matrix
    finally:
        cursor.close()


def write_text_topics(
    store: Warehouse, pieces: Iterable[pd.DataFrame], run_id: str
) -> pd.DataFrame:
    """Every sentence's topic from its text's, inside the caller's transaction, after the
    sentences' topics were emptied (:func:`voc.store.topics.replace_topics`).

    ``pieces`` are frames of ``text_hash``, ``topic_id``, ``similarity`` (the topic of each
    embedded text, :func:`embedding_pieces`), kept in a temporary table while they come;
    then each sentence with a record gets the row of its text, as
    :func:`topic_sentence_chunks` would have read it (the same vector, so the same topic).

    Returns:
        Per topic: ``topic_id``, ``sentences`` and ``earliest`` (the earliest ISO week of
        its dated sentences; null when none is dated).
    """
    con = store._con
    # Created in the caller's transaction: a failure rolls it back with everything else.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE refit_text_topics "
        "(text_hash VARCHAR, topic_id INTEGER, similarity REAL)"
    )
    for piece in pieces:
        insert_rows(
            con, "refit_text_topics", piece, ["text_hash", "topic_id", "similarity"], keyed=False
        )
    con.execute(
        """
        INSERT INTO sentence_topics (feedback_id, sentence_index, topic_id, similarity, run_id)
        SELECT s.feedback_id, s.sentence_index, t.topic_id, t.similarity, ?
        FROM sentences s
        JOIN refit_text_topics t USING (text_hash)
        SEMI JOIN feedback f USING (feedback_id)
        """,
        [run_id],
    )
    con.execute("DROP TABLE refit_text_topics")
    return con.execute(
        """
        SELECT t.topic_id, count(*) AS sentences,
               min(strftime(f.created_at, '%G-W%V')) AS earliest
        FROM sentence_topics t JOIN feedback f USING (feedback_id)
        GROUP BY t.topic_id
        """
    ).df()
