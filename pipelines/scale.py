"""The flows' work on a Dask cluster (``execution: {mode: dask}`` in the config).

Prefect's ``DaskTaskRunner`` (prefect-dask) sends the fanned-out tasks to the cluster's
workers; the tasks call :mod:`voc.scale` and write Parquet shards; the store's one writer
(the flow's own process, which holds the store's writer lock) commits them in a fixed
order and removes them. No business logic here: planning, fanning out, committing.

- :func:`dask_cluster`: the cluster of a run (an existing scheduler, or a LocalCluster of
  ``workers`` processes started for the run and shared by its nested flows).
- :func:`ingest_on_cluster`: a task per file part (``clean-part``), then ``commit-ingest``
  per source.
- :func:`analyze_on_cluster`: ``embed-chunk`` and ``analyze-chunk`` per chunk of records,
  ``commit-embeddings`` and ``commit-analysis`` in chunk order, with at most
  :data:`ANALYSIS_IN_FLIGHT` chunks read from the store and not yet committed (the flow's
  memory does not grow with the pending records); then topics: a due refit runs in the
  flow's process as before (it fits on a sample), an assignment fans out
  (``assign-topics``) a slice at a time.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from voc.config import ExecutionConfig, IngestConfig, SourceConfig, VocConfig
from voc.errors import ConfigError, VocError
from voc.models.use_tuned import pooled_cache_name
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
def commit_embeddings_task(store_path: str, url: str, embedder: str, pooled: str | None) -> int:
    """Cache one chunk's fresh embeddings in the store (the writer)."""
    with _store(store_path) as store:
        return scale_analysis.commit_fresh(store, url, embedder, pooled)


@task(name="commit-analysis", **WRITER_TASK)
def commit_analysis_task(store_path: str, url: str, run_id: str) -> None:
    """Store one chunk's analysis and sentences (the writer)."""
    with _store(store_path) as store:
        scale_analysis.commit_analysis(store, url, run_id)


#: Sentences per ``assign-topics`` task (read from the store a slice at a time).
ASSIGN_SLICE = 50_000
#: Slices of sentences sent to the workers and not yet written back.
ASSIGN_IN_FLIGHT = 4


#: Chunks of records planned and not yet stored: what the flow's process holds of the
#: pending records, whatever their number (enough to keep a few workers busy each).
ANALYSIS_IN_FLIGHT = 8

_OPEN_STORES: dict[str, Warehouse] = {}


@contextmanager
def _store(store_path: str) -> Iterator[Warehouse]:
    """The writer's store: the one the analysis fan-out keeps open for all its commits
    (opening the file again per commit would re-read its catalogue and checkpoint it on
    each close), or one opened for this call."""
    shared = _OPEN_STORES.get(store_path)
    if shared is not None:
        yield shared
        return
    with Warehouse(store_path) as store:
        yield store


@contextmanager
def _sharing(store_path: str, store: Warehouse) -> Iterator[None]:
    """Let the writer's tasks use ``store`` (:func:`_store`) while this lasts. (A module
    function: Prefect pickles the flow function along with each task it submits, and with
    it the module globals its code names, so the flow must not name ``_OPEN_STORES``.)"""
    _OPEN_STORES[store_path] = store
    try:
        yield
    finally:
        _OPEN_STORES.pop(store_path, None)


@dataclass
class _Chunk:
    """One chunk of pending records on its way through the fan-out."""

    batch: Any
    hashes: list[str]
    fresh: list[str]  # the sentences it is the first to meet: it embeds them
    embedded: Any  # future of its embed-chunk
    analysed: Any  # future of its analyze-chunk
    urls: tuple[str, ...]  # its shards: fresh vectors, analysis, cached vectors


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
    """Analysis chunks in a window of :data:`ANALYSIS_IN_FLIGHT`: each chunk is read from
    the store, split, planned, embedded, analysed and committed in order, while the next
    ones are on the workers (module docstring of :mod:`voc.scale.analysis`)."""
    from voc.analysis import Analyzer, text_hash

    flow_logger = get_run_logger()
    started = time.perf_counter()
    settings = scale_analysis.ModelSettings(sentiment_model, taxonomy, flow_threads())
    loading = time.perf_counter()
    # Here only for the analysis version and the embedder's name: no warm-up, no embedding.
    analyzer = Analyzer.load(sentiment_model, taxonomy)
    loading = time.perf_counter() - loading
    version, embedder = analyzer.version, analyzer.embedder_name
    pooled = pooled_cache_name(embedder, analyzer.sentiment_model)
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
    worker_loading = 0.0
    chunks = 0
    with Warehouse(store_path) as store, _sharing(store_path, store):
        total = store.count_pending_analysis(version)
        embedding: deque[_Chunk] = deque()  # embedding, not yet committed
        analysing: deque[_Chunk] = deque()  # analysing, not yet committed
        # Hashes of the chunks planned but whose embeddings are not committed yet: an
        # in-process run would find them cached when a later chunk meets them.
        uncommitted: Counter[str] = Counter()
        after: tuple[Any, str] | None = None
        exhausted = False

        def plan(batch: Any) -> _Chunk:
            # What an in-process run would embed in this chunk: what neither the
            # cache nor an earlier chunk holds. The split is the analyser's own
            # (cheap next to the models), here so that no worker round trip holds
            # the plan up.
            texts = scale_analysis.distinct_sentences(
                batch["text"].tolist(), batch["language"].tolist()
            )
            hashes = [text_hash(text) for text in texts]
            known = set(store.cached_embeddings(hashes, embedder))
            if pooled:
                known &= set(store.cached_embeddings(hashes, f"{embedder}:pooled"))
            fresh = [
                text
                for text, key in zip(texts, hashes, strict=True)
                if key not in known and key not in uncommitted
            ]
            uncommitted.update(hashes)
            key = shards.shard_key(version, settings.threads, *batch["feedback_id"].tolist())
            urls = tuple(
                shards.shard_url(root, kind, key) for kind in ("embed", "analysis", "cached")
            )
            embedded = embed_task.submit(settings, fresh, urls[0])
            return _Chunk(batch, hashes, fresh, embedded, None, urls)

        def fill() -> None:
            nonlocal after, exhausted, chunks
            while not exhausted and len(embedding) + len(analysing) < ANALYSIS_IN_FLIGHT:
                batch = store.pending_analysis(version, chunk_size, after)
                exhausted = len(batch) < chunk_size
                if batch.empty:
                    return
                last = batch.iloc[-1]
                after = (last["created_at"], str(last["feedback_id"]))
                chunks += 1
                embedding.append(plan(batch.drop(columns="created_at")))

        def commit_embeddings(chunk: _Chunk) -> None:
            nonlocal worker_loading
            # Read once, then dropped (see _ingest_fanout): a lost worker's finished
            # tasks are recomputed by Dask only while their results are still wanted.
            done = chunk.embedded.result()
            chunk.embedded = None
            worker_loading += done["model_loading"]
            commit_embeddings_task(store_path, done["url"], embedder, pooled)
            # Every hash of the chunk is in the store's cache now.
            uncommitted.subtract(chunk.hashes)
            for key in set(chunk.hashes):
                if uncommitted[key] <= 0:
                    del uncommitted[key]
            fresh_keys = {text_hash(text) for text in chunk.fresh}
            wanted = [key for key in chunk.hashes if key not in fresh_keys]
            cached_url = None
            if wanted:
                frame = scale_analysis.cached_frame(store, wanted, embedder, pooled)
                cached_url = shards.write_shard(chunk.urls[2], frame)
            chunk.analysed = analyze_chunk_task.submit(
                settings, chunk.batch, chunk.urls[0], cached_url, chunk.urls[1]
            )
            chunk.batch = None

        def commit_analysis(chunk: _Chunk) -> None:
            nonlocal worker_loading
            result = chunk.analysed.result()
            chunk.analysed = None
            commit_analysis_task(store_path, result["url"], run_id)
            shards.remove_shards(list(chunk.urls))
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

        # Chunks move through in order (their embeddings, then their analyses, are
        # committed oldest first); about half the window embeds while half analyses.
        fill()
        while embedding or analysing:
            if embedding:
                chunk = embedding.popleft()
                commit_embeddings(chunk)
                analysing.append(chunk)
            if analysing and (len(analysing) >= ANALYSIS_IN_FLIGHT // 2 or not embedding):
                commit_analysis(analysing.popleft())
            fill()
    seconds["total"] = time.perf_counter() - started
    # This process's (version only) and every worker's, summed: the workers load in
    # parallel, so their wall time is about the sum divided by the workers.
    seconds["model_loading"] = loading
    seconds["worker_model_loading"] = worker_loading
    summary["seconds"] = {key: round(value, 2) for key, value in seconds.items()}
    summary["version"] = version
    summary["embedder"] = embedder
    summary["chunks"] = chunks
    return summary, _topics_fanout(store_path, embedder, run_id, topics)


def _topics_fanout(
    store_path: str, embedder: str, run_id: str, options: dict[str, Any]
) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from pipelines.analyze import topics_task
    from voc.store import sentence_pieces
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

        for frame, vectors in sentence_pieces.topic_sentence_chunks(
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
