"""The real `backfill` flow on a writable copy of the demo store: idempotent, week-bounded."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from voc.errors import ConfigError

pytestmark = pytest.mark.usefixtures("prefect_harness")

KEY = ["week", "topic_id", "channel", "touchpoint"]


@pytest.fixture
def writable_demo(demo: dict[str, Path], tmp_path: Path) -> Path:
    """A config pointing to a copy of the demo store, with its own digest folder."""
    shutil.copy(demo["store"], tmp_path / "voc.duckdb")
    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    config["store"] = {"path": str(tmp_path / "voc.duckdb")}
    config["digest"] = {**config.get("digest", {}), "out_dir": str(tmp_path / "reports")}
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _tables(config: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from voc.store.warehouse import Warehouse

    with Warehouse(config.parent / "voc.duckdb", read_only=True) as store:
        pain = store.query(f"SELECT * FROM pain_points ORDER BY {', '.join(KEY)}")
        survey = store.query(
            "SELECT * FROM survey_metrics ORDER BY week, channel, touchpoint, metric"
        )
    return pain, survey


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _without_run_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns="run_id").reset_index(drop=True)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_backfill_recomputes_only_its_weeks_and_a_rerun_changes_nothing(
    writable_demo: Path,
) -> None:
    from pipelines.backfill import backfill_flow

    before, survey_before = _tables(writable_demo)
    last = max(before["week"])
    since = _week(date.fromisocalendar(*map(int, last.split("-W")), 1) - timedelta(weeks=3))
    in_range = before["week"] >= since

    first = backfill_flow(config_path=str(writable_demo), since=since, digests=True)
    assert first["status"] == "completed"
    assert first["weeks"][0] == since and first["until"] == last and len(first["weeks"]) == 4
    assert first["analysis"]["action"] == "skipped"  # the demo analysed everything
    after, survey_after = _tables(writable_demo)
    # Same rows as the analyse flow computed for those weeks, now under the backfill's run.
    pd.testing.assert_frame_equal(_without_run_id(before), _without_run_id(after))
    assert set(after.loc[after["week"] >= since, "run_id"]) == {first["run_id"]}
    # Weeks before `since` are left as they were, run id included.
    pd.testing.assert_frame_equal(
        before[~in_range].reset_index(drop=True),
        after[after["week"] < since].reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(_without_run_id(survey_before), _without_run_id(survey_after))
    assert sum(first["pain_points"]["rows_by_week"].values()) == int(in_range.sum())

    # Every complete week got a digest: the three weeks followed by data at least.
    digest_weeks = [d["week"] for d in first["digests"]]
    assert digest_weeks == [w for w in first["weeks"] if w not in first["incomplete_weeks"]]
    assert set(first["weeks"][:3]) <= set(digest_weeks)
    reports = Path(yaml.safe_load(writable_demo.read_text(encoding="utf-8"))["digest"]["out_dir"])
    files = _files(reports)
    assert files and all(Path(d["html"]).is_file() for d in first["digests"])

    second = backfill_flow(config_path=str(writable_demo), since=since, digests=True)
    again, survey_again = _tables(writable_demo)
    pd.testing.assert_frame_equal(_without_run_id(after), _without_run_id(again))
    pd.testing.assert_frame_equal(_without_run_id(survey_after), _without_run_id(survey_again))
    assert [(d["week"], d["html"], d["markdown"]) for d in second["digests"]] == [
        (d["week"], d["html"], d["markdown"]) for d in first["digests"]
    ]
    assert _files(reports) == files

    from voc.store.warehouse import Warehouse

    with Warehouse(writable_demo.parent / "voc.duckdb", read_only=True) as store:
        runs = store.query(
            "SELECT run_id, status, summary FROM runs WHERE flow = 'backfill' ORDER BY started_at"
        )
    assert list(runs["run_id"]) == [first["run_id"], second["run_id"]]
    assert set(runs["status"]) == {"completed"}
    summary = json.loads(runs["summary"].iat[1])
    assert summary["weeks"] == first["weeks"]
    assert summary["pain_points"]["rows"] == int(in_range.sum())
    assert len(summary["digests"]) == len(digest_weeks)


def test_backfill_refuses_weeks_in_the_wrong_order_before_writing(writable_demo: Path) -> None:
    from pipelines.backfill import backfill_flow

    with pytest.raises(ConfigError, match="since 2026-W45 is after until 2026-W40"):
        backfill_flow(config_path=str(writable_demo), since="2026-11-02", until="2026-W40")


@pytest.mark.parametrize(
    ("value", "week"),
    [
        ("2026-W40", "2026-W40"),
        ("2026-w05", "2026-W05"),
        ("2026-10-01", "2026-W40"),
        ("2027-01-01", "2026-W53"),
    ],
)
def test_a_week_is_read_from_an_iso_week_or_a_date(value: str, week: str) -> None:
    from voc.weeks import parse_week

    assert parse_week(value) == week


def test_cli_backfill_with_a_bad_since_exits_2_saying_what_to_write(writable_demo: Path) -> None:
    from voc.cli import app

    result = CliRunner().invoke(
        app, ["backfill", "--since", "2026-40", "--no-digests", "-c", str(writable_demo)]
    )
    assert result.exit_code == 2, result.output
    assert "--since '2026-40'" in result.output
    assert "write an ISO week such as 2026-W40" in result.output


def test_cli_backfill_prints_its_weeks(writable_demo: Path) -> None:
    from voc.cli import app

    before, _ = _tables(writable_demo)
    last = max(before["week"])
    result = CliRunner().invoke(
        app, ["backfill", "--since", last, "--no-digests", "-c", str(writable_demo), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["weeks"] == [last] and summary["digests"] == []
    assert summary["pain_points"]["rows_by_week"][last] == int((before["week"] == last).sum())


def test_backfill_runs_the_insights_step_once_after_analysing_what_is_pending(
    writable_demo: Path,
) -> None:
    """Sentences of an old week without a topic: the analyse flow assigns them without
    its insights step, and the backfill's own insights step recomputes every week (topics
    moved in a week before `since`), once, under the backfill's run id."""
    import duckdb

    from pipelines.backfill import backfill_flow
    from voc.store.warehouse import Warehouse

    before, _ = _tables(writable_demo)
    weeks = sorted(set(before["week"]))
    old, last = weeks[0], weeks[-1]
    store_path = writable_demo.parent / "voc.duckdb"
    with duckdb.connect(str(store_path)) as con:
        con.execute(
            "DELETE FROM sentence_topics t USING feedback f WHERE t.feedback_id = f.feedback_id "
            "AND strftime(f.created_at, '%G-W%V') = ?",
            [old],
        )
    result = backfill_flow(config_path=str(writable_demo), since=last, digests=False)
    assert result["status"] == "completed"
    assert result["analysis"]["action"] == "analysed" and result["analysis"]["sentences"] > 0
    assert result["analysis"]["topics"] == "assign"
    after, _ = _tables(writable_demo)
    # Every week recomputed by the backfill's insights step, none by the analyse subflow.
    assert set(after["run_id"]) == {result["run_id"]}
    pd.testing.assert_frame_equal(_without_run_id(before), _without_run_id(after))
    assert result["pain_points"]["rows_by_week"] == {last: int((after["week"] == last).sum())}
    with Warehouse(store_path, read_only=True) as store:
        analysed = json.loads(
            store.query(
                "SELECT summary FROM runs WHERE run_id = ?", [result["analysis"]["run_id"]]
            )["summary"].iat[0]
        )
    assert "insights" not in analysed and analysed["topics"]["topics"]["action"] == "assign"
