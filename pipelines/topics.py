"""The ``refit-topics`` flow: refit the topic model on everything stored, now.

The analyse flow refits on its own when a new ISO week arrives or too many new sentences
fall outside every topic (:func:`voc.topics.store.refit_due`); this flow forces a refit
(after a backfill, or on a schedule of its own). Topic ids and labels survive a refit:
the registry matches the new clusters to the known topics.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from pipelines.analyze import insights_task, new_analyze_run_id, topics_task
from pipelines.runs import recorded_run
from voc.config import load_config
from voc.models.loaders import load_sentiment


@flow(name="refit-topics", persist_result=False)
def refit_topics_flow(config_path: str | None = None, run_id: str | None = None) -> dict[str, Any]:
    """Refit topics on every analysed sentence, update the registry, recompute pain points.

    Returns:
        ``{"run_id", "status", "topics": {...}, "insights": {"pain_points",
        "survey_metrics"}}``: the topics step, then the insights step that reads them.
    """
    config = load_config(config_path)
    run_id = run_id or new_analyze_run_id().replace("analyze-", "topics-")
    # The topics read the embeddings the analysis cached: those of the model's embedder.
    embedder = load_sentiment(config.analysis.sentiment_model).embedder
    store_path = str(config.store.path)
    result: dict[str, Any] = {"run_id": run_id, "status": "failed", "store": store_path}
    with recorded_run(
        store_path, run_id, "refit-topics", result, lock_timeout=config.store.lock_timeout_seconds
    ):
        result["topics"] = topics_task(
            store_path,
            embedder,
            run_id,
            refit=True,
            labels=config.topics.labels,
            label_language=config.digest.language,
            vector_map=config.topics.map_name,
        )
        result["insights"] = insights_task(store_path, run_id)
        result["status"] = "completed"
    return result
