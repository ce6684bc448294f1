"""The `voc` command as a user types it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voc.cli import app

runner = CliRunner()


def test_every_command_has_help() -> None:
    for command in [
        "ingest", "analyze", "run", "enrich", "status", "sql", "quarantine", "runs",
        "trends", "pain-points", "topics", "search", "train",
    ]:  # fmt: skip
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_a_bad_config_stops_ingest_before_anything_runs(tmp_path: Path) -> None:
    config = tmp_path / "voc.yaml"
    config.write_text(
        "store: {path: x.duckdb}\nsources:\n  - name: a\n    path: x.csv\n    chanel: review\n    text_col: t\n"
    )
    result = runner.invoke(app, ["ingest", "--config", str(config)])
    assert result.exit_code == 2
    assert "sources[0].chanel: unknown key" in result.output
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_adhoc_ingest_then_status_sql_and_quarantine(
    tmp_path: Path, write_config, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config([])
    export = tmp_path / "nps.csv"
    export.write_text(
        "rid,when,score,comment\n1,2026-10-05,9,Fast delivery\n2,2026-10-06,11,Impossible score\n"
        "3,2026-10-07,2,配送が遅すぎます\n",
        encoding="utf-8",
    )
    args = [
        "ingest",
        str(export),
        "--channel",
        "survey",
        "--text-col",
        "comment",
        "--id-col",
        "rid",
        "--time-col",
        "when",
        "--rating-col",
        "score",
        "--rating-scale",
        "nps",
        "--config",
        str(config),
    ]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["total"]["stored"] == 2 and summary["total"]["quarantined_by_reason"] == {
        "impossible_rating": 1
    }

    status = runner.invoke(app, ["status", "--config", str(config), "--format", "json"])
    assert status.exit_code == 0, status.output
    counts = json.loads(status.stdout)
    assert {row["language"]: row["items"] for row in counts["language"]} == {"en": 1, "ja": 1}

    sql = runner.invoke(
        app,
        ["sql", "SELECT count(*) AS n FROM feedback", "--config", str(config), "--format", "csv"],
    )
    assert sql.stdout.strip().splitlines() == ["n", "2"]
    refused = runner.invoke(app, ["sql", "DELETE FROM feedback", "--config", str(config)])
    assert refused.exit_code == 2 and "read-only" in refused.output

    listed = runner.invoke(app, ["quarantine", "--config", str(config), "--format", "json"])
    assert json.loads(listed.stdout)[0]["reason"] == "impossible_rating"


def test_adhoc_ingest_without_a_channel_says_which_option_is_missing(
    tmp_path: Path, write_config
) -> None:
    config = write_config([])
    export = tmp_path / "x.csv"
    export.write_text("a\nb\n")
    result = runner.invoke(app, ["ingest", str(export), "--text-col", "a", "--config", str(config)])
    assert result.exit_code == 2
    assert "--channel" in result.output


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_summary_says_which_file_was_skipped_and_why(
    tmp_path: Path, write_config, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config([])
    export = tmp_path / "reviews.csv"
    export.write_text("id,text\n1,Fast delivery\n", encoding="utf-8")
    args = ["ingest", str(export), "--channel", "review", "--text-col", "text"]
    first = runner.invoke(app, [*args, "--id-col", "id", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert not [line for line in first.output.splitlines() if line.startswith("skipped ")]
    second = runner.invoke(app, [*args, "--id-col", "id", "--config", str(config)])
    assert second.exit_code == 0, second.output
    line = next(line for line in second.output.splitlines() if line.startswith("skipped"))
    assert str(export) in line and "unchanged" in line and "--force" in line


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_prints_the_summary_its_flow_returned_without_reading_runs_back(
    tmp_path: Path, write_config, monkeypatch
) -> None:
    def no_read_back(*args: object, **kwargs: object) -> None:
        raise AssertionError("the command read the run's summary back from `runs`")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("voc.store.runs.run_summaries", no_read_back)
    config = write_config([])
    export = tmp_path / "reviews.csv"
    export.write_text("id,text\n1,Fast delivery\n2,Slow refund\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["ingest", str(export), "--channel", "review", "--text-col", "text", "--id-col", "id",
         "--config", str(config), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed" and summary["total"]["stored"] == 2


@pytest.mark.usefixtures("prefect_harness")
def test_a_failed_ingest_still_prints_what_it_did(
    tmp_path: Path, write_config, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "good.csv"
    good.write_text("id,text\n1,Fast delivery\n", encoding="utf-8")
    config = write_config(
        [
            {"name": "good", "path": str(good), "channel": "review", "text_col": "text",
             "id_col": "id"},
            {"name": "broken", "path": str(tmp_path / "gone.csv"), "channel": "review",
             "text_col": "text"},
        ]
    )  # fmt: skip
    result = runner.invoke(app, ["ingest", "--config", str(config), "--format", "json"])
    assert result.exit_code == 2, result.output
    summary = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert summary["status"] == "failed"
    assert summary["total"]["stored"] == 1 and "broken" in summary["errors"]
