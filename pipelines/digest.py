"""The ``digest`` flow: the week's pain-point digest, written, published and (optionally) sent.

For one ISO week (default: the last complete week with data in ``schedules.timezone``,
:func:`voc.query.default_week`, the same week as ``voc pain-points``):

1. read the week out of the store (:func:`voc.digest.data.gather`, read-only);
2. write ``<digest.out_dir>/YYYY-Www/digest.html``, ``digest.md`` and ``charts/*.svg``
   (:func:`voc.digest.render.write_digest`), replacing an earlier digest of that week in
   that language; a Japanese digest goes to ``YYYY-Www/ja/``, beside the English one;
3. publish the Markdown as a Prefect artifact with the key ``voc-digest-<language>``, so the
   UI keeps every week's digest under one key;
4. deliver it to Slack and/or e-mail when ``digest.delivery`` configures them
   (:func:`voc.digest.delivery.deliver`: retried, then reported).

The files are written before anything is sent, and delivery never touches them. A failed
delivery fails the flow run (so a scheduler and ``voc runs`` show it), after the files and
the artifact are in place. A week without data (asked for by ``--week``, or a store
without any complete week with data yet) gives a digest that says so.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from pipelines.ingest import IO_RETRYING_TASK
from pipelines.runs import recorded_run
from voc.config import DeliveryConfig, load_config
from voc.digest.data import Digest, gather
from voc.digest.delivery import DeliveryResult, deliver
from voc.digest.render import Renderer
from voc.errors import DeliveryError, VocError
from voc.store.warehouse import Warehouse
from voc.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from voc.weeks import iso_week, iso_week_monday, last_complete_week

__all__ = ["digest_flow"]


def _normalise_week(week: str) -> str:
    try:
        return iso_week(iso_week_monday(week))
    except ValueError as e:
        raise VocError(f"week {week!r}: write an ISO week such as 2026-W45") from e


@task(name="choose-digest-week", **IO_RETRYING_TASK)
def week_task(store_path: str, timezone: str, now: datetime | None = None) -> dict[str, Any]:
    """The default week (:func:`voc.query.default_week`) and its notes."""
    from voc import query

    with Warehouse(store_path, read_only=True) as store:
        chosen = query.default_week(store, timezone, now)
    if chosen is None:
        # No complete week has data: the calendar's week, whose digest says so.
        return {"week": last_complete_week(timezone, now), "notes": []}
    return {"week": chosen.week, "notes": list(chosen.notes)}


@task(name="gather-digest", **IO_RETRYING_TASK)
def gather_task(
    store_path: str,
    week: str,
    top: int,
    quotes: int,
    history_weeks: int,
    timezone: str,
    now: datetime | None = None,
    language: str | None = None,
    owners: dict[str, Any] | None = None,
    fix_windows: tuple[int, int, int] = (4, 4, 20),
) -> Digest:
    """Read the week's digest out of the store (read-only), topics labelled in
    ``language`` where they have a label in it, pain points with their ``owners``
    (touchpoint name -> :class:`voc.taxonomy.Owner`) and latest action."""
    with Warehouse(store_path, read_only=True) as store:
        return gather(
            store,
            week,
            top=top,
            quotes=quotes,
            history_weeks=history_weeks,
            timezone=timezone,
            as_of=now,
            language=language,
            owners=owners,
            fix_windows=fix_windows,
        )


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
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the week's digest, publish it as an artifact, and deliver it if configured.

    Args:
        config_path: The config file (default: ``$VOC_CONFIG`` or ``configs/voc.yaml``).
        week: ISO week ``YYYY-Www`` (default: the last complete week with data in
            ``schedules.timezone``, :func:`voc.query.default_week`).
        language: ``en`` or ``ja`` (default: ``digest.language``).
        deliver: Send it to the channels in ``digest.delivery`` (False: only write it).
        run_id: The run's id in the store's ``runs`` table (default: a new one).
        now: "Now" for the default week (default: the current time).

    Returns:
        ``{"run_id", "status", "week", "notes", "language", "records", "pain_points",
        "praise", "empty", "html", "markdown", "charts", "artifact", "delivery": [results]}``;
        ``notes`` say why the default week may not be the one expected
        (:class:`voc.weeks.DefaultWeek`), empty for a week asked for.

    Raises:
        DeliveryError: a configured channel failed after its retries (the files and the
            artifact are written first).
    """
    logger = get_run_logger()
    config = load_config(config_path)
    settings = config.digest
    language = language or settings.language
    if language not in ("en", "ja"):
        raise VocError(f"digest language {language!r}: write en or ja")
    timezone = config.schedules.timezone
    store_path = str(config.store.path)
    if not Path(store_path).exists():
        raise VocError(f"no store at {store_path}: run `voc run` (or `make demo`) first")
    notes: list[str] = []
    if week:
        week = _normalise_week(week)
    else:
        chosen = week_task(store_path, timezone, now)
        week, notes = chosen["week"], chosen["notes"]
        for note in notes:
            logger.warning("digest week %s: %s", week, note)
    run_id = run_id or f"digest-{uuid.uuid4().hex[:12]}"
    result: dict[str, Any] = {
        "run_id": run_id,
        "status": "failed",
        "week": week,
        "notes": notes,
        "language": language,
    }
    # The digest only reads: it never waits behind a run writing the store (it reads the
    # last run's snapshot then), so its own row in `runs` is written when the store is free.
    taxonomy = load_taxonomy(config.taxonomy or DEFAULT_TAXONOMY_PATH)
    with recorded_run(store_path, run_id, "digest", result, writes=False):
        digest = gather_task(
            store_path,
            week,
            settings.top,
            settings.quotes,
            settings.history_weeks,
            timezone,
            now,
            # Every label in the digest's language where the topic has one (a label is
            # fixed once found: a topic labelled in the other language keeps an alias).
            language,
            taxonomy.owners,
            (config.fixes.before_weeks, config.fixes.after_weeks, config.fixes.min_records),
        )
        result.update(
            records=digest.records,
            pain_points=len(digest.pain_points),
            praise=len(digest.praise),
            empty=digest.empty,
        )
        renderer = Renderer(digest, language, taxonomy)
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
            raise DeliveryError(
                f"digest of {week} written to {result['html']}, but delivery failed: {reasons}"
            )
        result["status"] = "completed"
    return result
