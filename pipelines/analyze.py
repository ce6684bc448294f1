"""The ``analyze`` flow: stored feedback gets sentences, sentiment, touchpoints and topics.

Only records without an analysis of the current version are analysed: new feedback, or
every record after the sentiment model or the taxonomy changed (then from cached
embeddings, so re-tagging with an edited taxonomy costs no embedding). Run it with
``voc analyze``, or ``voc run`` (ingest, then analyse), or as a deployment. After the
analysis, topics are brought up to date (:mod:`voc.topics.store`: new sentences are
assigned to the stored topics, or the model is refitted when a new week arrived): the
``update-topics`` task. Then the insights that read the topics, pain points and survey
metrics, are recomputed: the ``update-insights`` task; then the owners of the pain
points that flared up are alerted (``send-alerts``, :mod:`pipelines.alerts`). Each step
is its own Prefect task and none recomputes another's output; the ``refit-topics`` and
``backfill`` flows call the insights step themselves (and send no alerts: they rewrite
the past).
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task

from pipelines.alerts import alerts_task
from pipelines.ingest import IO_RETRYING_TASK, ingest_flow
from pipelines.runs import recorded_run
from voc.analysis import Analyzer
from voc.config import load_config
from voc.errors import IngestFailed
from voc.pending import analyze_pending
from voc.run_ids import new_run_id as _new_run_id
from voc.store.warehouse import Warehouse


@task(name="analyze-pending", **IO_RETRYING_TASK)
def analyze_task(
    store_path: str,
    sentiment_model: str,
    taxonomy: str | None,
    run_id: str,
    chunk_size: int,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Analyse the pending records of the store; returns the summary as a dict."""
    logger = get_run_logger()
    analyzer = Analyzer.load(sentiment_model, taxonomy)
    loading = analyzer.warm_up()
    logger.info("models loaded in %.1f s (%s)", loading, analyzer.version)

    def progress(done: int, total: int) -> None:
        logger.info("analysed %d of %d records", done, total)

    with Warehouse(store_path) as store:
        summary = analyze_pending(store, analyzer, run_id, chunk_size=chunk_size, progress=progress)
    result = summary.to_dict()
    result["embedder"] = analyzer.embedder_name
    result["seconds"]["model_loading"] = round(loading, 2)
    logger.info(
        "analysed %d records (%d sentences; %d embedded, %d from the cache)",
        summary.analyzed,
        summary.sentences,
        summary.embedded,
        summary.cached,
    )
    return result


@task(name="update-topics", **IO_RETRYING_TASK)
def topics_task(
    store_path: str,
    embedder: str,
    run_id: str,
    refit: bool = False,
    labels: dict[int, str] | None = None,
    label_language: str = "en",
    vector_map: str | None = None,
) -> dict[str, Any]:
    """Refit or assign topics (nothing else: the insights are :func:`insights_task`)."""
    from voc.topics.store import update_topics

    logger = get_run_logger()
    with Warehouse(store_path) as store:
        result = update_topics(
            store,
            embedder,
            run_id,
            force_refit=refit,
            labels=labels,
            label_language=label_language,
            vector_map=vector_map,
        )
    topics = result["topics"]
    logger.info(
        "topics: %s%s, %d sentences, %d topics, %.1f%% other",
        topics["action"],
        f" ({topics['reason']})" if topics["reason"] else "",
        topics["sentences"],
        topics["topics"],
        100 * topics["other_share"],
    )
    for rename in topics.get("renames", []):  # labels a person gave topics the refit retired
        (logger.info if rename["carried_to"] is not None else logger.warning)(
            "topics: %s", rename["message"]
        )
    return result


@task(name="update-insights", **IO_RETRYING_TASK)
def insights_task(
    store_path: str,
    run_id: str,
    weeks: list[str] | None = None,
    count_weeks: list[str] | None = None,
) -> dict[str, Any]:
    """Recompute the pain points (of ``weeks``; every week when None) and the survey
    metrics (every week: that table is rebuilt as a whole) from the stored topics.

    Returns:
        ``{"pain_points": summary, "survey_metrics": rows}``; with ``weeks`` (or
        ``count_weeks``), the pain point summary also has ``rows_by_week`` for those
        weeks (0 for a week without rows).
    """
    from voc.insights.painpoints import compute_pain_points, compute_survey_metrics
    from voc.store.insights import pain_point_rows_by_week

    logger = get_run_logger()
    with Warehouse(store_path) as store:
        pain = compute_pain_points(store, run_id, weeks=weeks)
        counted = count_weeks if count_weeks is not None else weeks
        if counted is not None:
            pain["rows_by_week"] = dict.fromkeys(counted, 0) | pain_point_rows_by_week(
                store, counted
            )
        survey = compute_survey_metrics(store, run_id)
    logger.info(
        "pain points: %d rows over %d weeks%s, %d emerging topic-weeks; survey metric rows %d",
        pain["rows"],
        pain["weeks"],
        "" if weeks is None else f" (of {len(weeks)} asked for)",
        pain["emerging"],
        survey,
    )
    return {"pain_points": pain, "survey_metrics": survey}


@flow(name="analyze", persist_result=False)
def analyze_flow(
    config_path: str | None = None, run_id: str | None = None, insights: bool = True
) -> dict[str, Any]:
    """Analyse every stored record that lacks a current analysis, and record the run.

    Four steps, each a Prefect task: ``analyze-pending``, ``update-topics``,
    ``update-insights``, ``send-alerts`` (when ``alerts.enabled``; it never fails the run).

    Args:
        config_path: The config file (default: ``$VOC_CONFIG`` or ``configs/voc.yaml``).
        run_id: The run's id (default: a new one); its summary lands in ``runs``.
        insights: Recompute pain points and survey metrics after the topics (a caller
            that runs the insights step itself, such as backfill, passes False).

    Returns:
        ``{"run_id", "status", "store", "analysis": summary, "topics": {"topics": topics
        summary}, "insights": {"pain_points", "survey_metrics"}, "alerts": summary}`` (no
        ``insights`` nor ``alerts`` when not asked for; no ``alerts`` when disabled).
    """
    config = load_config(config_path)
    run_id = run_id or new_analyze_run_id()
    store_path = str(config.store.path)
    result: dict[str, Any] = {"run_id": run_id, "status": "failed", "store": store_path}
    with recorded_run(
        store_path, run_id, "analyze", result, lock_timeout=config.store.lock_timeout_seconds
    ):
        if config.execution.mode == "dask":
            # Chunks of records fan out to the cluster's workers (pipelines/scale.py).
            from pipelines.scale import analyze_on_cluster

            result["analysis"], result["topics"] = analyze_on_cluster(
                config, run_id, config.topics.labels, config.digest.language
            )
        else:
            result["analysis"] = analyze_task(
                store_path,
                config.analysis.sentiment_model,
                str(config.taxonomy) if config.taxonomy else None,
                run_id,
                config.analysis.chunk_size,
            )
            result["topics"] = topics_task(
                store_path,
                result["analysis"]["embedder"],
                run_id,
                labels=config.topics.labels,
                label_language=config.digest.language,
                vector_map=config.topics.map_name,
            )
        if insights:
            result["insights"] = insights_task(store_path, run_id)
            if config.alerts.enabled:
                result["alerts"] = alerts_task(config_path, store_path)
        result["status"] = "completed"
    return result


@flow(name="run", persist_result=False)
def run_flow(
    config_path: str | None = None,
    source_names: list[str] | None = None,
    force: bool = False,
    ingest_run_id: str | None = None,
    analyze_run_id: str | None = None,
) -> dict[str, Any]:
    """Ingest the configured sources, then analyse what is new.

    A source that fails to ingest does not stop the analysis of everything else that is
    stored; the run still ends failed, so a scheduler sees it. Both summaries are in the
    ``runs`` table under their run ids either way.

    Returns:
        ``{"ingest": ingest result, "analyze": analyse result}``.
    """
    config = load_config(config_path)
    if config.execution.mode == "dask":
        # One cluster for both steps: its workers load their models once per run.
        from pipelines.scale import dask_cluster

        with dask_cluster(config.execution):
            return _run_steps(config_path, source_names, force, ingest_run_id, analyze_run_id)
    return _run_steps(config_path, source_names, force, ingest_run_id, analyze_run_id)


def _run_steps(
    config_path: str | None,
    source_names: list[str] | None,
    force: bool,
    ingest_run_id: str | None,
    analyze_run_id: str | None,
) -> dict[str, Any]:
    logger = get_run_logger()
    ingest_error: IngestFailed | None = None
    ingest_result: dict[str, Any] | None = None
    try:
        ingest_result = ingest_flow(
            config_path=config_path, source_names=source_names, force=force, run_id=ingest_run_id
        )
    except IngestFailed as e:
        logger.error("%s; analysing what is stored anyway", e)
        ingest_error = e
    analyze_result = analyze_flow(config_path=config_path, run_id=analyze_run_id)
    if ingest_error is not None:
        raise ingest_error
    return {"ingest": ingest_result, "analyze": analyze_result}


def new_analyze_run_id() -> str:
    """A fresh analyse run id, e.g. ``analyze-3f9a1c0b2d4e``."""
    return _new_run_id("analyze")
