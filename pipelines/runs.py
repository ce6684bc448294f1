"""Every flow's row in the store's ``runs`` table, written the same way."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from voc.errors import StoreBusy
from voc.store.warehouse import (
    Warehouse,
    holds_writer_lock,
    record_run_finish,
    run_in_progress,
    writer_lock,
)

logger = logging.getLogger(__name__)


@contextmanager
def recorded_run(
    store_path: str,
    run_id: str,
    flow: str,
    result: dict[str, Any],
    *,
    writes: bool = True,
    lock_timeout: float = 60.0,
) -> Iterator[dict[str, Any]]:
    """Record a flow run: started on entry, finished on exit with ``result`` as its summary.

    The body sets ``result["status"] = "completed"`` once its work is done; until then the
    status is ``failed``. An exception leaves it failed, with the exception in
    ``result["error"]`` (unless the body wrote a more useful one), and propagates: the run
    is recorded either way, so ``voc runs`` shows what a scheduler saw.

    A run that ``writes`` holds the store's writer lock from start to end (a second run
    waits up to ``lock_timeout`` s, then fails with :class:`voc.errors.StoreBusy`) and
    publishes the store's snapshot for readers when it ends. A run that only reads (the
    digest) never waits: while another run writes, its start is not recorded and its end
    goes to a journal the next run applies.
    """
    result.setdefault("status", "failed")
    if not writes:
        with _read_only_recording(store_path, run_id, flow, result):
            yield result
        return
    with writer_lock(store_path, lock_timeout, run_id, flow):
        with Warehouse(store_path, lock_timeout=lock_timeout) as store:
            store.start_run(run_id, flow)
        try:
            yield result
        except Exception as e:
            result.setdefault("error", f"{type(e).__name__}: {e}")
            raise
        finally:
            finish_and_publish(store_path, run_id, result, lock_timeout)


def finish_and_publish(
    store_path: str, run_id: str, result: dict[str, Any], lock_timeout: float = 60.0
) -> None:
    """Record the run's end and publish the store's snapshot (the writer lock is held)."""
    with Warehouse(store_path, lock_timeout=lock_timeout) as store:
        store.finish_run(run_id, result["status"], result)
        store.publish_snapshot()


@contextmanager
def _read_only_recording(
    store_path: str, run_id: str, flow: str, result: dict[str, Any]
) -> Iterator[None]:
    started = False
    if holds_writer_lock(store_path) or run_in_progress(store_path) is None:
        try:
            with Warehouse(store_path, lock_timeout=0) as store:
                store.start_run(run_id, flow)
            started = True
        except StoreBusy:
            pass
    if not started:
        logger.info("another run is writing the store: run %s is not recorded in `runs`", run_id)
    try:
        yield
    except Exception as e:
        result.setdefault("error", f"{type(e).__name__}: {e}")
        raise
    finally:
        if started:
            record_run_finish(store_path, run_id, result["status"], result)
