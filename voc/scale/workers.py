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
from collections import Counter
from typing import Any

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_analyzers: dict[tuple[str, str | None, int | None], Any] = {}
_cleaners: dict[str, Any] = {}
_loads: Counter[str] = Counter()


def load_counts() -> dict[str, Any]:
    """``{"pid": this process, "analyzer": loads, "cleaner": loads}`` in this process."""
    return {"pid": os.getpid(), **dict(_loads)}


def analyzer(sentiment_model: str, taxonomy: str | None, threads: int | None = None) -> Any:
    """The analyser for these settings, loaded and warmed up once per process.

    Args:
        sentiment_model: Name or folder of the sentiment model.
        taxonomy: The taxonomy YAML (None: the default one).
        threads: torch's intra-op threads. The flow passes its own count: the embedder's
            float sums depend on it in the last bits, and the same bits are what make a
            cluster run store exactly what an in-process run stores.
    """
    key = (sentiment_model, taxonomy, threads)
    with _lock:
        loaded = _analyzers.get(key)
        if loaded is None:
            from voc.analysis import Analyzer

            if threads:
                import torch

                torch.set_num_threads(threads)
            loaded = Analyzer.load(sentiment_model, taxonomy)
            seconds = loaded.warm_up()
            _analyzers[key] = loaded
            _loads["analyzer"] += 1
            logger.info("pid %d loaded the analyser in %.1f s", os.getpid(), seconds)
        return loaded


def cleaner(source: Any, settings: Any) -> Any:
    """The :class:`voc.ingest.FeedbackCleaner` of a source, its language and name models
    loaded once per process (keyed by the source's and the settings' whole config)."""
    key = source.model_dump_json() + settings.model_dump_json()
    with _lock:
        loaded = _cleaners.get(key)
        if loaded is None:
            from voc.ingest import FeedbackCleaner

            loaded = FeedbackCleaner(source, settings)
            loaded._ensure_loaded()
            _cleaners[key] = loaded
            _loads["cleaner"] += 1
        return loaded
