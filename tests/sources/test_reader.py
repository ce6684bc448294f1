"""The one file reader (voc/sources/files.py) on the rows that go wrong: every row comes
out in its place, a bad one with its line and reason, and nothing stops the file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from voc.errors import SourceError
from voc.sources.encoding import escape_undecodable
from voc.sources.files import FileReader, column_names, read_chunks, read_frame, resolve_format

GOOD_UTF8 = "".join(f'{n},"café dress, 配送も速い {n}"\n' for n in range(1, 40))


def _rows(path: Path, chunk_size: int = 4):
    kind = resolve_format(path, "auto")
    return [row for chunk in read_chunks(path, kind, chunk_size) for row in chunk]


def test_short_and_long_csv_rows_come_out_in_place_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,when,text\n1,mon,ok\n2,tue\n3,wed,a,b\n4,thu,fine\n", encoding="utf-8")
    rows = _rows(path)
    assert [(r.line, r.error) for r in rows] == [
        (2, None),
        (3, "malformed_row"),
        (4, "malformed_row"),
        (5, None),
    ]
    assert rows[1].detail == "expected 3 fields, found 2" and rows[1].raw == "2,tue"
    assert rows[2].detail == "expected 3 fields, found 4" and rows[2].payload is None
    read = read_frame(path)
    assert len(read.frame) == 4 and read.frame["id"].tolist()[::3] == ["1", "4"]
    assert read.frame.iloc[1].isna().all()  # its fields cannot be told apart
    assert [(b.position, b.line, b.reason, b.raw) for b in read.bad] == [
        (1, 3, "malformed_row", "2,tue"),
        (2, 4, "malformed_row", "3,wed,a,b"),
    ]


def test_undecodable_bytes_mark_the_row_and_keep_its_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"id,text\n" + GOOD_UTF8.encode() + b"40,Caf\xe9 \xff\n" + b"41,after\n")
    rows = _rows(path, chunk_size=100)
    assert len(rows) == 41 and [r.error for r in rows].count(None) == 40
    bad = rows[39]
    assert (bad.line, bad.error, bad.payload) == (41, "bad_encoding", None)
    assert "utf-8" in (bad.detail or "")
    assert bad.fields is not None and bad.fields["id"] == "40"
    read = read_frame(path)
    assert read.frame.loc[39, "text"] == "Caf\\xe9 \\xff"  # written out, never as mojibake
    assert read.bad[0].has_fields and read.bad[0].raw == "40,Caf\\xe9 \\xff"
    assert read.frame.loc[40, "text"] == "after"


@pytest.mark.parametrize("kind", ["jsonl", "json"])
def test_undecodable_bytes_and_lone_surrogates_in_json(tmp_path: Path, kind: str) -> None:
    items = [
        ('{"id": 1, "text": "' + "配送も速い" * 30 + '"}').encode(),
        b'{"id": 2, "text": "ok", "note": "Caf\xe9"}',  # a bad byte outside the text too
        b'{"id": 3, "text": "half \\ud83d of an emoji"}',
        b'{"id": 4, "text": "whole \\ud83d\\ude00 emoji"}',
    ]
    path = tmp_path / f"r.{kind}"
    body = b"\n".join(items) if kind == "jsonl" else b"[" + b",\n".join(items) + b"]"
    path.write_bytes(body)
    rows = _rows(path)
    assert [r.error for r in rows] == [None, "bad_encoding", "bad_encoding", None]
    assert "lone surrogate" in (rows[2].detail or "")
    assert rows[3].payload is not None and rows[3].payload["text"] == "whole 😀 emoji"
    read = read_frame(path)
    assert read.frame["note"].tolist()[1] == "Caf\\xe9"
    assert read.frame["text"].tolist()[2] == "half \\ud83d of an emoji"
    read.frame.to_parquet(tmp_path / "out.parquet")  # writable: nothing undecodable left


def test_empty_files_give_no_rows_and_header_only_files_their_columns(tmp_path: Path) -> None:
    for name in ("e.csv", "e.tsv", "e.jsonl"):
        (tmp_path / name).write_bytes(b"")
        assert _rows(tmp_path / name) == []
        assert read_frame(tmp_path / name).frame.shape == (0, 0)
    (tmp_path / "e.json").write_text("[]", encoding="utf-8")
    assert _rows(tmp_path / "e.json") == []
    header = tmp_path / "h.csv"
    header.write_text("id,text\n", encoding="utf-8")
    reader = FileReader(header, "csv")
    assert list(reader.rows()) == [] and reader.columns == ["id", "text"]
    assert list(read_frame(header).frame.columns) == ["id", "text"]
    pd.DataFrame({"id": [], "text": []}).astype(str).to_parquet(tmp_path / "e.parquet")
    assert list(read_frame(tmp_path / "e.parquet").frame.columns) == ["id", "text"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json", ".parquet", ".xlsx"])
def test_a_huge_field_is_read_whole(tmp_path: Path, suffix: str) -> None:
    huge = "The refund never arrived. " * 12_000  # 312,000 characters, past csv's default
    if suffix == ".xlsx":
        huge = huge[:32_000]  # Excel's own cell limit is 32,767 characters
    df = pd.DataFrame({"id": ["1", "2"], "text": [huge, "short"]})
    path = tmp_path / f"r{suffix}"
    if suffix in (".csv", ".tsv"):
        df.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    elif suffix == ".jsonl":
        df.to_json(path, orient="records", lines=True)
    elif suffix == ".json":
        path.write_text(json.dumps(df.to_dict("records")), encoding="utf-8")
    elif suffix == ".parquet":
        df.to_parquet(path)
    else:
        df.to_excel(path, index=False)
    rows = _rows(path)
    assert [r.error for r in rows] == [None, None]
    assert rows[0].payload is not None and rows[0].payload["text"] == huge
    assert read_frame(path).frame["text"].tolist() == [huge, "short"]


def test_empty_and_repeated_header_names_lose_no_column(tmp_path: Path) -> None:
    assert column_names(["id", " ", "text", "id", None, "id"]) == [
        "id",
        "column_2",
        "text",
        "id.1",
        "column_5",
        "id.2",
    ]
    path = tmp_path / "r.csv"
    path.write_text("id,,text,id\n1,x,hello,9\n", encoding="utf-8")
    assert _rows(path)[0].payload == {"id": "1", "column_2": "x", "text": "hello", "id.1": "9"}
    pd.DataFrame([[1, 2, 3]], columns=["a", "a", "b"]).to_excel(tmp_path / "r.xlsx", index=False)
    assert _rows(tmp_path / "r.xlsx")[0].payload == {"a": 1, "a.1": 2, "b": 3}


def test_read_frame_keeps_each_format_s_types(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": pd.array([1, None, 3], dtype="Int64"),
            "when": pd.to_datetime(["2026-11-02", "2026-11-03", None], utc=True),
            "text": ["007", "", None],
        }
    )
    df.to_parquet(tmp_path / "r.parquet")
    pd.testing.assert_frame_equal(
        read_frame(tmp_path / "r.parquet").frame, pd.read_parquet(tmp_path / "r.parquet")
    )
    df.to_csv(tmp_path / "r.csv", index=False)
    text = read_frame(tmp_path / "r.csv").frame
    assert text["id"].tolist() == ["1", "", "3"] and text["text"].tolist()[:2] == ["007", ""]
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text('{"n": 1, "t": "a"}\nnot json\n{"n": 2, "t": "b"}\n', encoding="utf-8")
    read = read_frame(jsonl)
    # A bad row does not turn the good rows' integers into floats.
    assert read.frame["n"].tolist()[::2] == [1, 2] and read.frame.to_json().count("1.0") == 0
    assert [(b.line, b.reason) for b in read.bad] == [(2, "malformed_json")]


def test_missing_file_and_unknown_extension_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_frame(tmp_path / "nope.csv")
    (tmp_path / "x.dat").write_text("a", encoding="utf-8")
    with pytest.raises(SourceError, match="format:"):
        read_frame(tmp_path / "x.dat")


def test_escape_undecodable_writes_bytes_and_lone_surrogates_visibly() -> None:
    text = b"Caf\xe9 ok".decode("utf-8", "surrogateescape") + " \ud83d é"
    assert escape_undecodable(text) == "Caf\\xe9 ok \\ud83d é"
    assert escape_undecodable("plain é") == "plain é"


def test_a_quote_left_open_at_the_end_of_the_file_costs_only_its_own_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text('id,text\n1,ok\n2,"never closed\n3,swallowed before\n', encoding="utf-8")
    rows = _rows(path)
    assert [(r.line, r.error) for r in rows] == [(2, None), (3, "malformed_row"), (4, None)]
    assert "ends inside a quoted field" in (rows[1].detail or "")
    assert rows[2].payload == {"id": "3", "text": "swallowed before"}
    path.write_text('id,text\n1,"a closed\nmulti-line field"', encoding="utf-8")
    assert _rows(path)[0].payload == {"id": "1", "text": "a closed\nmulti-line field"}
