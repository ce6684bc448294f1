"""``voc enrich``: every row out, in order, input columns untouched, analysis added."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from voc.analysis import Analyzer
from voc.cli import app
from voc.enrich import ANALYSIS_COLUMNS, enrich_file, enrich_frame, read_table
from voc.errors import ConfigError

ROWS = [
    {"id": "a1", "when": "2026-11-02", "stars": "5", "body": "Love this dress, it fits perfectly!"},
    {
        "id": "a2",
        "when": "2026-11-03",
        "stars": "1",
        "body": "The refund never arrived and support ignored me.",
    },
    {"id": "a3", "when": "2026-11-03", "stars": "", "body": ""},
    {"id": "a4", "when": "2026-11-04", "stars": "2", "body": "配送が遅くて最悪でした。"},
    {
        "id": "a5",
        "when": "2026-11-05",
        "stars": "4",
        "body": "Fast delivery but the box was crushed.",
    },
    {"id": "007", "when": "2026-11-05", "stars": "3", "body": "  "},
]


def _check(out: pd.DataFrame, original: pd.DataFrame) -> None:
    assert list(out.columns) == [*original.columns, *ANALYSIS_COLUMNS]
    pd.testing.assert_frame_equal(out[original.columns], original, check_dtype=False)
    assert out["voc_error"].isna().tolist() == [True, True, False, True, True, False]
    assert out.loc[2, "voc_error"] == out.loc[5, "voc_error"] == "empty_text"
    assert out.loc[2, ["sentiment", "sentiment_score", "touchpoints"]].isna().all()
    assert out["sentiment"].tolist()[:2] == ["positive", "negative"]
    assert out.loc[3, "language"] == "ja" and out.loc[3, "sentiment"] == "negative"
    assert "returns_and_refunds" in out.loc[1, "touchpoints"].split("|")
    assert "delivery_and_shipping" in out.loc[4, "touchpoints"].split("|")
    assert out["sentiment_score"].dropna().between(-1, 1).all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_round_trip_keeps_every_row_and_column(tmp_path: Path, suffix: str) -> None:
    original = pd.DataFrame(ROWS)
    source = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        original.to_csv(source, index=False)
    elif suffix == ".parquet":
        original.to_parquet(source, index=False)
    else:
        original.to_json(source, orient="records", lines=True, force_ascii=False)
    out = tmp_path / f"out{suffix}"
    summary = enrich_file(source, "body", out, id_col="id", time_col="when")
    assert (summary.rows, summary.analysed, summary.errors) == (6, 4, {"empty_text": 2})
    assert summary.seconds["model_loading"] > 0 and summary.items_per_second > 0
    back = read_table(out)
    if suffix == ".csv":
        # Text stays text: "007" keeps its zeros, an empty cell stays empty.
        assert back.loc[5, "id"] == "007" and back.loc[2, "stars"] == ""
        back = back.replace({"": None})
        for column in ("sentiment_score",):
            back[column] = pd.to_numeric(back[column])
        original = original.replace({"": None})
    _check(back, original)


def test_csv_in_another_encoding_is_read_as_written(tmp_path: Path) -> None:
    source = tmp_path / "sjis.csv"
    pd.DataFrame({"コメント": ["店員さんがとても親切でした。", "レジが遅い"]}).to_csv(
        source, index=False, encoding="cp932"
    )
    out = tmp_path / "out.parquet"
    enrich_file(source, "コメント", out)
    back = pd.read_parquet(out)
    assert back["コメント"].tolist() == ["店員さんがとても親切でした。", "レジが遅い"]
    assert back["language"].tolist() == ["ja", "ja"]


def test_existing_analysis_columns_need_a_prefix(analyzer: Analyzer) -> None:
    df = pd.DataFrame({"text": ["Great service"], "sentiment": ["given by the survey tool"]})
    with pytest.raises(ConfigError, match="--prefix voc_"):
        enrich_frame(df, "text", analyzer)
    out = enrich_frame(df, "text", analyzer, prefix="voc_")
    assert out["sentiment"].tolist() == ["given by the survey tool"]
    assert out["voc_sentiment"].tolist() == ["positive"]


def test_bad_options_fail_before_any_work(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": ["1", "1"], "body": ["a b c", "d e f"]}).to_csv(source, index=False)
    with pytest.raises(ConfigError, match="--text-col: no column 'text'"):
        enrich_file(source, "text", tmp_path / "o.csv")
    with pytest.raises(ConfigError, match="--id-col id: 1 id"):
        enrich_file(source, "body", tmp_path / "o.csv", id_col="id")
    with pytest.raises(ConfigError, match="--out"):
        enrich_file(source, "body", tmp_path / "o.docx")
    assert not (tmp_path / "o.csv").exists()


def test_cli_enrich(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(source, index=False)
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        app, ["enrich", str(source), "--text-col", "body", "--out", str(out), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 6 and summary["errors"] == {"empty_text": 2}
    assert len(pd.read_parquet(out)) == 6
    missing = CliRunner().invoke(
        app, ["enrich", str(source), "--text-col", "nope", "--out", str(out)]
    )
    assert missing.exit_code == 2 and "no column 'nope'" in missing.output


def test_a_model_trained_with_voc_train_is_used_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    from tests.conftest import SAMPLES

    reviews = pd.read_csv(SAMPLES / "womens_clothing_reviews.csv").dropna(subset=["Review Text"])
    labelled = tmp_path / "labelled.csv"
    reviews.head(240)[["Review Text", "Rating"]].to_csv(labelled, index=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    trained = runner.invoke(
        app,
        ["train", "sentiment", str(labelled), "--text-col", "Review Text", "--label-col", "Rating",
         "--name", "ours", "-f", "json"],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "models" / "sentiment" / "ours" / "MODEL_CARD.md").is_file()
    again = runner.invoke(
        app, ["train", "sentiment", str(labelled), "--text-col", "Review Text", "--label-col", "Rating", "--name", "ours"]
    )  # fmt: skip
    assert again.exit_code == 2 and "overwrite" in again.output
    source = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    enriched = runner.invoke(
        app,
        ["enrich", str(source), "--text-col", "body", "--out", str(out), "--sentiment-model", "ours"],
    )  # fmt: skip
    assert enriched.exit_code == 0, enriched.output
    assert read_table(out)["sentiment"].tolist()[0] == "positive"


def test_topics_are_fitted_on_the_file_without_a_store(tmp_path: Path) -> None:
    from tests.conftest import SAMPLES

    reviews = pd.read_csv(SAMPLES / "womens_clothing_reviews.csv").head(300)
    source = tmp_path / "reviews.parquet"
    reviews.to_parquet(source, index=False)
    out, by_sentence = tmp_path / "out.parquet", tmp_path / "sentences.parquet"
    summary = enrich_file(
        source,
        "Review Text",
        out,
        store_path=tmp_path / "no-store.duckdb",
        sentences_out=by_sentence,
    )
    assert summary.topics_from == "file"
    back = pd.read_parquet(out)
    # A row's topic is the one holding most of its characters (other only when none of its
    # sentences has another), as the column is documented: on multi-sentence reviews it
    # differs from a topic of the whole text (docs/benchmarks.md, "Row topics of voc
    # enrich"), so a change of rule must change the docs too.
    sentences = pd.read_parquet(by_sentence)
    chars = (
        sentences.assign(chars=sentences["sentence"].str.len())
        .groupby(["row", "topic_id"])["chars"]
        .sum()
        .reset_index()
    )
    chars["named"] = chars["topic_id"] != -1
    chars["tie"] = -chars["topic_id"]
    main = chars.sort_values(["row", "named", "chars", "tie"]).groupby("row").tail(1)
    assert back.loc[main["row"], "topic_id"].tolist() == main["topic_id"].tolist()
    assert (sentences.groupby("row")["topic_id"].nunique() > 1).sum() >= 50  # it is tested
    analysed = back[back["voc_error"].isna()]
    assert analysed["topic_id"].notna().all() and analysed["topic_label"].notna().all()
    assert back.loc[back["voc_error"].notna(), "topic_id"].isna().all()
    named = analysed[analysed["topic_id"] != -1]
    assert named["topic_id"].nunique() >= 3
    assert len(named) >= 0.8 * len(analysed)  # "other" stays small
    # Reviews about fit and size share a topic whose label says so.
    sizing = analysed[analysed["Review Text"].str.contains("runs small|size down", case=False)]
    top = sizing["topic_label"].value_counts().index[0]
    assert any(word in top for word in ("size", "small", "fit"))


def test_help_names_the_default_sentiment_model() -> None:
    import typer

    from voc.models.loaders import DEFAULT_SENTIMENT_MODEL

    command = typer.main.get_command(app).commands["enrich"]  # type: ignore[attr-defined]
    helps = {param.name: getattr(param, "help", "") for param in command.params}
    assert f"else {DEFAULT_SENTIMENT_MODEL})" in helps["sentiment_model"]
    assert "semicolon" in helps["input_path"]
    # -f prints the summary; the output file's format is --out's extension.
    assert "--out's extension" in helps["output"]
