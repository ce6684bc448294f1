"""The ``digest`` flow: the week's pain-point digest, written, published and (optionally) sent.

For one ISO week (default: the last complete one in ``schedules.timezone``):

1. read the week out of the store (:func:`voc.digest.data.gather`, read-only);
2. write ``<digest.out_dir>/YYYY-Www/digest.html``, ``digest.md`` and ``charts/*.svg``
   (:func:`voc.digest.render.write_digest`), replacing an earlier digest of that week;
3. publish the Markdown as a Prefect artifact with the key ``voc-digest-<language>``, so the
   UI keeps every week's digest under one key;
4. deliver it to Slack and/or e-mail when ``digest.delivery`` configures them
   (:func:`voc.digest.delivery.deliver`: retried, then reported).

The files are written before anything is sent, and delivery never touches them. A failed
delivery fails the flow run (so a scheduler and ``voc runs`` show it), after the files and
the artifact are in place. A week without data gives a digest that says so.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from pipelines.ingest import IO_RETRYING_TASK
from pipelines.runs import recorded_run
from voc.config import DeliveryConfig, load_config
from voc.digest.data import Digest, gather, iso_week
from voc.digest.delivery import DeliveryResult, deliver
from voc.digest.render import Renderer
from voc.errors import VocError
from voc.painpoints import iso_week_monday
from voc.store.warehouse import Warehouse
from voc.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy

__all__ = ["DeliveryFailed", "digest_flow", "last_complete_week"]


class DeliveryFailed(VocError):
    """The digest was written, but sending it failed (after the retries)."""


def last_complete_week(timezone: str = "UTC", now: datetime | None = None) -> str:
    """The ISO week before the current one, as a calendar in ``timezone`` sees it.

    On Monday 08:00 in Tokyo this is the week that ended on the Sunday just past, even
    though it is still Sunday in UTC.
    """
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone))
    return iso_week(local.date() - timedelta(days=7))


def _normalise_week(week: str) -> str:
    try:
        return iso_week(iso_week_monday(week))
    except ValueError as e:
        raise VocError(f"week {week!r}: write an ISO week such as 2026-W45") from e


@task(name="gather-digest", **IO_RETRYING_TASK)
def gather_task(store_path: str, week: str, top: int, quotes: int, history_weeks: int) -> Digest:
    """Read the week's digest out of the store (read-only)."""
    with Warehouse(store_path, read_only=True) as store:
        return gather(store, week, top=top, quotes=quotes, history_weeks=history_weeks)


@task(name="write-digest", **IO_RETRYING_TASK)
def write_task(renderer: Renderer, out_dir: str) -> dict[str, Any]:
    """Write the HTML, the Markdown and the charts; returns their paths."""
    files = renderer.write(out_dir)
    return {
        "folder": str(files.folder),
        "html": str(files.html),
        "markdown": str(files.markdown),
        "charts": [str(p) for p in files.charts],
    }


@task(name="publish-digest-artifact", cache_policy=IO_RETRYING_TASK["cache_policy"])
def artifact_task(markdown: str, week: str, language: str) -> str:
    """Publish the Markdown as the Prefect artifact ``voc-digest-<language>``."""
    key = f"voc-digest-{language}"
    create_markdown_artifact(
        markdown=markdown, key=key, description=f"voc weekly pain-point digest, {week}"
    )
    return key


@task(name="deliver-digest", cache_policy=IO_RETRYING_TASK["cache_policy"])
def deliver_task(
    delivery: DeliveryConfig, subject: str, markdown: str, html_path: str
) -> list[dict[str, Any]]:
    """Send the digest to the configured channels (each retried on its own)."""
    logger = get_run_logger()
    html = Path(html_path).read_text(encoding="utf-8")
    results: list[DeliveryResult] = deliver(
        delivery,
        subject=subject,
        markdown=markdown,
        html=html,
        attachments=[Path(html_path)],
        logger=logger,
    )
    return [r.to_dict() for r in results]


@flow(name="digest", persist_result=False)
def digest_flow(
    config_path: str | None = None,
    week: str | None = None,
    language: str | None = None,
    deliver: bool = True,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Write the week's digest, publish it as an artifact, and deliver it if configured.

    Args:
        config_path: The config file (default: ``$VOC_CONFIG`` or ``configs/voc.yaml``).
        week: ISO week ``YYYY-Www`` (default: the last complete week in
            ``schedules.timezone``).
        language: ``en`` or ``ja`` (default: ``digest.language``).
        deliver: Send it to the channels in ``digest.delivery`` (False: only write it).
        run_id: The run's id in the store's ``runs`` table (default: a new one).

    Returns:
        ``{"run_id", "status", "week", "language", "records", "pain_points", "empty",
        "html", "markdown", "charts", "artifact", "delivery": [results]}``.

    Raises:
        DeliveryFailed: a configured channel failed after its retries (the files and the
            artifact are written first).
    """
    logger = get_run_logger()
    config = load_config(config_path)
    settings = config.digest
    language = language or settings.language
    if language not in ("en", "ja"):
        raise VocError(f"digest language {language!r}: write en or ja")
    week = _normalise_week(week) if week else last_complete_week(config.schedules.timezone)
    run_id = run_id or f"digest-{uuid.uuid4().hex[:12]}"
    store_path = str(config.store.path)
    if not Path(store_path).exists():
        raise VocError(f"no store at {store_path}: run `voc run` (or `make demo`) first")
    result: dict[str, Any] = {
        "run_id": run_id,
        "status": "failed",
        "week": week,
        "language": language,
    }
    # The digest only reads: it never waits behind a run writing the store (it reads the
    # last run's snapshot then), so its own row in `runs` is written when the store is free.
    with recorded_run(store_path, run_id, "digest", result, writes=False):
        digest = gather_task(
            store_path, week, settings.top, settings.quotes, settings.history_weeks
        )
        result.update(
            records=digest.records, pain_points=len(digest.pain_points), empty=digest.empty
        )
        renderer = Renderer(
            digest, language, load_taxonomy(config.taxonomy or DEFAULT_TAXONOMY_PATH)
        )
        result.update(write_task(renderer, str(settings.out_dir)))
        # Slack, the e-mail's text part and the artifact get the Markdown without the chart
        # links of digest.md (they point at files beside it).
        markdown = renderer.markdown()
        result["artifact"] = artifact_task(markdown, week, language)
        logger.info(
            "digest of %s written: %s (%d records, %d pain points)",
            week,
            result["html"],
            digest.records,
            len(digest.pain_points),
        )
        result["delivery"] = []
        if deliver and (settings.delivery.slack or settings.delivery.email):
            result["delivery"] = deliver_task(
                settings.delivery, renderer.subject(), markdown, result["html"]
            )
        failed = [r for r in result["delivery"] if not r["ok"]]
        if failed:
            reasons = "; ".join(f"{r['channel']}: {r['error']}" for r in failed)
            result["error"] = f"delivery failed ({reasons})"
            raise DeliveryFailed(
                f"digest of {week} written to {result['html']}, but delivery failed: {reasons}"
            )
        result["status"] = "completed"
    return result
