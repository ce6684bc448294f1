from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from voc.errors import ReadOnlyQueryError, StoreError
from voc.store.warehouse import (
    FEEDBACK_COLUMNS,
    QUARANTINE_COLUMNS,
    Warehouse,
    run_read_only,
    utcnow,
)


def _feedback(ids: list[str]) -> pd.DataFrame:
    now = utcnow()
    rows = [
        {
            "feedback_id": i,
            "source": "s",
            "native_id": i,
            "channel": "review",
            "touchpoint": None,
            "text": f"text {i}",
            "language": "en",
            "created_at": now,
            "rating": 4.0,
            "rating_scale": "stars5",
            "metadata": None,
            "content_key": "",
            "near_duplicate_of": None,
            "pii_redactions": 0,
            "file": "f.csv",
            "line": n + 2,
            "run_id": "r1",
            "ingested_at": now,
        }
        for n, i in enumerate(ids)
    ]
    return pd.DataFrame(rows, columns=FEEDBACK_COLUMNS)


def test_a_new_store_is_migrated_once(tmp_path: Path) -> None:
    path = tmp_path / "voc.duckdb"
    with Warehouse(path) as store:
        assert store.schema_version >= 1
        tables = set(store.query("SHOW TABLES")["name"])
    assert {"feedback", "quarantine", "runs", "ingested_files", "schema_migrations"} <= tables
    with Warehouse(path) as store:  # reopening applies nothing twice
        assert (
            store.query("SELECT count(*) AS n FROM schema_migrations")["n"].iat[0]
            == store.schema_version
        )


def test_writing_the_same_batch_twice_stores_it_once(tmp_path: Path) -> None:
    empty_quarantine = pd.DataFrame(columns=QUARANTINE_COLUMNS)
    with Warehouse(tmp_path / "voc.duckdb") as store:
        assert store.write_batch(_feedback(["a", "b"]), empty_quarantine) == (2, 0)
        assert store.write_batch(_feedback(["a", "b", "c"]), empty_quarantine) == (1, 0)
        assert store.query("SELECT count(*) AS n FROM feedback")["n"].iat[0] == 3
        assert set(store.existing_feedback(["a", "z"])["feedback_id"]) == {"a"}


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO feedback (feedback_id) VALUES ('x')",
        "DELETE FROM feedback",
        "DROP TABLE feedback",
        "UPDATE feedback SET text = 'x'",
        "CREATE TABLE t AS SELECT 1",
        "COPY feedback TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "SELECT 1; DELETE FROM feedback",
    ],
)
def test_sql_refuses_statements_that_write_and_changes_nothing(
    tmp_path: Path, statement: str
) -> None:
    path = tmp_path / "voc.duckdb"
    with Warehouse(path) as store:
        store.write_batch(_feedback(["a"]), pd.DataFrame(columns=QUARANTINE_COLUMNS))
    with pytest.raises(ReadOnlyQueryError):
        run_read_only(path, statement)
    assert run_read_only(path, "SELECT count(*) AS n FROM feedback")["n"].iat[0] == 1
    assert not (tmp_path / "out.csv").exists()


def test_sql_answers_reads(tmp_path: Path) -> None:
    path = tmp_path / "voc.duckdb"
    with Warehouse(path) as store:
        store.write_batch(_feedback(["a", "b"]), pd.DataFrame(columns=QUARANTINE_COLUMNS))
    df = run_read_only(
        path,
        "WITH x AS (SELECT channel FROM feedback) SELECT channel, count(*) AS n FROM x GROUP BY 1",
    )
    assert df.to_dict(orient="records") == [{"channel": "review", "n": 2}]


def test_reading_a_store_that_does_not_exist_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="voc ingest"):
        run_read_only(tmp_path / "missing.duckdb", "SELECT 1")


def test_status_counts_by_dimension(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "voc.duckdb") as store:
        store.write_batch(_feedback(["a", "b", "c"]), pd.DataFrame(columns=QUARANTINE_COLUMNS))
        counts = store.status()
    assert counts["channel"].to_dict(orient="records") == [{"channel": "review", "items": 3}]
    assert counts["week"]["items"].sum() == 3


def test_the_writer_caps_duckdb_at_256_mb_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DuckDB's cache fills to its cap and stays there: 256 MB is what a 20,000-record run
    # fills, so a larger store holds no more (voc/store/connection.py, WRITER_MEMORY_LIMIT).
    monkeypatch.delenv("VOC_STORE_MEMORY_LIMIT", raising=False)
    with Warehouse(tmp_path / "voc.duckdb") as wh:
        assert wh.query("SELECT current_setting('memory_limit') AS v")["v"].iloc[0] == "244.1 MiB"
    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "1GB")
    with Warehouse(tmp_path / "voc.duckdb") as wh:
        assert wh.query("SELECT current_setting('memory_limit') AS v")["v"].iloc[0] == "953.6 MiB"


def _fill(wh: Warehouse, rows: int) -> None:
    """One transaction whose keys must all be held: runs out under a few MB."""
    with wh.transaction() as con:
        con.execute("CREATE OR REPLACE TABLE big (i BIGINT PRIMARY KEY, s VARCHAR)")
        con.execute("INSERT INTO big SELECT range, 'row' FROM range(?)", [rows])


def test_a_write_that_outgrows_the_limit_runs_again_with_more_then_the_limit_is_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "16MB")
    with Warehouse(tmp_path / "voc.duckdb") as wh:
        calls: list[int] = []

        def write() -> int:
            calls.append(1)
            _fill(wh, 2_000_000)
            return len(calls)

        assert wh.with_memory_to_spare(write, "filling") >= 2  # ran out, then ran again
        assert wh.query("SELECT count(*) AS n FROM big")["n"].iloc[0] == 2_000_000
        assert wh.query("SELECT current_setting('memory_limit') AS v")["v"].iloc[0] == "15.2 MiB"
        wh.query("SELECT 1")  # the connection is usable: no transaction left open
    assert "filling ran out of DuckDB's memory limit (16 MB) and runs again with 64 MB" in (
        caplog.text
    )


def test_a_write_that_outgrows_half_the_ram_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voc.store import connection

    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "8MB")
    monkeypatch.setattr(connection, "_memory_ceiling", lambda: 16 * 10**6)
    with Warehouse(tmp_path / "voc.duckdb") as wh:
        with pytest.raises(StoreError, match="filling ran out of memory with DuckDB at 16 MB"):
            wh.with_memory_to_spare(lambda: _fill(wh, 2_000_000), "filling")
        assert (
            wh.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'big'")[
                "n"
            ].iloc[0]
            == 0
        )  # rolled back
        assert wh.query("SELECT current_setting('memory_limit') AS v")["v"].iloc[0] == "7.6 MiB"


def test_a_commit_that_runs_out_says_what_to_set_and_the_store_is_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2,000,000 keys pass their statement at 32 MB and run out committing, and DuckDB
    # then closes the database: no retry in this process, a line that says what to set.
    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "32MB")
    path = tmp_path / "voc.duckdb"
    with Warehouse(path) as wh:
        wh.write_batch(_feedback(["a", "b"]), pd.DataFrame(columns=QUARANTINE_COLUMNS))
        with pytest.raises(StoreError, match="VOC_STORE_MEMORY_LIMIT=128MB and run it again"):
            wh.with_memory_to_spare(lambda: _fill(wh, 2_000_000), "filling")
    monkeypatch.delenv("VOC_STORE_MEMORY_LIMIT")
    with Warehouse(path) as wh:
        assert wh.query("SELECT count(*) AS n FROM feedback")["n"].iloc[0] == 2
        tables = wh.query("SELECT table_name FROM duckdb_tables()")["table_name"]
        assert "big" not in set(tables)
