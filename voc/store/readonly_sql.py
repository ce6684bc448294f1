"""`voc sql`: arbitrary SQL from a person, answered from the store and nothing else.

Two independent walls, so that a gap in one is closed by the other:

1. **What the statement is, as DuckDB parses it.** ``duckdb.extract_statements`` gives the
   statement type; only one ``SELECT`` (which DuckDB also uses for ``FROM``-first queries,
   CTEs, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE``, ``PIVOT ... IN (...)``, ``UNPIVOT``) or a
   plain ``EXPLAIN`` of one is accepted. ``EXPLAIN ANALYZE`` runs its statement, so it is
   refused, and the statement under any ``EXPLAIN`` must itself be a ``SELECT``. Comments,
   case and white space cannot hide anything: the decision is on DuckDB's parse and its
   tokens, never on the first word of the text.
2. **What the connection may do.** The store is opened read-only with
   ``enable_external_access = false`` (no file, URL or other database can be read or
   written: ``read_csv``, ``read_text``, ``read_blob``, ``glob``, ``COPY ... TO``, ``ATTACH``,
   ``INSTALL`` all fail), extension auto-install and auto-load off, Python replacement
   scans off (a DataFrame variable in this process is not a table), and
   ``lock_configuration = true`` so that no statement can turn any of this back on.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from voc.errors import ReadOnlyQueryError, StoreError

#: What a refusal tells the user is allowed (one line, the same for every refusal).
ALLOWED = (
    "`voc sql` answers one read-only query on the store: SELECT (also FROM-first, WITH, "
    "DESCRIBE, SHOW, SUMMARIZE, PIVOT ... IN (...)) or EXPLAIN SELECT; it cannot read or "
    "write files, load extensions, attach databases or change settings"
)

#: The connection's settings; given at connect time, so no statement runs before them.
LOCKED_DOWN_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
    # Last: once locked, nothing above can be changed by SET or RESET.
    "lock_configuration": True,
}

_ANALYZE_WORDS = {"analyze", "analyse"}


def check_read_only_sql(sql: str) -> None:
    """Refuse anything but one query that only reads.

    Raises:
        ReadOnlyQueryError: the text is not exactly one ``SELECT`` or ``EXPLAIN SELECT``
            (the message says what is allowed).
        StoreError: the text does not parse.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise StoreError(f"the query does not parse: {_one_line(e)}") from e
    if len(statements) != 1:
        raise ReadOnlyQueryError(
            f"got {len(statements)} statements, nothing was run; {ALLOWED}, one at a time"
        )
    statement = statements[0]
    kind = statement.type.name
    if kind == "SELECT":
        return
    if kind == "EXPLAIN":
        _check_explain(statement.query)
        return
    shown = _KIND_NAMES.get(kind, f"a {kind} statement")
    raise ReadOnlyQueryError(f"refused {shown}, nothing was run; {ALLOWED}")


# How DuckDB's statement types read to a person (INSTALL parses as a LOAD statement).
_KIND_NAMES = {
    "LOAD": "an INSTALL/LOAD statement",
    "MULTI": "a PIVOT without IN (...) (DuckDB first creates a type for it)",
    "COPY_DATABASE": "a COPY statement",
}


def _check_explain(sql: str) -> None:
    """An ``EXPLAIN`` is allowed when it only plans, and what it plans is a ``SELECT``."""
    tokens = [
        (start, kind) for start, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment
    ]
    bounds = [start for start, _ in tokens] + [len(sql)]
    words = [sql[bounds[i] : bounds[i + 1]].strip() for i in range(len(tokens))]
    # tokens[0] is EXPLAIN; then ANALYZE, or an option list in parentheses, may follow.
    position = 1
    if position < len(words) and words[position].lower() in _ANALYZE_WORDS:
        raise ReadOnlyQueryError(f"refused EXPLAIN ANALYZE (it runs the statement); {ALLOWED}")
    if position < len(words) and words[position].startswith("("):
        depth = 0
        while position < len(words):
            word = words[position]
            depth += word.count("(") - word.count(")")
            if word.lower() in _ANALYZE_WORDS or word.lower().startswith(tuple(_ANALYZE_WORDS)):
                raise ReadOnlyQueryError(
                    f"refused EXPLAIN (ANALYZE) (it runs the statement); {ALLOWED}"
                )
            position += 1
            if depth <= 0:
                break
    if position >= len(tokens):
        raise ReadOnlyQueryError(f"EXPLAIN of nothing; {ALLOWED}")
    inner = sql[tokens[position][0] :]
    try:
        inner_statements = duckdb.extract_statements(inner)
    except duckdb.Error as e:
        raise StoreError(f"the query does not parse: {_one_line(e)}") from e
    inner_kinds = [s.type.name for s in inner_statements]
    if inner_kinds != ["SELECT"]:
        shown = ", ".join(inner_kinds) or "nothing"
        raise ReadOnlyQueryError(f"refused EXPLAIN of {shown}; {ALLOWED}")


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the store read-only, with no way out of it (see the module's docstring).

    While a run writes the store, the last run's snapshot is opened instead
    (:func:`voc.store.warehouse.connect_reader`), so a question never meets a lock.

    Raises:
        StoreError: no store at ``path``, or it cannot be opened.
    """
    from voc.store.warehouse import connect_reader

    con, _ = connect_reader(path, config=dict(LOCKED_DOWN_CONFIG))
    return con


def run_read_only_sql(path: str | Path, sql: str) -> pd.DataFrame:
    """Check ``sql`` (:func:`check_read_only_sql`), then run it on a locked-down connection.

    Raises:
        ReadOnlyQueryError: the SQL is not a single read-only query.
        StoreError: the store does not exist, or the query fails (including a query that
            reaches for a file, which the connection forbids).
    """
    check_read_only_sql(sql)
    con = connect_read_only(path)
    try:
        return con.execute(sql).df()
    except duckdb.PermissionException as e:
        raise ReadOnlyQueryError(
            f"refused: the query reaches outside the store ({_one_line(e)}); {ALLOWED}"
        ) from e
    except duckdb.Error as e:
        raise StoreError(f"query failed: {_one_line(e)}") from e
    finally:
        con.close()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
