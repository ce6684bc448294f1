"""The analyse step over the store: every record without a current analysis, chunk by
chunk.

:func:`analyze_pending` reads the pending records, analyses each chunk within its time
budgets (:func:`voc.budgets.analyze_within_budget`), embedding through the store's cache
(:class:`CachedEmbedding`), and writes the chunk's analysis, sentences and new cache
vectors in one transaction, so a crash loses at most the chunk being written (and the
one being analysed) and a re-run carries on. The write of chunk k runs on a thread of its
own, on a connection of its own (:meth:`Warehouse.apart`), while chunk k + 1 is read and
analysed here: one write at a time, in order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from voc.analysis import Analyzer, result_rows, text_hash
from voc.budgets import RECORD_SECONDS, analyze_within_budget
from voc.faults import fault_point
from voc.models.embedders import Embedder
from voc.store.frames import utcnow
from voc.store.sentences import SENTENCE_COLUMNS
from voc.store.vectors import VECTOR_DTYPE

__all__ = ["AnalyzeSummary", "CachedEmbedding", "analyze_pending"]

logger = logging.getLogger(__name__)


class CachedEmbedding:
    """An ``embed`` function for :meth:`Analyzer.analyze` backed by the store's cache.

    Texts whose hash is cached are read back (float16 in the store, so within 1e-3 of the
    original); the rest are embedded and written to the cache.

    With ``defer_writes`` the new vectors are kept here, float16 as the store keeps them,
    until :meth:`hand_over` gives them to the writer of the chunk (:func:`analyze_pending`
    writes them with the chunk's analysis, on its writer thread); reads find them here
    until :meth:`written` says they are in the store, so a text embedded by one chunk is
    read back by the next exactly as if it had been written at once.

    Attributes:
        hits, misses: How many distinct texts came from the cache / were embedded.
    """

    def __init__(
        self, store: Any, embedder: Embedder, embedder_name: str, defer_writes: bool = False
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.embedder_name = embedder_name
        self.defer_writes = defer_writes
        self.hits = 0
        self.misses = 0
        # Cache name -> text hash -> float16 vector: not handed over yet / being written.
        self._unwritten: dict[str, dict[str, np.ndarray]] = {}
        self._writing: dict[str, dict[str, np.ndarray]] = {}

    def _cached(self, hashes: list[str], name: str) -> dict[str, np.ndarray]:
        """The store's cached vectors of ``hashes`` under ``name``, and the ones kept here."""
        found: dict[str, np.ndarray] = self.store.cached_embeddings(hashes, name)
        for kept in (self._writing.get(name), self._unwritten.get(name)):
            if kept:
                for key in hashes:
                    if key not in found and key in kept:
                        found[key] = kept[key].astype(np.float32)  # as decode_vector reads it
        return found

    def _store(self, keys: list[str], vectors: np.ndarray, name: str) -> None:
        if not self.defer_writes:
            self.store.store_embeddings(keys, vectors, name)
            return
        kept = self._unwritten.setdefault(name, {})
        kept.update(zip(keys, np.asarray(vectors, dtype=VECTOR_DTYPE), strict=True))

    def hand_over(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """The vectors embedded since the last hand-over, by cache name: ``(text hashes,
        float16 matrix)`` for :meth:`Warehouse.store_embeddings`. Reads keep finding them
        until :meth:`written`."""
        self._writing, self._unwritten = self._unwritten, {}
        return {
            name: (list(kept), np.stack(list(kept.values())))
            for name, kept in self._writing.items()
            if kept
        }

    def written(self) -> None:
        """The vectors last handed over are in the store now."""
        self._writing = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [text_hash(text) for text in texts]
        cached = self._cached(hashes, self.embedder_name)
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        missing = [i for i, key in enumerate(hashes) if key not in cached]
        for i, key in enumerate(hashes):
            if key in cached:
                out[i] = cached[key]
        if missing:
            fresh = self.embedder.embed([texts[i] for i in missing])
            out[missing] = fresh
            self._store([hashes[i] for i in missing], fresh, self.embedder_name)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return out

    def with_pooled(self, texts: Sequence[str], model: Any) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings and pooled features (cached under ``<embedder>:pooled``, or the
        model's own name for them: :func:`voc.models.use_tuned.pooled_cache_name`), one
        pass for the texts missing either."""
        from voc.models.use_tuned import pooled_cache_name

        hashes = [text_hash(text) for text in texts]
        pooled_name = pooled_cache_name(self.embedder_name, model)
        assert pooled_name is not None  # only models that read pooled features come here
        cached = self._cached(hashes, self.embedder_name)
        cached_pooled = self._cached(hashes, pooled_name)
        missing = [
            i for i, key in enumerate(hashes) if key not in cached or key not in cached_pooled
        ]
        fresh_rows = set(missing)  # built once: a set per text made this quadratic
        done = [i for i in range(len(texts)) if i not in fresh_rows]
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        pooled = np.zeros((len(texts), model.pooled_dim), dtype=np.float32)
        for i in done:
            out[i] = cached[hashes[i]]
            pooled[i] = cached_pooled[hashes[i]]
        if missing:
            fresh, fresh_pooled = model.embed_with_pooled([texts[i] for i in missing])
            out[missing] = fresh
            pooled[missing] = fresh_pooled
            keys = [hashes[i] for i in missing]
            new = [j for j, key in enumerate(keys) if key not in cached]
            if new:
                self._store([keys[j] for j in new], fresh[new], self.embedder_name)
            new = [j for j, key in enumerate(keys) if key not in cached_pooled]
            if new:
                self._store([keys[j] for j in new], fresh_pooled[new], pooled_name)
        self.hits += len(done)
        self.misses += len(missing)
        return out, pooled


@dataclass
class AnalyzeSummary:
    """What one analyse run did.

    Attributes:
        analyzed: Records analysed (new, or re-analysed for a new version).
        sentences: Sentences written.
        no_text: Records with nothing to analyse (stored with ``error``).
        embedded: Distinct sentences embedded; ``cached``: read from the cache instead.
        seconds: Wall time, and per step; ``waiting_for_writes`` is the time the
            analysis stood still until the writer thread had written the chunk before
            (what the writes cost beyond the analysis, as the writer overlaps it).
        version: The analysis version written.
        timed_out: Records that ran over their time budget (stored with ``error``
            ``analysis_timeout``; a new version analyses them again).
        truncated: Records longer than :data:`MAX_RECORD_CHARS`, analysed up to it;
            ``chars_not_analysed``: the characters past it, summed.
    """

    analyzed: int = 0
    sentences: int = 0
    no_text: int = 0
    embedded: int = 0
    cached: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    version: str = ""
    timed_out: int = 0
    truncated: int = 0
    chars_not_analysed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return {
            "analyzed": self.analyzed,
            "sentences": self.sentences,
            "no_text": self.no_text,
            "embedded": self.embedded,
            "cached": self.cached,
            "timed_out": self.timed_out,
            "truncated": self.truncated,
            "chars_not_analysed": self.chars_not_analysed,
            "seconds": {key: round(value, 2) for key, value in self.seconds.items()},
            "version": self.version,
        }


def analyze_pending(
    store: Any,
    analyzer: Analyzer,
    run_id: str,
    chunk_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
    chunk_seconds: float | None = None,
    record_seconds: float = RECORD_SECONDS,
) -> AnalyzeSummary:
    """Analyse every stored record that lacks an analysis of ``analyzer.version``.

    Works in chunks of ``chunk_size`` records, each written in one transaction (its
    analysis, its sentences and the vectors it added to the embedding cache), so a crash
    loses at most the chunk being written and a re-run carries on where it stopped. Chunk
    k is written on a thread of its own while chunk k + 1 is analysed here; a failed
    write is raised (as it was raised) once chunk k + 1 is analysed, before anything
    more is written.

    Args:
        store: An open :class:`voc.store.warehouse.Warehouse`.
        analyzer: The models.
        run_id: Recorded with each analysis row.
        chunk_size: Records per chunk.
        progress: Called with ``(done, total)`` after each chunk is written.
        chunk_seconds, record_seconds: Time budgets (:func:`analyze_within_budget`): a
            record that runs over is stored with ``error`` ``analysis_timeout`` and the run
            goes on, so it is not pending again and never stalls a later run.

    Returns:
        An :class:`AnalyzeSummary`.
    """
    started = time.perf_counter()
    summary = AnalyzeSummary(version=analyzer.version)
    total = store.count_pending_analysis(summary.version)
    embed = CachedEmbedding(store, analyzer.embedder, analyzer.embedder_name, defer_writes=True)
    # Chunk k is written on the writer thread, on a connection of its own, while chunk k + 1
    # is read and analysed here; one write at a time, in order.
    with (
        store.apart() as writer_store,
        ThreadPoolExecutor(1, thread_name_prefix="voc-analysis-write") as writer,
    ):
        writing: tuple[Future[None], int, int] | None = None  # a write, its rows, sentences
        after: tuple[Any, str] | None = None

        def wait_for_write() -> None:
            """Wait for the chunk being written; raises what its write raised."""
            nonlocal writing
            if writing is None:
                return
            future, records, sentences = writing
            writing = None
            clock = time.perf_counter()
            future.result()
            waited = time.perf_counter() - clock
            summary.seconds["waiting_for_writes"] = (
                summary.seconds.get("waiting_for_writes", 0.0) + waited
            )
            embed.written()
            summary.analyzed += records
            summary.sentences += sentences
            if progress is not None:
                progress(summary.analyzed, total)

        try:
            while True:
                # The chunk being written is still pending in the store: read past it.
                batch = store.pending_analysis(summary.version, chunk_size, after)
                if batch.empty:
                    break
                last = batch.iloc[-1]
                after = (last["created_at"], str(last["feedback_id"]))
                records, sentences = _analyze_chunk(
                    analyzer, batch, embed, summary, run_id, chunk_seconds, record_seconds
                )
                wait_for_write()
                future = writer.submit(
                    _write_chunk, writer_store, embed.hand_over(), records, sentences
                )
                writing = (future, len(records), len(sentences))
            wait_for_write()
        except BaseException:
            # The chunk being written still lands (the executor waits for it); what
            # failed here is what is raised.
            if writing is not None:
                error = writing[0].exception()
                if error is not None:
                    logger.error("writing an analysed chunk failed as well: %r", error)
            raise
    summary.embedded, summary.cached = embed.misses, embed.hits
    summary.seconds["total"] = time.perf_counter() - started
    return summary


def _analyze_chunk(
    analyzer: Analyzer,
    batch: pd.DataFrame,
    embed: CachedEmbedding,
    summary: AnalyzeSummary,
    run_id: str,
    chunk_seconds: float | None,
    record_seconds: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``analysis`` and ``sentences`` rows of one chunk of pending records (its
    counts and step seconds added to ``summary``)."""
    result = analyze_within_budget(
        analyzer,
        batch["text"].tolist(),
        batch["language"].tolist(),
        embed,
        chunk_seconds,
        record_seconds,
        on_timeout=embed.store.end_cut_off_transaction,
    )
    for step, seconds in result.seconds.items():
        summary.seconds[step] = summary.seconds.get(step, 0.0) + seconds
    now = utcnow()
    built = result_rows(
        result,
        batch["feedback_id"].tolist(),
        batch["touchpoint"].tolist(),
        batch["language"].tolist(),
        analyzer.taxonomy.names,
    )
    rows = [
        {**row, "version": summary.version, "run_id": run_id, "analyzed_at": now}
        for row in built.records
    ]
    summary.no_text += built.counts["no_text"]
    summary.timed_out += built.counts["timed_out"]
    summary.truncated += built.counts["truncated"]
    summary.chars_not_analysed += built.counts["chars_not_analysed"]
    return pd.DataFrame(rows), pd.DataFrame(built.sentences, columns=SENTENCE_COLUMNS)


def _write_chunk(
    store: Any,
    embeddings: dict[str, tuple[list[str], np.ndarray]],
    records: pd.DataFrame,
    sentences: pd.DataFrame,
) -> None:
    """One chunk in one transaction: the vectors it embedded (the cache), its analysis
    and its sentences (the writer thread's work in :func:`analyze_pending`)."""
    with store.transaction():
        for name, (keys, vectors) in embeddings.items():
            store.store_embeddings(keys, vectors, name)
        store.write_analysis(records, sentences)
    fault_point("analyze")  # crash tests only (voc/faults.py); a no-op otherwise
