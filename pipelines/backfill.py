"""The ``backfill`` flow: bring past ISO weeks up to date, as often as needed.

After feedback of old weeks arrived late (an export of last quarter), or to rebuild the
digests of a period, ``voc backfill --since 2026-W40``:

1. analyses whatever is pending (the ``analyze`` flow, as a subflow, without its insights
   step): records without a current analysis, sentences without a topic. It is skipped
   when nothing is pending (no models to load for nothing);
2. runs the insights step (``pipelines/analyze.insights_task``) itself: the pain points of
   every ISO week from ``since`` to ``until`` (default: the last week with data), and the
   survey metrics. When step 1 analysed something, topics may have moved in any week
   (late feedback, a refit), so the pain points of every week are recomputed, as the
   analyse flow would have;
3. writes the digest of every complete week in that range (the ``digest`` flow), not
   delivered unless asked: a backfill must not post ten old digests to Slack;
4. records the run and its summary in the ``runs`` table.

Every step replaces what it computes (rows of the weeks recomputed, digest files named by
their week), so running it twice gives the same tables and files. Weeks before ``since``
keep their pain point rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from pipelines.ingest import IO_RETRYING_TASK
from pipelines.runs import recorded_run
from voc.config import load_config
from voc.errors import ConfigError, VocError
from voc.run_ids import new_run_id as _new_run_id
from voc.store.feedback import newest_created_at
from voc.store.sentences import count_sentences_without_topic
from voc.store.warehouse import Warehouse
from voc.weeks import is_complete, iso_week, iso_week_monday, parse_week, weeks_between

__all__ = ["backfill_flow", "new_backfill_run_id"]


@task(name="find-pending-analysis", **IO_RETRYING_TASK)
def pending_task(store_path: str, sentiment_model: str, taxonomy: str | None) -> dict[str, int]:
    """Count records without a current analysis and analysed sentences without a topic."""
    from voc.analysis import Analyzer

    # Loading the analyser builds no embedder: it only names the current analysis version.
    version = Analyzer.load(sentiment_model, taxonomy).version
    with Warehouse(store_path) as store:
        records = store.count_pending_analysis(version)
        sentences = count_sentences_without_topic(store)
    return {"records": int(records), "sentences": int(sentences)}


@flow(name="backfill", persist_result=False)
def backfill_flow(
    config_path: str | None = None,
    *,
    since: str,
    until: str | None = None,
    digests: bool = True,
    deliver: bool = False,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Recompute the ISO weeks ``since``..``until`` idempotently (module docstring).

    Args:
        config_path: The config file (default: ``$VOC_CONFIG`` or ``configs/voc.yaml``).
        since: The first week: ``2026-W40``, or a date for its week (``2026-10-01``).
        until: The last week, the same way (default: the last week with data).
        digests: Also write the digest of every complete week in the range.
        deliver: Send those digests where ``digest.delivery`` says (default: only write).
        run_id: The run's id (default: a new one); its summary lands in ``runs``.

    Returns:
        ``{"run_id", "status", "store", "since", "until", "weeks": [labels],
        "analysis": {...}, "pain_points": {..., "rows_by_week"}, "survey_metrics": rows,
        "digests": [{"week", "status", "html", "markdown"}], "incomplete_weeks": [...],
        "errors": {week: message}}``.

    Raises:
        ConfigError: ``since`` or ``until`` is not a week or a date, ``since`` is after
            ``until``, or no data reaches ``since`` (raised before anything is written).
        VocError: There is no store yet; or a digest could not be written (after the
            others were, and the run was recorded as failed).
    """
    logger = get_run_logger()
    first = parse_week(since, "since")
    last = parse_week(until, "until") if until is not None else None
    if last is not None and iso_week_monday(first) > iso_week_monday(last):
        raise ConfigError(f"since {first} is after until {last}: give since <= until")
    config = load_config(config_path)
    store_path = str(config.store.path)
    if not Path(store_path).exists():
        raise VocError(f"no store at {store_path}: run `voc run` (or `make demo`) first")
    with Warehouse(store_path, read_only=True) as store:
        newest = newest_created_at(store)
    if last is None:
        if newest is None:
            raise ConfigError(
                f"the store {store_path} holds no dated feedback: nothing to backfill"
            )
        last = iso_week(newest.date())
        if iso_week_monday(first) > iso_week_monday(last):
            raise ConfigError(
                f"since {first} is after the last week with data ({last}): give an earlier "
                "week, or an until to write empty weeks"
            )
    weeks = weeks_between(first, last)
    # A week is complete once it ended on the calendar of schedules.timezone, the rule of
    # the default week of `voc digest` and `voc pain-points` (voc.weeks).
    complete = [w for w in weeks if is_complete(w, config.schedules.timezone)]

    run_id = run_id or new_backfill_run_id()
    result: dict[str, Any] = {
        "run_id": run_id,
        "status": "failed",
        "store": store_path,
        "since": first,
        "until": last,
        "weeks": weeks,
        "digests": [],
        "incomplete_weeks": [w for w in weeks if w not in complete] if digests else [],
        "errors": {},
    }
    with recorded_run(
        store_path, run_id, "backfill", result, lock_timeout=config.store.lock_timeout_seconds
    ):
        pending = pending_task(
            store_path,
            config.analysis.sentiment_model,
            str(config.taxonomy) if config.taxonomy else None,
        )
        result["analysis"] = _analyse_pending(config_path, pending)
        from pipelines.analyze import insights_task

        # After an analysis the topics of any week may have changed: every week, as the
        # analyse flow's own insights step would; else only the weeks asked for.
        insights = insights_task(
            store_path,
            run_id,
            weeks if result["analysis"]["action"] == "skipped" else None,
            count_weeks=weeks,
        )
        result["pain_points"] = insights["pain_points"]
        result["survey_metrics"] = insights["survey_metrics"]
        if digests:
            from pipelines.digest import digest_flow

            for week in complete:
                try:
                    digest = digest_flow(config_path=config_path, week=week, deliver=deliver)
                except Exception as e:
                    # One week's digest failing must not stop the other weeks' digests.
                    logger.error("digest of %s failed: %s", week, e)
                    result["errors"][week] = (
                        str(e) if isinstance(e, VocError) else f"{type(e).__name__}: {e}"
                    )
                    continue
                result["digests"].append(
                    {
                        "week": week,
                        "status": digest.get("status"),
                        "html": _text(digest.get("html")),
                        "markdown": _text(digest.get("markdown")),
                    }
                )
        if not result["errors"]:
            result["status"] = "completed"
    logger.info(
        "backfill %s..%s: %d weeks, %d pain point rows, %d digests",
        first,
        last,
        len(weeks),
        result["pain_points"]["rows"],
        len(result["digests"]),
    )
    if result["errors"]:
        raise VocError(
            "backfill wrote no digest for "
            + "; ".join(f"{week}: {message}" for week, message in result["errors"].items())
            + f" (the rest is done; run {run_id} in `voc runs`)"
        )
    return result


def _analyse_pending(config_path: str | None, pending: dict[str, int]) -> dict[str, Any]:
    """Run the analyse flow when something is pending; a short summary either way."""
    if not (pending["records"] or pending["sentences"]):
        return {"action": "skipped", "reason": "nothing pending", **pending}
    from pipelines.analyze import analyze_flow

    # The insights are the backfill's own next step (the caller), not the subflow's.
    analysed = analyze_flow(config_path=config_path, insights=False)
    topics = (analysed.get("topics") or {}).get("topics") or {}
    return {
        "action": "analysed",
        "run_id": analysed["run_id"],
        "status": analysed["status"],
        "analyzed": analysed["analysis"]["analyzed"],
        "topics": topics.get("action"),
        **pending,
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def new_backfill_run_id() -> str:
    """A fresh backfill run id, e.g. ``backfill-3f9a1c0b2d4e``."""
    return _new_run_id("backfill")
