"""The deployments `voc serve` starts: their schedules come from the config's `schedules:`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from typer.testing import CliRunner

SCHEDULED = {"voc-daily": "run", "voc-digest": "digest"}
ON_DEMAND = {
    "voc-ingest": "ingest",
    "voc-analyze": "analyze",
    "voc-refit-topics": "refit-topics",
    "voc-backfill": "backfill",
}


@pytest.fixture
def tokyo_config(tmp_path: Path) -> Path:
    config = {
        "store": {"path": str(tmp_path / "voc.duckdb")},
        "schedules": {"timezone": "Asia/Tokyo", "ingest": "30 5 * * *", "digest": "0 8 * * 1"},
    }
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_deployments_run_daily_and_on_monday_morning_in_the_configured_time_zone(
    tokyo_config: Path,
) -> None:
    from prefect.server.schemas.schedules import CronSchedule

    from pipelines.deployments import build_deployments, describe_schedule

    deployments = {d.name: d for d in build_deployments(str(tokyo_config))}
    assert {name: d.flow_name for name, d in deployments.items()} == SCHEDULED | ON_DEMAND

    digest = deployments["voc-digest"].schedules
    assert len(digest) == 1
    assert digest[0].schedule.cron == "0 8 * * 1"
    assert digest[0].schedule.timezone == "Asia/Tokyo"
    daily = deployments["voc-daily"].schedules
    assert [(s.schedule.cron, s.schedule.timezone) for s in daily] == [("30 5 * * *", "Asia/Tokyo")]
    for name in ON_DEMAND:
        assert not deployments[name].schedules, name
        assert describe_schedule(deployments[name]) == "on demand"
    assert describe_schedule(deployments["voc-digest"]) == "cron 0 8 * * 1 (Asia/Tokyo)"

    for deployment in deployments.values():
        # Absolute, so a run finds the config whatever directory serve started in.
        assert deployment.parameters == {"config_path": str(tokyo_config.resolve())}
        assert deployment.tags == ["voc"]
        assert deployment.description

    # Sunday 2026-10-11 23:30 UTC is Monday 08:30 in Tokyo: the next digest is a week later.
    server_schedule = CronSchedule(
        cron=digest[0].schedule.cron, timezone=digest[0].schedule.timezone
    )
    start = datetime(2026, 10, 11, 23, 30, tzinfo=UTC)
    (next_run,) = asyncio.run(server_schedule.get_dates(n=1, start=start))
    local = next_run.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2026, 10, 19, 8, 0)
    assert local.weekday() == 0  # Monday
    # Just before: the same Monday, 08:00 Tokyo = 23:00 UTC on Sunday.
    (earlier,) = asyncio.run(
        server_schedule.get_dates(n=1, start=datetime(2026, 10, 11, 22, 0, tzinfo=UTC))
    )
    assert earlier.astimezone(UTC) == datetime(2026, 10, 11, 23, 0, tzinfo=UTC)


def test_deployments_register_with_a_work_pool_with_their_schedules(
    prefect_harness: None, tokyo_config: Path
) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    from pipelines.deployments import deploy_to_work_pool

    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="voc-test", type="process"))
    names = deploy_to_work_pool("voc-test", str(tokyo_config))
    assert names[:2] == ["run/voc-daily", "digest/voc-digest"] and len(names) == 6
    with get_client(sync_client=True) as client:
        digest = client.read_deployment_by_name("digest/voc-digest")
        backfill = client.read_deployment_by_name("backfill/voc-backfill")
    assert digest.work_pool_name == "voc-test"
    assert [(s.schedule.cron, s.schedule.timezone) for s in digest.schedules] == [
        ("0 8 * * 1", "Asia/Tokyo")
    ]
    assert digest.parameters == {"config_path": str(tokyo_config.resolve())}
    assert backfill.schedules == []
    # A backfill needs its first week, asked for when the run is started.
    assert backfill.parameter_openapi_schema["required"] == ["since"]


def test_voc_serve_dry_run_lists_every_deployment_and_serves_nothing(tokyo_config: Path) -> None:
    from voc.cli import app

    result = CliRunner().invoke(app, ["serve", "--dry-run", "-c", str(tokyo_config)])
    assert result.exit_code == 0, result.output
    for name in SCHEDULED | ON_DEMAND:
        assert name in result.output
    assert "cron 0 8 * * 1 (Asia/Tokyo)" in result.output
    assert "cron 30 5 * * * (Asia/Tokyo)" in result.output
    assert "on demand" in result.output
    assert "serving" not in result.output


def test_voc_serve_with_a_bad_cron_exits_2_naming_the_key(tokyo_config: Path) -> None:
    from voc.cli import app

    config = yaml.safe_load(tokyo_config.read_text(encoding="utf-8"))
    config["schedules"]["digest"] = "0 8 * * funday"
    tokyo_config.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--dry-run", "-c", str(tokyo_config)])
    assert result.exit_code == 2, result.output
    assert "schedules.digest" in result.output
    assert "voc-digest" not in result.output  # failed before listing anything
