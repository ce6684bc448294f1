"""The ``ingest`` flow: every configured source (or one ad-hoc file) into the store.

One task per source, retried on I/O errors; configuration mistakes are not retried.
Run it with ``voc ingest`` or as a deployment (see ``pipelines/deployments.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from pipelines.runs import finish_and_publish
from voc.config import IngestConfig, SourceConfig, apply_preset, load_config
from voc.errors import ConfigError, IngestFailed, SourceError, StoreError, VocError
from voc.ingest import SourceSummary, ingest_source
from voc.store.warehouse import Warehouse, writer_lock


def _retry_io_only(task: Any, task_run: Any, state: Any) -> bool:
    """Retry what may pass next time (a locked store, a file mid-copy or on a slow mount),
    not a bad config or a bug."""
    import duckdb

    try:
        state.result()
    except (OSError, SourceError, StoreError, duckdb.IOException):
        return True
    except Exception:
        return False
    return False


#: Task settings of every store-writing task: retried twice on I/O, store and source
#: errors (not on bad config or bugs); results neither cached nor persisted (they are
#: recorded in the store's `runs` table instead).
IO_RETRYING_TASK: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": 3,
    "retry_condition_fn": _retry_io_only,
    "cache_policy": NONE,
    "persist_result": False,
}


@task(name="ingest-source", **IO_RETRYING_TASK)
def ingest_source_task(
    source: SourceConfig, store_path: str, settings: IngestConfig, run_id: str, force: bool
) -> dict[str, Any]:
    """Ingest one source's files; returns its summary as a dict."""
    logger = get_run_logger()
    with Warehouse(store_path) as store:
        summary = ingest_source(source, store, settings, run_id, force=force)
    logger.info(
        "%s: read %d, stored %d, already stored %d, duplicates %d, quarantined %d %s",
        source.name,
        summary.read,
        summary.stored,
        summary.already_stored,
        summary.duplicates,
        summary.quarantined,
        summary.quarantined_by_reason or "",
    )
    return summary.to_dict()


@flow(name="ingest", persist_result=False)
def ingest_flow(
    config_path: str | None = None,
    source_names: list[str] | None = None,
    adhoc_source: dict[str, Any] | None = None,
    force: bool = False,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Ingest configured sources, or one ad-hoc source, and record the run.

    Args:
        config_path: The config file (default: ``$VOC_CONFIG`` or ``configs/voc.yaml``).
        source_names: Only these configured sources (default: all).
        adhoc_source: A source mapping given on the command line instead of the config.
        force: Re-read files already ingested (still stores nothing twice).
        run_id: The run's id (default: a new one); its summary lands in the ``runs`` table.

    Returns:
        ``{"run_id", "status", "sources": [per-source summary], "total": summary,
        "errors": {source: message}}``.

    Raises:
        IngestFailed: a source could not be ingested (after its summary was recorded; the
            other sources were ingested).
    """
    config = load_config(config_path)
    if adhoc_source is not None:
        sources = [apply_preset(SourceConfig.model_validate(adhoc_source))]
    elif source_names:
        sources = [config.source(name) for name in source_names]
    else:
        sources = list(config.sources)
    if not sources:
        raise ConfigError(
            "no sources to ingest: add some under `sources:` in the config, "
            "or give a file: voc ingest PATH --channel CH --text-col COL"
        )
    run_id = run_id or new_run_id()
    store_path = str(config.store.path)
    # One run writes the store at a time: a second one waits here (or gives up, exit 2).
    with writer_lock(store_path, config.store.lock_timeout_seconds, run_id, "ingest"):
        return _ingest_locked(config, sources, run_id, store_path, force)


def _ingest_locked(
    config: Any, sources: list[SourceConfig], run_id: str, store_path: str, force: bool
) -> dict[str, Any]:
    logger = get_run_logger()
    with Warehouse(store_path, lock_timeout=config.store.lock_timeout_seconds) as store:
        store.start_run(run_id, "ingest")
    summaries: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    if config.execution.mode == "dask":
        # Cleaning fans out to the cluster's workers; this process stays the one writer.
        from pipelines.scale import ingest_on_cluster

        summaries, errors = ingest_on_cluster(config, sources, run_id, store_path, force)
    for source in sources if config.execution.mode == "local" else []:
        try:
            summaries.append(ingest_source_task(source, store_path, config.ingest, run_id, force))
        except Exception as e:
            # One broken source must not stop the others; the run is marked failed.
            logger.error("Source %s failed: %s", source.name, e)
            errors[source.name] = str(e) if isinstance(e, VocError) else f"{type(e).__name__}: {e}"
    total = SourceSummary(source="total")
    for item in summaries:
        total.add(SourceSummary(**item))
    status = "failed" if errors else "completed"
    result = {
        "run_id": run_id,
        "status": status,
        "store": store_path,
        "sources": summaries,
        "total": total.to_dict(),
        "errors": errors,
    }
    finish_and_publish(store_path, run_id, result, config.store.lock_timeout_seconds)
    if errors:
        raise IngestFailed(
            "ingest failed for "
            + "; ".join(f"{name}: {message}" for name, message in errors.items())
        )
    return result


def new_run_id() -> str:
    """A fresh run id, e.g. ``ingest-3f9a1c0b2d4e``."""
    return f"ingest-{uuid.uuid4().hex[:12]}"
