"""Time budgets: no record can stall the analysis (see "Poison records" in
docs/architecture.md).

:func:`analyze_within_budget` runs :meth:`voc.analysis.Analyzer.analyze` on a chunk of
records within :func:`run_with_budget`; when the chunk runs over, its records are analysed
one by one, and one that still runs over comes out with ``error``
:data:`voc.analysis.TIMED_OUT`. Used by the store's analyse step (:mod:`voc.pending`) and by
the Dask workers (:mod:`voc.scale.analysis`).
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from voc.analysis import (
    TIMED_OUT,
    AnalysisResult,
    Analyzer,
    EmbedFunction,
    RecordAnalysis,
    SentenceAnalysis,
)

__all__ = [
    "CHUNK_BASE_SECONDS",
    "CHUNK_SECONDS_PER_RECORD",
    "RECORD_SECONDS",
    "AnalysisTimeout",
    "analyze_within_budget",
    "run_with_budget",
]

logger = logging.getLogger(__name__)

#: Time budget of one chunk of records (:func:`voc.pending.analyze_pending`): a base,
#: plus per record.
CHUNK_BASE_SECONDS = 60.0
CHUNK_SECONDS_PER_RECORD = 0.25
#: Time budget of one record when its chunk ran over and records are retried one by one.
RECORD_SECONDS = 60.0


class AnalysisTimeout(BaseException):
    """Raised inside the analysing thread when its time budget is spent.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that no library's ``except
    Exception`` swallows it; :func:`run_with_budget` turns it back into a result.
    """


def run_with_budget(function: Callable[[], Any], seconds: float) -> Any:
    """Call ``function()`` in this thread; stop it once it runs longer than ``seconds``.

    A watchdog thread raises :class:`AnalysisTimeout` in this thread when the budget is
    spent (``PyThreadState_SetAsyncExc``; again every second until it lands). It lands at
    the next Python bytecode: pure-Python loops such as VADER's stop at once, a long call
    into C (a torch matmul) when it returns. Signals are no alternative: Prefect runs
    tasks in worker threads, where ``signal.alarm`` cannot be used.

    Raises:
        AnalysisTimeout: the budget was spent.
    """
    target = threading.get_ident()
    done = threading.Event()
    lock = threading.Lock()
    fired = False

    def watchdog() -> None:
        nonlocal fired
        if done.wait(seconds):
            return
        while True:
            with lock:
                if done.is_set():
                    return
                fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(AnalysisTimeout)
                )
            if done.wait(1.0):
                return

    guard = threading.Thread(target=watchdog, name="voc-analysis-budget", daemon=True)
    guard.start()
    try:
        return function()
    finally:
        # Stop the watchdog, and drop a timeout it set that has not landed yet, so that it
        # cannot land after this function returned. If it lands in here, try again: an
        # AnalysisTimeout from function() is then still on its way out, and a result that
        # came first is still returned.
        while True:
            try:
                with lock:
                    done.set()
                    if fired:
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
                break
            except AnalysisTimeout:
                continue
        guard.join()


def analyze_within_budget(
    analyzer: Analyzer,
    texts: Sequence[str | None],
    languages: Sequence[str | None],
    embed: EmbedFunction | None = None,
    chunk_seconds: float | None = None,
    record_seconds: float = RECORD_SECONDS,
    on_timeout: Callable[[], None] | None = None,
) -> AnalysisResult:
    """:meth:`Analyzer.analyze` with time budgets: a record can never stall a run.

    The chunk gets ``chunk_seconds`` (default: :data:`CHUNK_BASE_SECONDS` plus
    :data:`CHUNK_SECONDS_PER_RECORD` per record). When it runs over, its records are
    analysed again one by one with ``record_seconds`` each; a record that runs over that
    gets ``error`` :data:`TIMED_OUT` and no sentences, and the others their analysis.
    ``on_timeout`` is called after each timeout (the store uses it to end a transaction the
    timeout may have cut off).
    """
    if chunk_seconds is None:
        chunk_seconds = CHUNK_BASE_SECONDS + CHUNK_SECONDS_PER_RECORD * len(texts)
    try:
        return run_with_budget(lambda: analyzer.analyze(texts, languages, embed), chunk_seconds)
    except AnalysisTimeout:
        if on_timeout is not None:
            on_timeout()
        logger.warning(
            "analysing %d records took over %.0f s; analysing them one by one, %.0f s each",
            len(texts),
            chunk_seconds,
            record_seconds,
        )
    parts: list[AnalysisResult] = []
    for text, language in zip(texts, languages, strict=True):
        try:
            parts.append(
                run_with_budget(
                    functools.partial(analyzer.analyze, [text], [language], embed),
                    record_seconds,
                )
            )
        except AnalysisTimeout:
            if on_timeout is not None:
                on_timeout()
            logger.warning(
                "a record of %d characters took over %.0f s to analyse: marked %s",
                len(text or ""),
                record_seconds,
                TIMED_OUT,
            )
            failed = RecordAnalysis(None, None, False, (), 0, TIMED_OUT)
            parts.append(
                AnalysisResult([failed], [], np.zeros((0, analyzer.embedder.dim), dtype=np.float32))
            )
    return _concatenate(parts, analyzer.embedder.dim)


def _concatenate(parts: list[AnalysisResult], dim: int) -> AnalysisResult:
    """One result from results of consecutive slices of the records."""
    records: list[RecordAnalysis] = []
    sentences: list[SentenceAnalysis] = []
    seconds: dict[str, float] = {}
    for part in parts:
        offset = len(records)
        records.extend(part.records)
        sentences.extend(dataclasses.replace(s, record=s.record + offset) for s in part.sentences)
        for step, value in part.seconds.items():
            seconds[step] = seconds.get(step, 0.0) + value
    embeddings = [part.embeddings for part in parts if len(part.embeddings)]
    return AnalysisResult(
        records,
        sentences,
        np.vstack(embeddings) if embeddings else np.zeros((0, dim), dtype=np.float32),
        seconds,
    )
