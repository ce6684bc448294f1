"""``voc enrich`` on files with rows the reader cannot read: every row still comes out, in
order, a bad one with its reason in ``voc_error``; the summary counts it and names its line;
nothing stops the run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from voc.cli import app
from voc.enrich import ANALYSIS_COLUMNS, enrich_file
from voc.errors import SourceError

HUGE = "The refund never arrived and nobody answered my emails. " * 4_000  # 224,000 chars


def test_unreadable_csv_rows_come_out_in_place_with_their_reason(tmp_path: Path) -> None:
    good = "".join(
        f'g{n},2026-11-0{n % 9 + 1},"Lovely café dress, 配送も速い {n}"\n' for n in range(30)
    )
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"id,when,body\n"
        b"a1,2026-11-02,The refund never arrived and support ignored me.\n"
        b"a2,2026-11-03\n"  # short: a field missing
        b"a3,2026-11-03,Too small, and the zip broke\n"  # long: an unquoted comma
        b"a4,2026-11-04,Caf\xe9 \xff broke\n"  # bytes that do not decode
        + f'a5,2026-11-05,"{HUGE}"\n'.encode()
        + b"a6,2026-11-05,\n"
        + good.encode()
        + b'a7,2026-11-06,"never closed\n'  # an unclosed quote: costs its own line only
    )
    out = tmp_path / "out.csv"
    summary = enrich_file(source, "body", out, id_col="id", time_col="when")
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(back) == summary.rows == 37
    assert list(back.columns) == ["id", "when", "body", *ANALYSIS_COLUMNS]
    errors = back["voc_error"].tolist()
    assert errors[:6] == ["", "malformed_row", "malformed_row", "bad_encoding", "", "empty_text"]
    assert errors[6:] == [""] * 30 + ["malformed_row"]
    # Nothing read is lost: a row that could not be split is in the text column as written;
    # one with undecodable bytes keeps its fields, the bytes shown as \xNN.
    assert back.loc[1, ["id", "body"]].tolist() == ["", "a2,2026-11-03"]
    assert back.loc[2, "body"] == "a3,2026-11-03,Too small, and the zip broke"
    assert back.loc[3, ["id", "body"]].tolist() == ["a4", "Caf\\xe9 \\xff broke"]
    assert back.loc[36, "body"] == 'a7,2026-11-06,"never closed'
    for row in (1, 2, 3, 36):
        assert back.loc[row, ["sentiment", "touchpoints", "topic_id"]].tolist() == ["", "", ""]
    assert back.loc[0, "sentiment"] == "negative"
    assert back.loc[4, "body"] == HUGE and back.loc[4, "sentiment"] == "negative"
    assert summary.errors == {"malformed_row": 3, "bad_encoding": 1, "empty_text": 1}
    assert summary.analysed == 32 and summary.unreadable == 4
    assert [(b["line"], b["reason"]) for b in summary.bad_rows] == [
        (3, "malformed_row"),
        (4, "malformed_row"),
        (5, "bad_encoding"),
        (38, "malformed_row"),
    ]
    assert summary.bad_rows[0]["detail"] == "expected 3 fields, found 2"
    assert summary.to_dict()["unreadable"] == 4


def test_jsonl_lines_that_are_not_objects_are_listed_by_the_cli(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "body": "Fast delivery, lovely fabric"}\n'
        '{"id": 2, "body": \n'
        "[1, 2]\n"
        '{"id": 3, "body": "Refund took a month"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["enrich", str(source), "--text-col", "body", "--out", str(out), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert "unreadable line 2: malformed_json" in result.stderr
    assert "unreadable line 3: malformed_json" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 4 and summary["errors"] == {"malformed_json": 2}
    back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in back] == [1, None, None, 3]  # integers stay integers
    assert [row["body"] for row in back][1:3] == ['{"id": 2, "body":', "[1, 2]"]
    assert [row["voc_error"] for row in back] == [None, "malformed_json", "malformed_json", None]


def test_a_jsonl_file_with_no_readable_line_still_comes_out_row_by_row(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("not json\n[1]\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    summary = enrich_file(source, "body", out)
    back = pd.read_parquet(out)
    assert back["body"].tolist() == ["not json", "[1]"]
    assert back["voc_error"].tolist() == ["malformed_json"] * 2
    assert summary.errors == {"malformed_json": 2}


def test_an_empty_file_fails_clearly_and_a_header_only_file_gives_an_empty_table(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="is empty"):
        enrich_file(empty, "body", tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
    header = tmp_path / "header.csv"
    header.write_text("id,body\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    summary = enrich_file(header, "body", out)
    assert (summary.rows, summary.errors) == (0, {})
    assert list(pd.read_parquet(out).columns) == ["id", "body", *ANALYSIS_COLUMNS]
