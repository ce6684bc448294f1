"""voc/store/ is the only home of SQL and of the DuckDB connection (issue 12.1).

Every other module of ``voc/`` and ``pipelines/`` asks the store's small API
(``voc.store.feedback``, ``runs``, ``sentences``, ``topics``, ``insights``, ``vectors``)
and gets frames or plain values back: no SQL text in its string literals, no ``.con`` or
``._con`` (the connection is private to voc/store/), no ``.execute(...)`` / ``.sql(...)``
on a connection. ``bench/`` and ``tests/`` may query
the store directly (they measure or check it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("voc", "pipelines")
STORE = ROOT / "voc" / "store"

# Files allowed to hold SQL or use the connection outside voc/store/: none any more (the
# last, voc/analysis.py's rollback, is Warehouse.end_cut_off_transaction). A file listed
# here must say why.
ALLOWED_FILES: set[str] = set()
ALLOWED_DIRS: tuple[str, ...] = ()

# String literals that mention SQL as documentation, not as a query: `voc sql`'s help.
ALLOWED_LITERALS = {
    (
        "voc/commands/store.py",
        'One read-only SQL query, e.g. "SELECT channel, count(*) FROM feedback GROUP BY 1"',
    ),
}

# Upper-case keywords, as this code base writes SQL: prose ("select from the list") passes.
SQL_TEXT = re.compile(
    r"\bSELECT\b.+?\bFROM\b"
    r"|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b"
    r"|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(?:TABLE|VIEW|INDEX)\b"
    r"|\b(?:DROP|ALTER)\s+TABLE\b"
    r"|\bSHOW\s+TABLES\b",
    re.S,
)
# The connection (Warehouse.con, its _con) and what only a connection does.
CONNECTION_ATTRIBUTES = {"con", "_con"}
CONNECTION_CALLS = {"execute", "executemany", "sql"}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (documentation, not queries)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def violations(source: str, path: str) -> list[str]:
    """Where ``source`` (the file at ``path``, relative to the repository) writes SQL or
    uses the store's connection: ``path:line: what`` per finding."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            # An f-string: its text with the holes filled, so SELECT {x} FROM {y} is seen.
            for part in node.values:
                skip.add(id(part))
            text = "".join(
                part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in skip:
                continue
            text = node.value
        elif isinstance(node, ast.Attribute) and node.attr in CONNECTION_ATTRIBUTES:
            out.append(f"{path}:{node.lineno}: uses the connection (.{node.attr})")
            continue
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CONNECTION_CALLS
        ):
            out.append(f"{path}:{node.lineno}: runs SQL (.{node.func.attr}(...))")
            continue
        else:
            continue
        if SQL_TEXT.search(text) and (path, text) not in ALLOWED_LITERALS:
            first = " ".join(text.split())[:60]
            out.append(f"{path}:{node.lineno}: SQL text {first!r}")
    return out


def _scanned_files() -> list[Path]:
    return sorted(
        p
        for top in SCANNED
        for p in (ROOT / top).rglob("*.py")
        if STORE not in p.parents and ".venv" not in p.parts
    )


def test_sql_and_the_connection_stay_in_voc_store() -> None:
    found = []
    for path in _scanned_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED_FILES or relative.startswith(ALLOWED_DIRS):
            continue
        found.extend(violations(path.read_text(encoding="utf-8"), relative))
    assert not found, "SQL belongs in voc/store/ (add a function there):\n" + "\n".join(found)


def test_the_scan_covers_the_callers_that_moved() -> None:
    scanned = {p.relative_to(ROOT).as_posix() for p in _scanned_files()}
    for caller in (
        "voc/query.py",
        "voc/digest/data.py",
        "voc/insights/painpoints.py",
        "voc/insights/praise.py",
        "voc/insights/quotes.py",
        "pipelines/backfill.py",
        "voc/cli.py",
        "voc/commands/store.py",
        "voc/commands/pipeline.py",
        "voc/analysis.py",
        "voc/pending.py",
        "voc/models/sentiment.py",
        "voc/touchpoints/tagger.py",
        "voc/topics/store.py",
    ):
        assert caller in scanned and caller not in ALLOWED_FILES


def test_the_store_has_no_public_connection() -> None:
    from voc.store.warehouse import Warehouse

    # The connection is ``_con``, for voc/store/ only; every caller asks a store API.
    assert not hasattr(Warehouse, "con")


@pytest.mark.parametrize(
    "source",
    [
        'rows = store.con.execute("SELECT 1").fetchall()',
        'frame = store.query("SELECT week, count(*) FROM pain_points GROUP BY week")',
        'frame = store.query(f"SELECT {column} FROM {table}")',
        'sql = ("INSERT INTO runs "\n       "VALUES (?)")',
        'store.query("UPDATE runs SET status = ?", ["done"])',
        'store.query("DELETE FROM quarantine")',
        "with store.transaction() as con:\n    con.execute(statement)",
        'names = store.query("SHOW TABLES")',
    ],
)
def test_the_scan_finds_sql_and_connection_use(source: str) -> None:
    assert violations(source, "voc/example.py")


@pytest.mark.parametrize(
    "source",
    [
        '"""Select the rows from the week (a docstring: SELECT x FROM y)."""',
        'message = "select a source from the list"',
        'help_text = "counts UPDATEd each run"',
        "with store.transaction():\n    store.write_batch(feedback, quarantine)",
    ],
)
def test_the_scan_lets_prose_and_store_calls_pass(source: str) -> None:
    assert violations(source, "voc/example.py") == []
