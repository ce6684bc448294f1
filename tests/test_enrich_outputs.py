"""``voc enrich`` as an outside reviewer runs it: an output that cannot be written fails
before any work, in one line; an Excel output holds every row; a file too small for topics
says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from voc.cli import app
from voc.enrich import SENTENCE_COLUMNS, enrich_file, read_table
from voc.errors import UserError


def _csv(tmp_path: Path, texts: list[str]) -> Path:
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": [f"r{n}" for n in range(len(texts))], "comment": texts}).to_csv(
        source, index=False
    )
    return source


def test_an_output_that_cannot_be_written_fails_before_any_work(tmp_path: Path) -> None:
    source = _csv(tmp_path, ["The refund never arrived."])
    folder = tmp_path / "out.csv"
    folder.mkdir()
    with pytest.raises(UserError, match="is a folder"):
        enrich_file(source, "comment", folder)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write a file in"):
        enrich_file(source, "comment", blocker / "out.csv")
    result = CliRunner().invoke(
        app, ["enrich", str(source), "--text-col", "comment", "--out", str(folder)]
    )
    assert result.exit_code == 2
    assert "is a folder" in result.output and "internal error" not in result.output


def test_excel_output_keeps_rows_with_control_characters(tmp_path: Path) -> None:
    texts = ["Bell\x07 and tab\tinside, the app crashed.", "Great service, thank you!"]
    source = _csv(tmp_path, texts)
    out = tmp_path / "out.xlsx"
    summary = enrich_file(source, "comment", out)
    back = read_table(out)
    assert summary.rows == len(back) == 2
    assert back.loc[0, "comment"] == "Bell\\x07 and tab\tinside, the app crashed."
    assert back.loc[1, "comment"] == texts[1]
    assert back["sentiment"].tolist() == ["negative", "positive"]


def test_a_file_too_small_for_topics_says_so(tmp_path: Path) -> None:
    source = _csv(tmp_path, ["The refund never arrived.", "Great service!"])
    summary = enrich_file(source, "comment", tmp_path / "out.csv", topics="file")
    assert summary.topics_from == "none (too few sentences)"
    assert summary.topics_reason.startswith("2 sentence(s), too few to fit topics on the file")


def test_a_text_that_is_an_object_is_not_text_as_in_ingest(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "r1", "comment": "The refund never arrived."}\n'
        '{"id": "r2", "comment": {"body": "nested", "email": "al@example.com"}}\n'
        '{"id": "r3", "comment": ["a", "list"]}\n'
        '{"id": "r4", "comment": 12345}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    summary = enrich_file(source, "comment", out, topics="file")
    back = read_table(out)
    assert back["voc_error"].tolist()[1:3] == ["not_text", "not_text"]
    assert back.loc[[1, 2], ["sentiment", "touchpoints"]].isna().all().all()
    assert back.loc[0, "sentiment"] == "negative" and pd.isna(back.loc[3, "voc_error"])
    assert summary.errors == {"not_text": 2} and summary.analysed == 2


def test_sentences_file_has_the_sentence_level_analysis(tmp_path: Path) -> None:
    source = _csv(
        tmp_path,
        ["I love the dress. The zip broke on day two.", "", "配送が遅くて最悪でした。"],
    )
    out, by_sentence = tmp_path / "out.csv", tmp_path / "sentences.parquet"
    options = ["--text-col", "comment", "--id-col", "id", "--topics", "file"]
    result = CliRunner().invoke(
        app, ["enrich", str(source), *options, "--out", str(out), "--sentences", str(by_sentence)]
    )
    assert result.exit_code == 0, result.output
    sentences = pd.read_parquet(by_sentence)
    assert list(sentences.columns) == ["row", "id", *SENTENCE_COLUMNS[1:]]
    assert sentences["row"].tolist() == [0, 0, 2]
    assert sentences["id"].tolist() == ["r0", "r0", "r2"]
    assert sentences["sentence_index"].tolist() == [0, 1, 0]
    assert sentences["sentence"].tolist()[:2] == ["I love the dress.", "The zip broke on day two."]
    assert sentences["sentiment"].tolist() == ["positive", "negative", "negative"]
    assert sentences.loc[2, "language"] == "ja"
    assert (sentences["topic_id"] == -1).all() and (sentences["topic_label"] == "other").all()
    records = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert records["voc_error"].tolist() == ["", "empty_text", ""]


def test_text_past_the_record_limit_is_counted_not_silently_skipped(tmp_path: Path) -> None:
    long = "The refund never arrived and nobody answered. " * 600  # 27,600 characters
    source = _csv(tmp_path, [long, "Fine."])
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["enrich", str(source), "--text-col", "comment", "--out", str(out), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert "1 row(s) analysed up to their first 20,000 characters" in result.output
    summary = enrich_file(source, "comment", out)
    assert summary.truncated == 1
    assert len(long) - 20_000 <= summary.chars_not_analysed <= len(long) - 19_000
    assert summary.to_dict()["truncated"] == 1
