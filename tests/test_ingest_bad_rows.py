"""Ingest on files with rows the reader cannot read: each is quarantined with its line and
reason, counted in the summary, and the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from voc.config import IngestConfig, SourceConfig, apply_preset
from voc.ingest import already_ingested_reason, ingest_source
from voc.store.warehouse import Warehouse

HEADER = "id,when,stars,text\n"


def _source(path: Path) -> SourceConfig:
    return apply_preset(
        SourceConfig(
            name="reviews",
            path=str(path),
            channel="review",
            text_col="text",
            id_col="id",
            time_col="when",
            rating_col="stars",
            rating_scale="stars5",
        )
    )


@pytest.fixture
def store(tmp_path: Path):
    with Warehouse(tmp_path / "voc.duckdb") as warehouse:
        yield warehouse


def _quarantine(store: Warehouse) -> list[tuple[int, str, str]]:
    frame = store.query("SELECT line, reason, detail FROM quarantine ORDER BY line")
    return list(frame.itertuples(index=False, name=None))


def test_short_and_long_csv_rows_are_quarantined_and_counted(
    tmp_path: Path, store: Warehouse
) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        HEADER + "r1,2026-10-05,5,Lovely fit\n"
        "r2,2026-10-05,4\n"  # a field short
        "r3,2026-10-06,2,Too small, and the refund is late\n"  # an unquoted comma
        "r4,2026-10-06,1,Never arrived\n",
        encoding="utf-8",
    )
    summary = ingest_source(_source(path), store, IngestConfig(), "run-1")
    assert (summary.read, summary.stored, summary.quarantined) == (4, 2, 2)
    assert summary.quarantined_by_reason == {"malformed_row": 2}
    assert _quarantine(store) == [
        (3, "malformed_row", "expected 4 fields, found 3"),
        (4, "malformed_row", "expected 4 fields, found 5"),
    ]
    raw = store.query("SELECT raw_payload FROM quarantine WHERE line = 4")["raw_payload"].iat[0]
    assert raw == "r3,2026-10-06,2,Too small, and the refund is late"


def test_undecodable_bytes_in_jsonl_quarantine_the_row(tmp_path: Path, store: Warehouse) -> None:
    path = tmp_path / "reviews.jsonl"
    lines = [
        f'{{"id": "r{n}", "when": "2026-10-05", "stars": 4, "text": "配送も速い café {n}"}}'
        for n in range(30)
    ]
    path.write_bytes(
        "\n".join(lines).encode()
        + b'\n{"id": "bad", "when": "2026-10-05", "stars": 1, "text": "Caf\xe9 \xff"}'
        + b'\n{"id": "half", "when": "2026-10-05", "stars": 1, "text": "a \\ud83d b"}\n'
    )
    summary = ingest_source(_source(path), store, IngestConfig(), "run-1")
    assert (summary.stored, summary.quarantined_by_reason) == (30, {"bad_encoding": 2})
    quarantine = store.query("SELECT line, raw_payload FROM quarantine ORDER BY line")
    assert quarantine["line"].tolist() == [31, 32]
    assert "Caf\\xe9 \\xff" in quarantine["raw_payload"].iat[0]  # the bytes, shown
    assert "\\ud83d" in quarantine["raw_payload"].iat[1]


def test_an_empty_file_is_reported_and_read_again_next_run(
    tmp_path: Path, store: Warehouse
) -> None:
    empty = tmp_path / "in" / "empty.csv"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    (tmp_path / "in" / "header_only.csv").write_text(HEADER, encoding="utf-8")
    source = _source(tmp_path / "in")
    summary = ingest_source(source, store, IngestConfig(), "run-1")
    assert (summary.files, summary.read, summary.stored, summary.quarantined) == (2, 0, 0, 0)
    assert [s["reason"] for s in summary.skipped_files] == ["no rows; not recorded as ingested"] * 2
    again = ingest_source(source, store, IngestConfig(), "run-2")
    assert again.files_skipped == 0  # not remembered as ingested: a fixed file is read


def test_a_huge_field_is_stored_whole(tmp_path: Path, store: Warehouse) -> None:
    huge = "The refund never arrived and nobody answered my emails. " * 5_000  # 280,000 chars
    path = tmp_path / "reviews.csv"
    path.write_text(HEADER + f'r1,2026-10-05,1,"{huge}"\nr2,2026-10-06,5,Great\n', encoding="utf-8")
    summary = ingest_source(_source(path), store, IngestConfig(), "run-1")
    assert (summary.stored, summary.quarantined) == (2, 0)
    stored = store.query("SELECT length(text) AS n FROM feedback WHERE native_id = 'r1'")
    assert stored["n"].iat[0] == len(huge.strip())


def test_already_ingested_reason_names_the_earlier_run(tmp_path: Path) -> None:
    earlier = {
        "path": str(tmp_path / "old.csv"),
        "ingested_at": "2026-10-05 09:00",
        "run_id": "run-7",
        "rows_read": 12,
    }
    reason = already_ingested_reason(tmp_path / "new.csv", earlier)
    assert "same bytes as" in reason and "run-7" in reason and "--force" in reason
