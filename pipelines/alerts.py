"""The ``send-alerts`` task: after the daily run's insights, tell touchpoint owners about the
pain points that flared up (:func:`voc.loop.send_alerts`: the rules, once per ISO week).

It never fails the run: a delivery that fails is recorded ``failed`` in ``alerts_sent`` and
tried again at the next run, and any other error is logged and returned in the summary.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from voc.config import load_config
from voc.store.warehouse import Warehouse
from voc.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy

__all__ = ["alerts_task"]


# No task retries: every channel's send is retried inside, and recorded as it happens.
@task(name="send-alerts", cache_policy=NONE, persist_result=False)
def alerts_task(config_path: str | None, store_path: str) -> dict[str, Any]:
    """Send the alerts due after this run; returns :func:`voc.loop.send_alerts`'s summary
    (``{"error": ...}`` instead when the check itself could not run)."""
    from voc.loop import send_alerts

    logger = get_run_logger()
    try:
        config = load_config(config_path)
        taxonomy = load_taxonomy(config.taxonomy or DEFAULT_TAXONOMY_PATH)
        with Warehouse(store_path, lock_timeout=config.store.lock_timeout_seconds) as store:
            summary = send_alerts(store, config, taxonomy, log=logger)
    except Exception as e:  # alerts are a side channel: the run's data is already stored
        logger.error("alerts not checked: %s: %s", type(e).__name__, e)
        return {"error": f"{type(e).__name__}: {e}"}
    for item in summary["no_owner"]:
        logger.warning(
            "alert for %s topic %s (%s) not sent: %s",
            item["week"],
            item["topic_id"],
            item["label"],
            item["why"],
        )
    for line in summary["failures"]:
        logger.warning("alert not delivered (retried next run): %s", line)
    return summary
