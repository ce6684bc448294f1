"""The deployments ``voc serve`` starts: the daily run, the Monday digest, and on-demand flows.

Schedules come from the config's ``schedules:`` (cron expressions read in
``schedules.timezone``, an IANA name), so a data engineer changes times in
``configs/voc.yaml``, not here:

- ``voc-daily``: the ``run`` flow on ``schedules.ingest``: ingest every source, then analyse
  what is new in the same flow run, so the analysis always follows a finished ingest.
- ``voc-digest``: the ``digest`` flow on ``schedules.digest`` (Mondays 08:00 by default).
- ``voc-ingest``, ``voc-analyze``, ``voc-refit-topics``, ``voc-backfill``: no schedule; run
  them from the Prefect UI or ``prefect deployment run FLOW/DEPLOYMENT``.

Serve them with ``voc serve`` or ``python -m pipelines.deployments``; or register them with a
work pool for a worker to run: ``python -m pipelines.deployments --work-pool voc``
(docs/scheduling.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voc.config import load_config, resolve_config_path

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

#: Tags of every deployment, to filter them in the Prefect UI.
TAGS = ["voc"]


def build_deployments(config_path: str | None = None) -> list[RunnerDeployment]:
    """The deployments of voc, scheduled as the config's ``schedules:`` says.

    Every deployment passes the config file as its ``config_path`` parameter, made
    absolute, so a run reads the same file whatever directory the process serving it
    started in (None when voc runs on built-in defaults).

    Args:
        config_path: The config file (default: ``$VOC_CONFIG``, else ``configs/voc.yaml``).

    Returns:
        ``voc-daily`` and ``voc-digest`` (scheduled), then ``voc-ingest``, ``voc-analyze``,
        ``voc-refit-topics`` and ``voc-backfill`` (on demand).

    Raises:
        ConfigError: The config is invalid (a bad cron or time zone is named by its key,
            e.g. ``schedules.digest``).
    """
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from pipelines.analyze import analyze_flow, run_flow
    from pipelines.backfill import backfill_flow
    from pipelines.digest import digest_flow
    from pipelines.ingest import ingest_flow
    from pipelines.topics import refit_topics_flow

    schedules = load_config(config_path).schedules
    resolved = resolve_config_path(config_path)
    parameters = {"config_path": str(resolved.resolve()) if resolved is not None else None}

    def deployment(flow: Any, name: str, description: str, cron: str | None) -> RunnerDeployment:
        runner: RunnerDeployment = flow.to_deployment(
            name=name,
            description=description,
            schedules=[Cron(cron, timezone=schedules.timezone)] if cron else None,
            parameters=dict(parameters),
            tags=list(TAGS),
            # `pipelines.analyze.run_flow`, not a file path relative to where serve started:
            # the package is installed, so a run finds its flow from any directory.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        return runner

    return [
        deployment(
            run_flow,
            "voc-daily",
            "Ingest every configured source, then analyse what is new (sentiment, "
            "touchpoints, topics, pain points) in the same run. Scheduled daily by "
            "schedules.ingest; re-run a failed day from here or with `voc run`.",
            schedules.ingest,
        ),
        deployment(
            digest_flow,
            "voc-digest",
            "Write the weekly pain-point digest (HTML, Markdown, a Prefect artifact) of the "
            "last complete ISO week with data and deliver it where digest.delivery says. Scheduled "
            "weekly by schedules.digest.",
            schedules.digest,
        ),
        deployment(
            ingest_flow,
            "voc-ingest",
            "On demand: ingest every configured source (or source_names) without analysing; "
            "the daily run does both.",
            None,
        ),
        deployment(
            analyze_flow,
            "voc-analyze",
            "On demand: analyse stored records without a current analysis, e.g. after a new "
            "sentiment model or an edited taxonomy (re-analysed from cached embeddings).",
            None,
        ),
        deployment(
            refit_topics_flow,
            "voc-refit-topics",
            "On demand: refit the topic model on everything stored (topic ids are kept), "
            "then recompute pain points.",
            None,
        ),
        deployment(
            backfill_flow,
            "voc-backfill",
            "On demand: analyse what is pending, recompute pain points and survey metrics "
            "for the ISO weeks since..until and rewrite their digests (not delivered unless "
            "deliver=true). Idempotent: run it as often as needed.",
            None,
        ),
    ]


def describe_schedule(deployment: RunnerDeployment) -> str:
    """A deployment's schedule in words: ``cron 0 8 * * 1 (Asia/Tokyo)`` or ``on demand``."""
    described = []
    for entry in deployment.schedules or []:
        schedule = entry.schedule
        cron = getattr(schedule, "cron", None)
        if cron is None:
            described.append(str(schedule))
        else:
            described.append(f"cron {cron} ({getattr(schedule, 'timezone', None) or 'UTC'})")
    return "; ".join(described) or "on demand"


def serve_deployments(config_path: str | None = None, limit: int | None = None) -> None:
    """Serve every deployment of :func:`build_deployments` until interrupted (Ctrl-C).

    Scheduled runs and runs started from the UI execute in subprocesses of this process,
    which must keep running. Without ``PREFECT_API_URL`` Prefect starts a temporary local
    server for the lifetime of the process; point it at ``prefect server start`` to keep
    the run history and the UI (docs/scheduling.md).

    Args:
        config_path: The config file (default: ``$VOC_CONFIG``, else ``configs/voc.yaml``).
        limit: At most this many flow runs at once (default: no limit).
    """
    from prefect import serve

    serve(*build_deployments(config_path), limit=limit)


def deploy_to_work_pool(work_pool_name: str, config_path: str | None = None) -> list[str]:
    """Register every deployment with a work pool instead of serving them.

    A worker (``prefect worker start --pool NAME``) then runs them, in its own working
    directory and environment, which must have voc installed. Registering again updates
    them (after a change to ``schedules:``). Needs ``PREFECT_API_URL`` to point at a
    running server: the deployments live there.

    Args:
        work_pool_name: An existing work pool (``prefect work-pool create voc --type process``).
        config_path: The config file (default: ``$VOC_CONFIG``, else ``configs/voc.yaml``).

    Returns:
        The deployments' full names (``FLOW/DEPLOYMENT``).
    """
    names = []
    for deployment in build_deployments(config_path):
        deployment.apply(work_pool_name=work_pool_name)
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return names


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.deployments",
        description="Serve voc's deployments (default), or register them with a work pool.",
    )
    parser.add_argument("--config", type=Path, help="config file (default: $VOC_CONFIG)")
    parser.add_argument("--limit", type=int, help="at most this many flow runs at once")
    parser.add_argument(
        "--work-pool", help="register the deployments with this work pool and exit (no serving)"
    )
    args = parser.parse_args(argv)
    config_path = str(args.config) if args.config else None
    if args.work_pool:
        for name in deploy_to_work_pool(args.work_pool, config_path):
            print(f"registered {name} with work pool {args.work_pool}")  # a command line
        return
    serve_deployments(config_path, limit=args.limit)


if __name__ == "__main__":
    _main()
