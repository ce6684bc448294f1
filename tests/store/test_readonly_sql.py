"""`voc sql` reads the store and nothing else, and writes nothing anywhere (issue 13, point 1).

Every escape below is run against a real store, next to a planted secret file; after each,
the file system is compared with what it was before, and no answer or error may show the
secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from voc.cli import app
from voc.errors import ReadOnlyQueryError, StoreError
from voc.store.readonly_sql import check_read_only_sql
from voc.store.warehouse import QUARANTINE_COLUMNS, Warehouse, run_read_only, utcnow

SECRET = "s3cr3t-marker-1f2e"

# {secret} is a file outside the store, {out} a path nothing may create, {dir} their folder.
ESCAPES = [
    # table functions over files, in every position DuckDB accepts them
    "SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM read_csv_auto('{secret}', header = false)",
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM read_blob('{secret}')",
    "SELECT * FROM read_json('{secret}')",
    "SELECT * FROM read_parquet('{secret}')",
    "SELECT * FROM sniff_csv('{secret}')",
    "SELECT * FROM parquet_metadata('{secret}')",
    "SELECT * FROM glob('{dir}/*')",
    "SELECT * FROM '{secret}'",
    "FROM read_text('{secret}')",
    "FROM '{secret}' SELECT *",
    "WITH x AS (SELECT content FROM read_text('{secret}')) SELECT * FROM x",
    "WITH RECURSIVE x(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x WHERE n < 2) "
    "SELECT * FROM x, read_text('{secret}')",
    "SELECT (SELECT content FROM read_text('{secret}')) AS c FROM feedback",
    "SELECT * FROM feedback WHERE text IN (SELECT content FROM read_text('{secret}'))",
    "SUMMARIZE SELECT * FROM read_text('{secret}')",
    "SUMMARIZE read_csv('{secret}')",
    "DESCRIBE SELECT * FROM read_text('{secret}')",
    "PIVOT (FROM read_csv('{secret}')) ON column0",
    "PIVOT (FROM read_text('{secret}')) ON filename IN ('x') USING count(*)",
    "UNPIVOT (FROM read_csv('{secret}')) ON COLUMNS(*) INTO NAME k VALUE v",
    "SELECT * FROM query('SELECT * FROM read_text(''{secret}'')')",
    "SELECT * FROM query_table('{secret}')",
    "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    "SELECT * FROM read_csv('s3://bucket/x.csv')",
    # writing files, directly or wrapped
    "COPY feedback TO '{out}'",
    "COPY (SELECT * FROM feedback) TO '{out}' (FORMAT parquet)",
    "COPY (FROM feedback) TO '{out}'",
    "COPY feedback FROM '{secret}'",
    "EXPLAIN COPY feedback TO '{out}'",
    "EXPLAIN ANALYZE COPY feedback TO '{out}'",
    "EXPLAIN ANALYZE COPY (SELECT * FROM feedback) TO '{out}' (FORMAT parquet)",
    "explain /* planning only */ analyze copy feedback to '{out}'",
    "EXPLAIN ANALYSE SELECT * FROM read_text('{secret}')",
    "EXPLAIN (ANALYZE) COPY feedback TO '{out}'",
    "EXPLAIN (FORMAT JSON, ANALYZE) SELECT * FROM feedback",
    "EXPLAIN ANALYZE INSTALL httpfs",
    "EXPORT DATABASE '{dir}/exported'",
    "SELECT 1; COPY feedback TO '{out}'",
    "SELECT 1; SELECT * FROM read_text('{secret}')",
    "WITH x AS (SELECT 1) SELECT 1; COPY feedback TO '{out}'",
    # extensions, other databases, settings
    "INSTALL httpfs",
    "FORCE INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '{secret}'",
    "ATTACH '{dir}/other.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "DETACH DATABASE voc",
    "USE memory",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET GLOBAL lock_configuration = false",
    "SET profiling_output = '{out}'",
    "PRAGMA enable_profiling",
    "PRAGMA profiling_output = '{out}'",
    "CALL pragma_version()",
    "CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "CREATE TEMP TABLE t AS SELECT * FROM read_text('{secret}')",
    "CREATE TEMP TABLE t AS SELECT 1",
    "CREATE MACRO m() AS 1",
    "INSERT INTO feedback (feedback_id) VALUES ('x')",
    "DELETE FROM feedback",
    "UPDATE feedback SET text = 'x'",
    "DROP TABLE feedback",
    "CHECKPOINT",
    "VACUUM",
    # a pandas frame in this process is not a table (DuckDB's Python replacement scans)
    "SELECT * FROM secret_frame",
]


def _store(path: Path) -> None:
    now = utcnow()
    row = {
        "feedback_id": "a",
        "source": "s",
        "native_id": "a",
        "channel": "review",
        "touchpoint": None,
        "text": "late parcel",
        "language": "en",
        "created_at": now,
        "rating": 2.0,
        "rating_scale": "stars5",
        "metadata": None,
        "content_key": "",
        "near_duplicate_of": None,
        "pii_redactions": 0,
        "file": "f.csv",
        "line": 2,
        "run_id": "r1",
        "ingested_at": now,
    }
    with Warehouse(path) as store:
        store.write_batch(pd.DataFrame([row]), pd.DataFrame(columns=QUARANTINE_COLUMNS))


def _tree(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``roots`` with its size and modification time."""
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        if not root.exists():
            continue
        for folder, _, files in os.walk(root):
            for name in files:
                stat = (Path(folder) / name).stat()
                seen[str(Path(folder) / name)] = (stat.st_size, stat.st_mtime_ns)
    return seen


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    store = store_dir / "voc.duckdb"
    _store(store)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text(f"column0\n{SECRET}\n", encoding="utf-8")
    monkeypatch.chdir(outside)  # relative paths resolve next to the secret
    return {"store": store, "secret": secret, "out": outside / "out.parquet", "dir": outside}


@pytest.mark.parametrize("template", ESCAPES)
def test_sql_escape_reads_nothing_outside_the_store_and_writes_nothing(
    sandbox: dict[str, Path], template: str
) -> None:
    secret_frame = pd.DataFrame({"column0": [SECRET]})  # noqa: F841 - the replacement-scan bait
    statement = template.format(secret=sandbox["secret"], out=sandbox["out"], dir=sandbox["dir"])
    extensions = Path.home() / ".duckdb"
    before = _tree(sandbox["store"].parent, sandbox["dir"], extensions)
    with pytest.raises(StoreError) as refused:
        answer = run_read_only(sandbox["store"], statement)
        # Not refused: then it must at least not have shown the secret.
        assert SECRET not in answer.to_string()
    assert SECRET not in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _tree(sandbox["store"].parent, sandbox["dir"], extensions) == before
    assert run_read_only(sandbox["store"], "SELECT count(*) AS n FROM feedback")["n"].iat[0] == 1


@pytest.mark.parametrize(
    "statement",
    [
        "EXPLAIN ANALYZE SELECT 1",
        "explain analyze copy feedback to 'x.csv'",
        "EXPLAIN (ANALYZE) SELECT 1",
        "EXPLAIN COPY feedback TO 'x.csv'",
        "EXPLAIN INSTALL httpfs",
        "COPY feedback TO 'x.csv'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "ATTACH 'x.duckdb'",
        "SET threads = 1",
        "PRAGMA version",
        "SELECT 1; SELECT 2",
        "PIVOT feedback ON channel",  # without IN (...), PIVOT first creates a type
    ],
)
def test_sql_refuses_by_statement_type_before_anything_runs(statement: str) -> None:
    with pytest.raises(ReadOnlyQueryError, match="SELECT"):
        check_read_only_sql(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) AS n FROM feedback",
        "FROM feedback SELECT count(*) AS n",
        "WITH x AS (SELECT * FROM feedback) SELECT count(*) AS n FROM x",
        "DESCRIBE feedback",
        "SHOW TABLES",
        "SUMMARIZE feedback",
        "PIVOT feedback ON channel IN ('review') USING count(*)",
        "UNPIVOT (SELECT rating FROM feedback) ON rating INTO NAME k VALUE v",
        "EXPLAIN SELECT * FROM feedback",
        "EXPLAIN (FORMAT JSON) SELECT * FROM feedback",
        "/* a comment */ select text from feedback -- and another",
        "SELECT * FROM duckdb_tables()",
    ],
)
def test_sql_still_answers_every_kind_of_read(sandbox: dict[str, Path], statement: str) -> None:
    before = _tree(sandbox["store"].parent, sandbox["dir"])
    answer = run_read_only(sandbox["store"], statement)
    assert len(answer) >= 1
    assert _tree(sandbox["store"].parent, sandbox["dir"]) == before


def test_voc_sql_refusal_exits_2_with_one_line_saying_what_is_allowed(
    sandbox: dict[str, Path], tmp_path: Path
) -> None:
    config = tmp_path / "voc.yaml"
    config.write_text(f"store:\n  path: {sandbox['store']}\nsources: []\n", encoding="utf-8")
    runner = CliRunner()
    for statement in (
        f"EXPLAIN ANALYZE COPY feedback TO '{sandbox['out']}'",
        f"SELECT * FROM read_csv('{sandbox['secret']}')",
    ):
        result = runner.invoke(app, ["sql", statement, "--config", str(config)])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
        assert "SELECT" in lines[0] and SECRET not in result.output
        assert not sandbox["out"].exists()
