"""Commands that run voc on a schedule or over past weeks: ``voc serve`` (Prefect
deployments on their cron schedules) and ``voc backfill``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from voc.commands._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    _fail,
    _flow_api,
    print_frame,
    run_recorded_flow,
)
from voc.errors import VocError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command()(serve)
    app.command()(backfill)


def serve(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the deployments and exit without serving.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="At most this many flow runs at once (default: no limit).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Serve voc's Prefect deployments on their schedules until Ctrl-C (Prefect's `serve`).

    voc-daily (ingest, then analyse) and voc-digest run on the cron schedules of the
    config's `schedules:`, in its time zone; voc-ingest, voc-analyze, voc-refit-topics and
    voc-backfill run on demand (Prefect UI, or `prefect deployment run`). Runs execute in
    subprocesses of this command, which must keep running. Set PREFECT_API_URL to use a
    long-running `prefect server start` (docs/scheduling.md).
    """
    import pandas as pd

    from pipelines.deployments import build_deployments, describe_schedule, serve_deployments

    config_path = str(config) if config else None
    try:
        deployments = build_deployments(config_path)
    except VocError as e:
        _fail(e)
    rows = [
        {"name": d.name, "flow": d.flow_name, "schedule": describe_schedule(d)} for d in deployments
    ]
    print_frame(pd.DataFrame(rows), OutputFormat.table, title="voc deployments")
    used = deployments[0].parameters.get("config_path") if deployments else None
    typer.echo(f"config: {used or 'built-in defaults'}")
    if dry_run:
        return
    typer.echo("serving; Ctrl-C stops (scheduled runs are paused until the next `voc serve`)")
    try:
        with _flow_api():
            serve_deployments(config_path, limit=limit)
    except Exception as e:
        _fail(e)


def backfill(
    since: Annotated[
        str, typer.Option(help="First ISO week to recompute, e.g. 2026-W40 (or a date in it).")
    ],
    until: Annotated[
        str | None,
        typer.Option(help="Last ISO week, the same way (default: the last week with data)."),
    ] = None,
    digests: Annotated[
        bool,
        typer.Option("--digests/--no-digests", help="Rewrite the digest of each complete week."),
    ] = True,
    deliver: Annotated[
        bool,
        typer.Option("--deliver", help="Also send those digests (default: only write them)."),
    ] = False,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Recompute past ISO weeks (the Prefect `backfill` flow): analyse what is pending,
    recompute pain points and survey metrics from --since to --until, rewrite the digests.

        voc backfill --since 2026-W40

    Idempotent: a second run gives the same tables and digest files. Weeks before --since
    keep their pain points. Digests are written, not sent, unless --deliver.
    """
    import pandas as pd

    from pipelines.backfill import backfill_flow
    from voc.run_ids import new_run_id
    from voc.weeks import parse_week

    def check_weeks() -> None:  # fail on a bad week before Prefect starts
        parse_week(since, "--since")
        if until is not None:
            parse_week(until, "--until")

    run_id = new_run_id("backfill")
    summary, recorded, failed = run_recorded_flow(
        config,
        "backfill",
        [run_id],
        lambda: backfill_flow(
            config_path=str(config) if config else None,
            since=since,
            until=until,
            digests=digests,
            deliver=deliver,
            run_id=run_id,
        ),
        check=check_weeks,
    )
    if failed is not None:
        summary = recorded.get(run_id)
    if summary is not None:
        if output is OutputFormat.json:
            sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n")
        else:
            digest_of = {d["week"]: d for d in summary.get("digests", [])}
            rows_by_week = (summary.get("pain_points") or {}).get("rows_by_week", {})
            frame = pd.DataFrame(
                [
                    {
                        "week": week,
                        "pain_point_rows": rows_by_week.get(week, 0),
                        "digest": (digest_of.get(week) or {}).get("html")
                        or summary.get("errors", {}).get(week)
                        or ("week not over" if week in summary.get("incomplete_weeks", []) else ""),
                    }
                    for week in summary.get("weeks", [])
                ]
            )
            analysis = summary.get("analysis") or {}
            title = (
                f"backfill {summary['run_id']}: {summary['status']}, "
                f"{len(summary.get('weeks', []))} weeks {summary['since']}..{summary['until']}"
            )
            print_frame(frame, output, title=title if output is OutputFormat.table else None)
            if output is OutputFormat.table:
                typer.echo(
                    f"pain point rows {(summary.get('pain_points') or {}).get('rows', 0)}, "
                    f"survey metric rows {summary.get('survey_metrics', 0)}, "
                    f"digests written {len(digest_of)}"
                    f"{' and delivered' if deliver and digest_of else ''}; analysis: "
                    f"{analysis.get('action', '-')}"
                    + (f" ({analysis['analyzed']} records)" if "analyzed" in analysis else "")
                )
    if failed is not None:
        _fail(failed)
