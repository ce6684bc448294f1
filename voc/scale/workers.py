"""Models a worker process loads once and keeps for every task it runs.

A Dask worker runs many tasks in one long-lived process; loading the embedder, the
sentiment head, the touchpoint tagger or the spaCy name models per task would cost more
than the task. These caches live at module level, so they last as long as the process;
:func:`load_counts` says how many times each was loaded here (the LocalCluster test asks
every worker, through ``Client.run``, and expects one load per process).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from typing import Any

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_analyzers: dict[tuple[str, str | None, tuple[int, int] | None], Any] = {}
_cleaners: dict[str, Any] = {}
_loads: Counter[str] = Counter()
_load_seconds: dict[str, float] = {}


def load_counts() -> dict[str, Any]:
    """``{"pid": this process, "analyzer": loads, "cleaner": loads}`` in this process."""
    return {"pid": os.getpid(), **dict(_loads)}


def flow_threads() -> tuple[int, int]:
    """This process's torch and BLAS thread counts (the flow passes them to workers)."""
    import torch
    from threadpoolctl import threadpool_info

    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return torch.get_num_threads(), max(blas, default=1)


def match_threads(threads: tuple[int, int] | None) -> None:
    """Use the flow's torch and BLAS thread counts in this process.

    Float sums depend on how many threads share them (last bits of an embedding, of a
    cosine); the same counts are what make a cluster run store exactly what an in-process
    run stores. Dask starts workers with one BLAS thread (``OMP_NUM_THREADS=1``); a worker
    runs one task at a time (``--nthreads 1``), so setting them process-wide is safe.
    """
    if not threads:
        return
    import torch
    from threadpoolctl import threadpool_limits

    torch_threads, blas_threads = threads
    if torch.get_num_threads() != torch_threads:
        torch.set_num_threads(torch_threads)
    threadpool_limits(limits=blas_threads, user_api="blas")


def analyzer(
    sentiment_model: str, taxonomy: str | None, threads: tuple[int, int] | None = None
) -> Any:
    """The analyser for these settings, loaded and warmed up once per process.

    Args:
        sentiment_model: Name or folder of the sentiment model.
        taxonomy: The taxonomy YAML (None: the default one).
        threads: The flow's torch and BLAS thread counts (:func:`match_threads`).
    """
    key = (sentiment_model, taxonomy, threads)
    match_threads(threads)
    with _lock:
        loaded = _analyzers.get(key)
        if loaded is None:
            from voc.analysis import Analyzer

            started = time.perf_counter()
            loaded = Analyzer.load(sentiment_model, taxonomy)
            loaded.warm_up()
            seconds = time.perf_counter() - started
            _analyzers[key] = loaded
            _loads["analyzer"] += 1
            _load_seconds["analyzer"] = _load_seconds.get("analyzer", 0.0) + seconds
            logger.info("pid %d loaded the analyser in %.1f s", os.getpid(), seconds)
        return loaded


def loading_seconds() -> float:
    """Seconds this process has spent loading models so far (tasks report the change, so
    a run can report model loading apart from throughput)."""
    return float(sum(_load_seconds.values()))


def cleaner(source: Any, settings: Any, threads: tuple[int, int] | None = None) -> Any:
    """The :class:`voc.ingest.FeedbackCleaner` of a source, its language and name models
    loaded once per process (keyed by the source's and the settings' whole config), run
    with the flow's thread counts (:func:`match_threads`)."""
    match_threads(threads)
    key = source.model_dump_json() + settings.model_dump_json()
    with _lock:
        loaded = _cleaners.get(key)
        if loaded is None:
            from voc.ingest import FeedbackCleaner

            started = time.perf_counter()
            loaded = FeedbackCleaner(source, settings)
            loaded._ensure_loaded()
            _cleaners[key] = loaded
            _loads["cleaner"] += 1
            _load_seconds["cleaner"] = (
                _load_seconds.get("cleaner", 0.0) + time.perf_counter() - started
            )
        return loaded
