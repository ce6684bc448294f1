"""The real Prefect `analyze` and `run` flows on a real DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("prefect_harness")

FEEDBACK = [
    ("r1", "2026-11-02T10:00:00Z", "Fast delivery but the box was crushed."),
    ("r2", "2026-11-02T11:00:00Z", "The refund never arrived. Support ignored three emails."),
    ("r3", "2026-11-03T09:30:00Z", "配送が遅くて最悪でした。"),
    ("r4", "2026-11-03T12:00:00Z", "Love it, fits perfectly!"),
    ("r5", "2026-11-04T08:00:00Z", "👍"),
]


@pytest.fixture
def store_config(tmp_path: Path, write_config) -> Path:
    source = tmp_path / "reviews.csv"
    pd.DataFrame(FEEDBACK, columns=["id", "at", "body"]).to_csv(source, index=False)
    return write_config(
        [
            {
                "name": "reviews",
                "path": str(source),
                "channel": "review",
                "text_col": "body",
                "id_col": "id",
                "time_col": "at",
                "touchpoint": "product_quality",
            }
        ],
        taxonomy=str(REPO / "configs" / "taxonomy.yaml"),
    )


def _tables(config: Path) -> dict[str, pd.DataFrame]:
    from voc.store.warehouse import Warehouse

    with Warehouse(config.parent / "voc.duckdb", read_only=True) as store:
        return {
            "analysis": store.query("SELECT * FROM analysis ORDER BY feedback_id"),
            "sentences": store.query(
                "SELECT * FROM sentences ORDER BY feedback_id, sentence_index"
            ),
            "embeddings": store.query(
                "SELECT embedder, count(*) AS n FROM embeddings GROUP BY embedder"
            ),
            "enriched": store.query("SELECT * FROM enriched_feedback"),
        }


def _task_names(flow_name: str) -> set[str]:
    """Names of the task runs of the latest run of ``flow_name`` on the Prefect backend."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        latest = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            sort=FlowRunSort.START_TIME_DESC,
            limit=1,
        )[0]
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [latest.id]}))
    return {run.name.rsplit("-", 1)[0] for run in runs}


def test_run_ingests_then_analyses_and_a_rerun_does_nothing_twice(store_config: Path) -> None:
    from pipelines.analyze import analyze_flow, run_flow

    result = run_flow(config_path=str(store_config))
    analysis = result["analyze"]["analysis"]
    assert result["ingest"]["total"]["stored"] == 5
    assert analysis["analyzed"] == 5 and analysis["no_text"] == 0
    assert analysis["embedded"] == analysis["sentences"] == 7  # "Fast delivery | but the box…"
    tables = _tables(store_config)
    assert len(tables["analysis"]) == 5 and len(tables["sentences"]) == 7
    # Each sentence embedded once per cached representation (the vector, and the pooled
    # features a sentiment model like v3 reads from the same pass).
    assert (tables["embeddings"]["n"] == 7).all() and len(tables["embeddings"]) >= 1
    assert tables["enriched"]["sentiment"].notna().all()
    # The touchpoint the source gave is kept next to the inferred ones.
    assert all("product_quality" in list(t) for t in tables["analysis"]["touchpoints"])
    by_text = tables["enriched"].set_index("text")
    assert by_text.loc["Love it, fits perfectly!", "sentiment"] == "positive"
    assert by_text.loc["配送が遅くて最悪でした。", "sentiment"] == "negative"
    assert "delivery_and_shipping" in list(by_text.loc["配送が遅くて最悪でした。", "touchpoints"])
    crushed = tables["sentences"][tables["sentences"]["text"] == "but the box was crushed."]
    assert crushed["sentiment"].iat[0] == "negative"

    again = analyze_flow(config_path=str(store_config))
    assert again["analysis"]["analyzed"] == 0 and again["status"] == "completed"


def test_an_edited_taxonomy_reanalyses_from_cached_embeddings(store_config: Path) -> None:
    from pipelines.analyze import analyze_flow, run_flow

    run_flow(config_path=str(store_config))
    taxonomy = yaml.safe_load((REPO / "configs" / "taxonomy.yaml").read_text(encoding="utf-8"))
    taxonomy["touchpoints"] = [
        t for t in taxonomy["touchpoints"] if t["name"] != "delivery_and_shipping"
    ]
    edited = store_config.parent / "taxonomy.yaml"
    edited.write_text(yaml.safe_dump(taxonomy, allow_unicode=True), encoding="utf-8")
    config = yaml.safe_load(store_config.read_text(encoding="utf-8"))
    config["taxonomy"] = str(edited)
    store_config.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    result = analyze_flow(config_path=str(store_config))["analysis"]
    assert result["analyzed"] == 5
    assert result["embedded"] == 0 and result["cached"] == 7
    tables = _tables(store_config)
    assert not any("delivery_and_shipping" in list(t) for t in tables["analysis"]["touchpoints"])
    assert tables["analysis"]["version"].nunique() == 1
    assert len(tables["sentences"]) == 7  # replaced, not appended


def test_cli_run_and_runs(store_config: Path) -> None:
    from voc.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["run", "-c", str(store_config), "-f", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ingest"]["total"]["stored"] == 5
    assert payload["analyze"]["analysis"]["analyzed"] == 5
    runs = runner.invoke(app, ["runs", "-c", str(store_config), "-f", "json"])
    flows = sorted(row["flow"] for row in json.loads(runs.stdout))
    assert flows == ["analyze", "ingest"]


def test_topics_pain_points_and_survey_metrics_follow_the_analysis(
    tmp_path: Path, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The NPS and CSAT samples (dated, scored, English and Japanese) through `run`: topics
    are fitted, every sentence gets one, survey metrics and pain points are computed, and a
    second run keeps the topic ids (assignment, no refit)."""
    from pipelines.analyze import analyze_flow, run_flow
    from pipelines.topics import refit_topics_flow
    from voc.store.warehouse import Warehouse

    monkeypatch.chdir(REPO)
    full = yaml.safe_load((REPO / "configs" / "voc.yaml").read_text(encoding="utf-8"))
    surveys = [s for s in full["sources"] if s["name"] in ("nps_survey", "csat_survey_ja")]
    config = write_config(surveys, taxonomy=str(REPO / "configs" / "taxonomy.yaml"))
    result = run_flow(config_path=str(config))
    topics = result["analyze"]["topics"]["topics"]
    assert topics["action"] == "refit" and topics["topics"] >= 3
    assert topics["other_share"] < 0.15
    with Warehouse(config.parent / "voc.duckdb", read_only=True) as store:
        counts = store.query(
            "SELECT (SELECT count(*) FROM sentences) AS s, (SELECT count(*) FROM sentence_topics) AS t,"
            " (SELECT count(*) FROM pain_points) AS p,"
            " (SELECT count(*) FROM survey_metrics WHERE channel = '*' AND touchpoint = '*') AS m"
        ).iloc[0]
        metrics = store.query("SELECT DISTINCT metric FROM survey_metrics")["metric"].tolist()
        before = store.query("SELECT topic_id, label FROM topics ORDER BY topic_id")
        languages = store.query(
            "SELECT t.topic_id, count(DISTINCT s.language) AS n FROM sentence_topics t "
            "JOIN sentences s USING (feedback_id, sentence_index) WHERE t.topic_id <> -1 GROUP BY 1"
        )
    assert counts["s"] == counts["t"] > 0
    assert counts["p"] > 0 and counts["m"] > 0
    assert set(metrics) == {"nps", "csat"}
    assert (languages["n"] == 2).any()  # English and Japanese feedback share a topic

    # Topics and insights are two steps of the flow, each a task of its own in Prefect.
    assert result["analyze"]["insights"]["pain_points"]["rows"] == counts["p"]
    assert result["analyze"]["insights"]["survey_metrics"] > 0
    assert {"analyze-pending", "update-topics", "update-insights"} <= _task_names("analyze")

    again = analyze_flow(config_path=str(config))["topics"]["topics"]
    assert again["action"] == "assign" and again["sentences"] == 0
    # `voc analyze` prints the topics step's line with the insights step's pain points.
    from voc.cli import app

    printed = CliRunner().invoke(app, ["analyze", "-c", str(config)])
    assert printed.exit_code == 0, printed.output
    assert "topics: assign, 0 sentences" in printed.output
    assert f"pain points: {counts['p']} rows over " in printed.output
    refitted = refit_topics_flow(config_path=str(config))
    refit = refitted["topics"]["topics"]
    assert refit["action"] == "refit" and refit["events"].get("new", 0) == 0
    assert refitted["insights"]["pain_points"]["rows"] == counts["p"]
    assert {"update-topics", "update-insights"} <= _task_names("refit-topics")
    with Warehouse(config.parent / "voc.duckdb", read_only=True) as store:
        after = store.query("SELECT topic_id, label FROM topics ORDER BY topic_id")
    pd.testing.assert_frame_equal(before, after)  # the same data keeps its ids and labels
