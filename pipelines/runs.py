"""Every flow's row in the store's ``runs`` table, written the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from voc.store.warehouse import Warehouse


@contextmanager
def recorded_run(
    store_path: str, run_id: str, flow: str, result: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Record a flow run: started on entry, finished on exit with ``result`` as its summary.

    The body sets ``result["status"] = "completed"`` once its work is done; until then the
    status is ``failed``. An exception leaves it failed, with the exception in
    ``result["error"]`` (unless the body wrote a more useful one), and propagates: the run
    is recorded either way, so ``voc runs`` shows what a scheduler saw.
    """
    result.setdefault("status", "failed")
    with Warehouse(store_path) as store:
        store.start_run(run_id, flow)
    try:
        yield result
    except Exception as e:
        result.setdefault("error", f"{type(e).__name__}: {e}")
        raise
    finally:
        with Warehouse(store_path) as store:
            store.finish_run(run_id, result["status"], result)
