"""A topic refit's reading of the store in pieces (:func:`voc.topics.store.refit`): the
fit's hash sample found from the sentences' keys, and every embedded text assigned a piece
at a time (each sentence then takes its text's topic inside DuckDB), so that what a refit
holds is bounded by the sample and the piece, not the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from voc.store.sentence_pieces import (
    embedding_pieces,
    topic_sentence_chunks,
    topic_sentences_by_key,
    write_text_topics,
)
from voc.store.topics import UNDATED as _UNDATED
from voc.store.topics import topic_sentences
from voc.topics.model import OTHER, TopicModel

__all__ = ["Sample", "TopicCounts", "assign_texts", "hash_sample", "latest_week"]


def latest_week(frame: pd.DataFrame) -> str:
    """The latest dated week of ``frame``'s sentences (``undated`` when none is)."""
    weeks = frame.loc[frame["week"] != _UNDATED, "week"]
    return str(weeks.max()) if not weeks.empty else _UNDATED


@dataclass
class Sample:
    """The sentences a refit fits on, and what it learnt reading every stored one."""

    frame: pd.DataFrame  # feedback_id, sentence_index, text, language, week (store order)
    vectors: np.ndarray
    total: int  # every stored sentence with a vector of the embedder
    period: str  # the latest week of them


def hash_sample(store: Any, embedder: str, size: int, chunk_rows: int) -> Sample:
    """The ``size`` stored sentences first in :class:`TopicModel`'s hash order (the sample
    its fit clusters), reading the keys ``chunk_rows`` at a time: the candidates so far
    and one piece, never every key; read back with their vectors in store order. When
    every sentence fits in the sample, all of them (exactly
    :func:`voc.store.topics.topic_sentences`)."""
    from voc.topics.model import _hash_order

    best: pd.DataFrame | None = None
    total = 0
    period = _UNDATED
    for frame, _ in topic_sentence_chunks(
        store, embedder, only_unassigned=False, rows=chunk_rows, vectors=False
    ):
        total += len(frame)
        period = max((p for p in (period, latest_week(frame)) if p != _UNDATED), default=period)
        # The pieces come in no set order: the sample is the keys of the smallest hashes
        # (ties, two 64-bit hashes alike, by arrival), read back in store order below.
        keys = frame[["feedback_id", "sentence_index"]]
        candidates = keys if best is None else pd.concat([best, keys], ignore_index=True)
        # The ids refit() gives the fit (an int index: "f1:3", never "f1:3.0").
        ids = [
            f"{a}:{int(b)}"
            for a, b in zip(candidates["feedback_id"], candidates["sentence_index"], strict=True)
        ]
        keep = np.sort(_hash_order(ids)[:size])
        best = candidates.iloc[keep].reset_index(drop=True)
    if total <= size or best is None:
        frame, vectors = topic_sentences(store, embedder, only_unassigned=False)
    else:
        frame, vectors = topic_sentences_by_key(store, embedder, best)
    return Sample(frame, vectors, total, period)


class TopicCounts:
    """Sentences per topic, each topic's earliest dated week and the share of other, added
    up piece by piece."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.earliest: dict[int, str] = {}
        self.total = 0
        self.other = 0

    def add(self, topic_ids: np.ndarray, weeks: np.ndarray) -> None:
        self.total += len(topic_ids)
        self.other += int(np.sum(topic_ids == OTHER))
        for topic, size in zip(*np.unique(topic_ids, return_counts=True), strict=True):
            self.sizes[int(topic)] = self.sizes.get(int(topic), 0) + int(size)
        dated = pd.DataFrame({"topic": topic_ids, "week": weeks})
        dated = dated[dated["week"] != _UNDATED]
        first = dated.groupby("topic")["week"].min()
        for topic_id, week in zip(
            first.index.to_numpy(dtype=int).tolist(), first.tolist(), strict=True
        ):
            known = self.earliest.get(topic_id)
            self.earliest[topic_id] = week if known is None else min(known, week)

    def clear(self) -> None:
        """Start again (a write that is run again counts its sentences again)."""
        self.sizes.clear()
        self.earliest.clear()
        self.total = self.other = 0

    def add_totals(self, per_topic: pd.DataFrame) -> None:
        """Add counts made in the store: ``topic_id``, ``sentences`` and ``earliest`` (the
        earliest dated week, null when none) per topic
        (:func:`voc.store.sentence_pieces.write_text_topics`)."""
        for topic, size, week in per_topic[["topic_id", "sentences", "earliest"]].itertuples(
            index=False
        ):
            self.total += int(size)
            self.other += int(size) if int(topic) == OTHER else 0
            self.sizes[int(topic)] = self.sizes.get(int(topic), 0) + int(size)
            if isinstance(week, str):
                known = self.earliest.get(int(topic))
                self.earliest[int(topic)] = week if known is None else min(known, week)

    @property
    def other_share(self) -> float:
        return self.other / self.total if self.total else 0.0


def assign_texts(
    store: Any, embedder: str, model: TopicModel, run_id: str, chunk_rows: int, counted: TopicCounts
) -> Callable[[], None]:
    """Every stored sentence's topic with the fitted model, as a function that
    :func:`voc.store.topics.replace_topics` calls in its transaction: each embedded text
    is assigned once, ``chunk_rows`` vectors at a time (what the model gives a sentence
    depends only on its vector, and the store keeps one per text), then every sentence
    gets its text's topic inside DuckDB, and ``counted`` counts them."""

    def pieces() -> Iterator[pd.DataFrame]:
        for hashes, vectors in embedding_pieces(store, embedder, chunk_rows):
            topic_ids, similarities = model.assign(vectors)
            yield pd.DataFrame(
                {
                    "text_hash": hashes,
                    "topic_id": topic_ids.astype(np.int32),
                    "similarity": similarities.astype(np.float32),
                }
            )

    def write() -> None:
        counted.clear()  # run again when the store's transaction ran out of memory
        counted.add_totals(write_text_topics(store, pieces(), run_id))

    return write
