from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from voc.errors import SourceError
from voc.sources.files import discover_files, read_chunks, resolve_format


def _rows(path: Path, fmt: str = "auto", chunk_size: int = 2, **kwargs):
    return [
        row
        for chunk in read_chunks(path, resolve_format(path, fmt), chunk_size, **kwargs)
        for row in chunk
    ]


def test_csv_rows_keep_their_line_numbers_across_multiline_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'id,text\n1,"first line\nsecond line"\n2,plain\n\n3,after a blank\n', encoding="utf-8"
    )
    rows = _rows(path)
    assert [(r.line, r.payload["id"]) for r in rows] == [(2, "1"), (4, "2"), (6, "3")]
    assert rows[0].payload["text"] == "first line\nsecond line"


def test_csv_row_with_wrong_field_count_is_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,text\n1,ok\n2,too,many,fields\n", encoding="utf-8")
    rows = _rows(path)
    assert rows[1].payload is None and rows[1].error == "malformed_row" and rows[1].line == 3


def test_tsv_is_read_by_extension(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv"
    path.write_text("id\ttext\n1\thello, world\n", encoding="utf-8")
    assert _rows(path)[0].payload == {"id": "1", "text": "hello, world"}


def test_jsonl_malformed_line_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"id": 1, "text": "a"}\n{"id": 2, "text": \n[1, 2]\n{"id": 3}\n', encoding="utf-8"
    )
    rows = _rows(path)
    assert [(r.line, r.error) for r in rows] == [
        (1, None),
        (2, "malformed_json"),
        (3, "malformed_json"),
        (4, None),
    ]


def test_json_array_and_wrapped_array(tmp_path: Path) -> None:
    plain = tmp_path / "a.json"
    plain.write_text(json.dumps([{"id": 1}, {"id": 2}, "oops"]), encoding="utf-8")
    rows = _rows(plain)
    assert [r.payload for r in rows[:2]] == [{"id": 1}, {"id": 2}]
    assert rows[2].error == "malformed_json"
    wrapped = tmp_path / "b.json"
    wrapped.write_text(json.dumps({"tickets": [{"id": 1}], "count": 1}), encoding="utf-8")
    assert [r.payload for r in _rows(wrapped)] == [{"id": 1}]


def test_broken_json_array_becomes_one_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"id": 1}, {"id": ', encoding="utf-8")
    rows = _rows(path)
    assert len(rows) == 1 and rows[0].error == "malformed_json"


def test_parquet_and_excel_are_streamed(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": [1, 2, 3], "text": ["a", "b", "c"]})
    df.to_parquet(tmp_path / "r.parquet")
    df.to_excel(tmp_path / "r.xlsx", index=False, sheet_name="Responses")
    assert [r.payload["text"] for r in _rows(tmp_path / "r.parquet")] == ["a", "b", "c"]
    excel = _rows(tmp_path / "r.xlsx", sheet="Responses")
    assert [(r.line, r.payload["text"]) for r in excel] == [(2, "a"), (3, "b"), (4, "c")]
    with pytest.raises(SourceError, match="no sheet"):
        _rows(tmp_path / "r.xlsx", sheet="Nope")


def test_chunks_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,text\n" + "".join(f"{i},t{i}\n" for i in range(10)), encoding="utf-8")
    sizes = [len(c) for c in read_chunks(path, "csv", 3)]
    assert sizes == [3, 3, 3, 1]


def test_globs_and_folders_are_expanded_and_nothing_matching_is_an_error(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv", "c.txt"):
        (tmp_path / name).write_text("id,text\n", encoding="utf-8")
    assert [p.name for p in discover_files(str(tmp_path / "*.csv"))] == ["a.csv", "b.csv"]
    assert len(discover_files(str(tmp_path))) == 3
    with pytest.raises(SourceError, match="no file matches"):
        discover_files(str(tmp_path / "*.parquet"))


def test_unknown_extension_asks_for_a_format(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="format:"):
        resolve_format(tmp_path / "export.dat", "auto")


def test_an_unclosed_quote_costs_only_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'id,text\n1,ok\n2,"never closed\n3,next row\n4,"fine, quoted"\n', encoding="utf-8"
    )
    rows = _rows(path)
    assert [(r.line, r.error) for r in rows] == [
        (2, None),
        (3, "malformed_row"),
        (4, None),
        (5, None),
    ]
    assert rows[1].raw == '2,"never closed'
    assert rows[3].payload == {"id": "4", "text": "fine, quoted"}


def test_an_unclosed_quote_never_swallows_the_next_row_silently(tmp_path: Path) -> None:
    # The open quote runs to the quote opening row 3's text; the merged record has the
    # header's field count, so only the quote closing inside a field gives it away.
    path = tmp_path / "r.csv"
    path.write_text(
        'id,text,stars\n1,"ok",5\n2,"never closed,2\n3,"next row",4\n'
        '4,"a real line\nbreak, quoted",3\n',
        encoding="utf-8",
    )
    rows = _rows(path)
    assert [(r.line, r.error) for r in rows] == [
        (2, None),
        (3, "malformed_row"),
        (4, None),
        (5, None),
    ]
    assert rows[1].raw == '2,"never closed,2'
    assert "quote closes inside a field" in (rows[1].detail or "")
    assert rows[2].payload == {"id": "3", "text": "next row", "stars": "4"}
    assert rows[3].payload == {"id": "4", "text": "a real line\nbreak, quoted", "stars": "3"}


def test_a_csv_separated_by_semicolons_is_read_by_its_fields(tmp_path: Path) -> None:
    # Excel's "CSV" where the decimal mark is a comma; a comma in a text stays text.
    path = tmp_path / "export.csv"
    path.write_bytes(
        'id;comment;score\r\n1;Too small, and late;2,5\r\n2;"quoted; fine";4\r\n'.encode(
            "utf-8-sig"
        )
    )
    rows = _rows(path)
    assert [r.payload for r in rows] == [
        {"id": "1", "comment": "Too small, and late", "score": "2,5"},
        {"id": "2", "comment": "quoted; fine", "score": "4"},
    ]
    # A comma in the header keeps the comma: a semicolon inside a column name is a name.
    path.write_text('id,"a;b"\n1,x;y\n', encoding="utf-8")
    assert [r.payload for r in _rows(path)] == [{"id": "1", "a;b": "x;y"}]
