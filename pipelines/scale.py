"""The flows' work on a Dask cluster (``execution: {mode: dask}`` in the config).

Prefect's ``DaskTaskRunner`` (prefect-dask) sends the fanned-out tasks to the cluster's
workers; the tasks call :mod:`voc.scale` and write Parquet shards; the store's one writer
(the flow's own process, which holds the store's writer lock) commits them in a fixed
order and removes them. No business logic here: planning, fanning out, committing.

- :func:`dask_cluster`: the cluster of a run (an existing scheduler, or a LocalCluster of
  ``workers`` processes started for the run and shared by its nested flows).
- :func:`ingest_on_cluster`: a task per file part (``clean-part``), then ``commit-ingest``
  per source.
- :func:`analyze_on_cluster`: ``split-chunk``, ``embed-chunk`` and ``analyze-chunk`` per
  chunk of records, ``commit-embeddings`` and ``commit-analysis`` in chunk order; then
  topics: a due refit runs in the flow's process as before (it fits on a sample), an
  assignment fans out (``assign-topics``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from voc.config import ExecutionConfig, IngestConfig, SourceConfig, VocConfig
from voc.errors import ConfigError, VocError
from voc.scale import analysis as scale_analysis
from voc.scale import ingest as scale_ingest
from voc.scale import shards
from voc.scale.workers import flow_threads
from voc.store.warehouse import Warehouse

logger = logging.getLogger(__name__)

_ADDRESS: ContextVar[str | None] = ContextVar("voc_dask_address", default=None)


def _not_config_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a worker's task unless the config is wrong (that fails the same way again)."""
    try:
        state.result()
    except ConfigError:
        return False
    except Exception:
        return True
    return False


#: Settings of every task that runs on a worker: retried (a worker's I/O on the shard
#: path, a lost worker), never cached or persisted (the shards are the results).
WORKER_TASK: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": 2,
    "retry_condition_fn": _not_config_error,
    "cache_policy": NONE,
    "persist_result": False,
}
#: The writer's tasks run in the flow's process (called, not submitted).
WRITER_TASK: dict[str, Any] = {"cache_policy": NONE, "persist_result": False}


@contextmanager
def dask_cluster(execution: ExecutionConfig) -> Iterator[str]:
    """The scheduler address of this run's cluster.

    With ``address``, that cluster; with ``workers: N``, a ``distributed.LocalCluster``
    of N worker processes (one thread each) started now and closed at the end. A nested
    flow (``run`` calls ``ingest`` and ``analyze``) reuses its caller's cluster, so the
    workers load their models once per run.
    """
    active = _ADDRESS.get()
    if active is not None:
        yield active
        return
    cluster = None
    if execution.address is not None:
        address = execution.address
    else:
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=execution.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        address = cluster.scheduler_address
        logger.info("started a local Dask cluster of %d workers at %s", execution.workers, address)
    token = _ADDRESS.set(address)
    try:
        yield address
    finally:
        _ADDRESS.reset(token)
        if cluster is not None:
            cluster.close()


def _task_runner(address: str) -> Any:
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as e:  # pragma: no cover - a dependency of voc
        raise ConfigError(
            "execution.mode dask needs prefect-dask: pip install 'prefect-dask==0.3.7'"
        ) from e
    # prefect-dask 0.3.7 connects to the process's default Dask client, when there is one,
    # instead of `address`: voc makes none (a caller's own Client should pass
    # set_as_default=False, as the tests do).
    return DaskTaskRunner(address=address)


def shard_root(config: VocConfig) -> str:
    """Where this config's workers write shards."""
    return config.execution.shards or shards.default_root(config.store.path)


# -- ingest ---------------------------------------------------------------------------------


@task(name="clean-part", **WORKER_TASK)
def clean_part_task(
    source: SourceConfig,
    settings: IngestConfig,
    file: scale_ingest.FilePlan,
    part: int,
    root: str,
    run_id: str,
    threads: tuple[int, int],
) -> dict[str, Any]:
    """Clean one part of one file into shards (on a worker)."""
    return scale_ingest.clean_part(source, settings, file, part, root, run_id, threads)


@task(name="commit-ingest", **WRITER_TASK)
def commit_ingest_task(
    plan: scale_ingest.SourcePlan,
    parts: list[list[dict[str, Any]]],
    store_path: str,
    settings: IngestConfig,
    run_id: str,
) -> dict[str, Any]:
    """Store one source's cleaned chunks in file and chunk order (the writer)."""
    with Warehouse(store_path) as store:
        summary, committed = scale_ingest.commit_source(plan, parts, store, settings, run_id)
    shards.remove_shards(committed)
    get_run_logger().info(
        "%s: read %d, stored %d, already stored %d, duplicates %d, quarantined %d",
        summary.source,
        summary.read,
        summary.stored,
        summary.already_stored,
        summary.duplicates,
        summary.quarantined,
    )
    return summary.to_dict()


@flow(name="ingest-on-cluster", persist_result=False)
def _ingest_fanout(
    config: VocConfig,
    sources: list[SourceConfig],
    run_id: str,
    store_path: str,
    force: bool,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    root = shard_root(config)
    threads = flow_threads()
    errors: dict[str, str] = {}
    plans: dict[str, scale_ingest.SourcePlan] = {}
    with Warehouse(store_path) as store:
        for source in sources:
            try:
                plans[source.name] = scale_ingest.plan_source(
                    source, store, config.execution.part_bytes, force
                )
            except VocError as e:
                errors[source.name] = str(e)
    futures = {
        name: [
            [
                clean_part_task.submit(
                    plan.source, config.ingest, file, part, root, run_id, threads
                )
                for part in range(file.parts)
            ]
            for file in plan.files
        ]
        for name, plan in plans.items()
    }
    summaries: list[dict[str, Any]] = []
    for source in sources:  # the config's order, as in-process
        if source.name not in plans:
            continue
        try:
            # Dropping the futures once read lets Dask forget their results: a worker
            # lost later does not make Dask recompute (and rewrite) a committed shard.
            parts = [
                [f.result() for f in file_futures] for file_futures in futures.pop(source.name)
            ]
            summaries.append(
                commit_ingest_task(plans[source.name], parts, store_path, config.ingest, run_id)
            )
        except Exception as e:
            get_run_logger().error("Source %s failed: %s", source.name, e)
            errors[source.name] = str(e) if isinstance(e, VocError) else f"{type(e).__name__}: {e}"
    return summaries, errors


def ingest_on_cluster(
    config: VocConfig, sources: list[SourceConfig], run_id: str, store_path: str, force: bool
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The ingest flow's sources on the cluster: per-source summaries and errors, as the
    in-process loop gives them."""
    with dask_cluster(config.execution) as address:
        fanout = _ingest_fanout.with_options(task_runner=_task_runner(address))
        return fanout(config, sources, run_id, store_path, force)


# -- analysis and topics ----------------------------------------------------------------------


@task(name="split-chunk", **WORKER_TASK)
def split_task(texts: list[str | None], languages: list[str | None]) -> list[str]:
    """A chunk's distinct sentences (on a worker)."""
    return scale_analysis.distinct_sentences(texts, languages)


@task(name="embed-chunk", **WORKER_TASK)
def embed_task(
    settings: scale_analysis.ModelSettings, texts: list[str], url: str
) -> dict[str, Any]:
    """Embed the sentences a chunk is the first to meet (on a worker)."""
    return scale_analysis.embed_fresh(settings, texts, url)


@task(name="analyze-chunk", **WORKER_TASK)
def analyze_chunk_task(
    settings: scale_analysis.ModelSettings,
    batch: Any,
    fresh_url: str,
    cached_url: str | None,
    url: str,
) -> dict[str, Any]:
    """Sentences, sentiment and touchpoints of one chunk of records (on a worker)."""
    return scale_analysis.analyze_chunk(settings, batch, fresh_url, cached_url, url)


@task(name="assign-topics", **WORKER_TASK)
def assign_task(model: Any, vectors: Any, threads: tuple[int, int]) -> tuple[Any, Any]:
    """Topics of a slice of sentences with the fitted model (on a worker)."""
    return scale_analysis.assign_topics(model, vectors, threads)


@task(name="commit-embeddings", **WRITER_TASK)
def commit_embeddings_task(store_path: str, url: str, embedder: str, pooled: bool) -> int:
    """Cache one chunk's fresh embeddings in the store (the writer)."""
    with Warehouse(store_path) as store:
        return scale_analysis.commit_fresh(store, url, embedder, pooled)


@task(name="commit-analysis", **WRITER_TASK)
def commit_analysis_task(store_path: str, url: str, run_id: str) -> None:
    """Store one chunk's analysis and sentences (the writer)."""
    with Warehouse(store_path) as store:
        scale_analysis.commit_analysis(store, url, run_id)


#: Sentences per ``assign-topics`` task (read from the store a slice at a time).
ASSIGN_SLICE = 50_000
#: Slices of sentences sent to the workers and not yet written back.
ASSIGN_IN_FLIGHT = 4


@flow(name="analyze-on-cluster", persist_result=False)
def _analyze_fanout(
    store_path: str,
    sentiment_model: str,
    taxonomy: str | None,
    run_id: str,
    chunk_size: int,
    root: str,
    topics: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:

    from voc.analysis import text_hash

    flow_logger = get_run_logger()
    started = time.perf_counter()
    from voc.analysis import Analyzer

    settings = scale_analysis.ModelSettings(sentiment_model, taxonomy, flow_threads())
    loading = time.perf_counter()
    # Here only for the analysis version and the embedder's name: no warm-up, no embedding.
    analyzer = Analyzer.load(sentiment_model, taxonomy)
    loading = time.perf_counter() - loading
    version, embedder = analyzer.version, analyzer.embedder_name
    pooled = bool(getattr(analyzer.sentiment_model, "reads_pooled", False))
    with Warehouse(store_path) as store:
        total = store.count_pending_analysis(version)
        pending = store.pending_analysis(version, max(total, 1))
    batches = [
        pending.iloc[i : i + chunk_size].reset_index(drop=True)
        for i in range(0, len(pending), chunk_size)
    ]
    distinct = [
        f.result()
        for f in [split_task.submit(b["text"].tolist(), b["language"].tolist()) for b in batches]
    ]
    hashes = [[text_hash(text) for text in chunk] for chunk in distinct]
    with Warehouse(store_path) as store:
        every = list(dict.fromkeys(key for chunk in hashes for key in chunk))
        before = set(store.cached_embeddings(every, embedder))
        if pooled:
            before &= set(store.cached_embeddings(every, f"{embedder}:pooled"))
    # What an in-process run would embed in each chunk: what neither the cache nor an
    # earlier chunk holds.
    known = set(before)
    fresh: list[list[str]] = []
    for texts, keys in zip(distinct, hashes, strict=True):
        fresh.append([text for text, key in zip(texts, keys, strict=True) if key not in known])
        known.update(keys)
    keyed = [
        shards.shard_key(version, settings.threads, *b["feedback_id"].tolist()) for b in batches
    ]
    fresh_urls = [shards.shard_url(root, "embed", key) for key in keyed]
    out_urls = [shards.shard_url(root, "analysis", key) for key in keyed]
    cached_urls = [shards.shard_url(root, "cached", key) for key in keyed]
    embedded: list[Any] = [
        embed_task.submit(settings, texts, url)
        for texts, url in zip(fresh, fresh_urls, strict=True)
    ]
    analysed: list[Any] = []
    worker_loading = 0.0
    for k, batch in enumerate(batches):
        # Read once, then dropped (see _ingest_fanout): a lost worker's finished tasks are
        # recomputed by Dask only while their results are still wanted.
        done = embedded[k].result()
        embedded[k] = None
        worker_loading += done["model_loading"]
        commit_embeddings_task(store_path, done["url"], embedder, pooled)
        fresh_keys = {text_hash(text) for text in fresh[k]}
        wanted = [key for key in hashes[k] if key not in fresh_keys]
        cached_url = None
        if wanted:
            with Warehouse(store_path) as store:
                frame = scale_analysis.cached_frame(store, wanted, embedder, pooled)
            cached_url = shards.write_shard(cached_urls[k], frame)
        analysed.append(
            analyze_chunk_task.submit(settings, batch, fresh_urls[k], cached_url, out_urls[k])
        )
    summary: dict[str, Any] = {
        "analyzed": 0,
        "sentences": 0,
        "no_text": 0,
        "embedded": 0,
        "cached": 0,
        "timed_out": 0,
        "truncated": 0,
        "chars_not_analysed": 0,
    }
    seconds: dict[str, float] = {}
    for k in range(len(analysed)):
        result = analysed[k].result()
        analysed[k] = None
        commit_analysis_task(store_path, result["url"], run_id)
        counts = result["counts"]
        for key in ("analyzed", "sentences", "no_text", "timed_out", "truncated"):
            summary[key] += int(counts[key])
        summary["chars_not_analysed"] += int(counts["chars_not_analysed"])
        summary["embedded"] += int(counts["misses"])
        summary["cached"] += int(counts["hits"])
        worker_loading += result["model_loading"]
        for step, value in result["seconds"].items():
            seconds[step] = seconds.get(step, 0.0) + value
        flow_logger.info("analysed %d of %d records", summary["analyzed"], total)
    shards.remove_shards([*fresh_urls, *out_urls, *cached_urls])
    seconds["total"] = time.perf_counter() - started
    # This process's (version only) and every worker's, summed: the workers load in
    # parallel, so their wall time is about the sum divided by the workers.
    seconds["model_loading"] = loading
    seconds["worker_model_loading"] = worker_loading
    summary["seconds"] = {key: round(value, 2) for key, value in seconds.items()}
    summary["version"] = version
    summary["embedder"] = embedder
    summary["chunks"] = len(batches)
    return summary, _topics_fanout(store_path, embedder, run_id, topics)


def _topics_fanout(
    store_path: str, embedder: str, run_id: str, options: dict[str, Any]
) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from pipelines.analyze import topics_task
    from voc.store import topics as topic_rows
    from voc.topics.store import (
        OTHER,
        TopicsSummary,
        load_model,
        refit_due,
        set_config_labels,
    )

    with Warehouse(store_path) as store:
        due, _ = refit_due(store, embedder)
    if due or options.get("refit"):
        # Fitting samples the sentences and runs in this process, as in-process.
        return topics_task(store_path, embedder, run_id, **options)
    started = time.perf_counter()
    summary = TopicsSummary(action="assign")
    other = 0
    with Warehouse(store_path) as store:
        stored = load_model(store)
        if stored is None:  # refit_due says a refit is due without one: not reached
            raise VocError("no topic model in the store yet: run a refit first")
        model = stored.model
        threads = flow_threads()
        # The sentences are read a slice at a time and at most ASSIGN_IN_FLIGHT slices
        # wait on the workers: the flow holds a few slices, whatever the store's size.
        waiting: deque[tuple[pd.DataFrame, Any]] = deque()

        def commit() -> None:
            nonlocal other
            keys, future = waiting.popleft()
            topic_ids, similarities = future.result()
            rows = keys.assign(
                topic_id=topic_ids.astype(np.int32),
                similarity=similarities.astype(np.float32),
                run_id=run_id,
            )
            topic_rows.add_assignments(store, rows)
            summary.sentences += len(rows)
            other += int(np.sum(topic_ids == OTHER))

        for frame, vectors in topic_rows.topic_sentence_chunks(
            store, embedder, only_unassigned=True, rows=ASSIGN_SLICE
        ):
            keys = frame[["feedback_id", "sentence_index"]].reset_index(drop=True)
            waiting.append((keys, assign_task.submit(model, vectors, threads)))
            if len(waiting) > ASSIGN_IN_FLIGHT:
                commit()
        while waiting:
            commit()
    summary.other_share = other / summary.sentences if summary.sentences else 0.0
    summary.topics = len(model.topic_ids_)
    summary.seconds = time.perf_counter() - started
    if options.get("labels"):
        with Warehouse(store_path) as store:
            set_config_labels(store, options["labels"])
    return {"topics": summary.to_dict()}


def analyze_on_cluster(
    config: VocConfig, run_id: str, labels: dict[int, str] | None, label_language: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The analyse flow's ``analysis`` and ``topics`` results, computed on the cluster."""
    with dask_cluster(config.execution) as address:
        fanout = _analyze_fanout.with_options(task_runner=_task_runner(address))
        return fanout(
            str(config.store.path),
            config.analysis.sentiment_model,
            str(config.taxonomy) if config.taxonomy else None,
            run_id,
            config.analysis.chunk_size,
            shard_root(config),
            {"labels": labels, "label_language": label_language},
        )
