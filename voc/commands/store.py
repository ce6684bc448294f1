"""Commands that look into the store as it is: ``voc status``, ``voc sql``, ``voc runs``,
``voc quarantine``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from voc.commands._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    _fail,
    print_frame,
)
from voc.errors import VocError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command()(status)
    app.command()(sql)
    app.command()(quarantine)
    app.command()(runs)


def status(
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Counts of stored feedback by source, channel, language and ISO week; sentiment by
    channel and items per touchpoint once analysed; quarantined rows by source and reason."""
    from voc.config import load_config
    from voc.store.warehouse import Warehouse

    try:
        cfg = load_config(config)
        with Warehouse(cfg.store.path, read_only=True) as store:
            counts = store.status()
    except VocError as e:
        _fail(e)
    if output is OutputFormat.json:
        payload = {name: df.to_dict(orient="records") for name, df in counts.items()}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    for name, df in counts.items():
        if output is OutputFormat.csv:
            sys.stdout.write(f"# {name}\n")
        if name in ("sentiment", "touchpoint") and df.empty:
            continue  # nothing analysed yet: `voc analyze`
        print_frame(df, output, title=f"by {name}" if name != "quarantine" else "quarantine")


def sql(
    query: Annotated[
        str,
        typer.Argument(
            help='One read-only SQL query, e.g. "SELECT channel, count(*) FROM feedback GROUP BY 1"'
        ),
    ],
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Run a read-only SQL query on the store (DuckDB dialect).

    Tables: feedback, quarantine, runs, ingested_files, schema_migrations, ... One SELECT
    (also FROM-first, WITH, DESCRIBE, SHOW, SUMMARIZE, PIVOT ... IN (...)) or EXPLAIN SELECT
    is answered; anything else (writes, COPY, EXPLAIN ANALYZE, INSTALL/LOAD, ATTACH, SET,
    PRAGMA, several statements) is refused with exit code 2. The query cannot read or write
    any file but the store (read_csv, read_text, glob, ... are disabled).
    """
    from voc.config import load_config
    from voc.store.warehouse import run_read_only

    try:
        df = run_read_only(load_config(config).store.path, query)
    except VocError as e:
        _fail(e)
    print_frame(df, output)


def quarantine(
    reason: Annotated[
        str | None, typer.Option(help="Only this reason, e.g. impossible_rating.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """List quarantined rows: where each came from (source, file, line), why, and the
    row as read (PII redacted)."""
    from voc.config import load_config
    from voc.store.feedback import quarantined_rows
    from voc.store.warehouse import Warehouse

    try:
        with Warehouse(load_config(config).store.path, read_only=True) as store:
            df = quarantined_rows(store, reason=reason, source=source, limit=limit)
    except VocError as e:
        _fail(e)
    print_frame(df, output, title="quarantine")


def runs(
    limit: Annotated[int, typer.Option(help="At most this many runs, newest first.")] = 20,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Recent runs with their status and counts."""
    from voc.config import load_config
    from voc.store.runs import recent_runs
    from voc.store.warehouse import Warehouse

    try:
        with Warehouse(load_config(config).store.path, read_only=True) as store:
            df = recent_runs(store, limit)
    except VocError as e:
        _fail(e)
    processes = df.pop("process")
    df["status"] = [
        _run_status(status, process)
        for status, process in zip(df["status"], processes, strict=True)
    ]
    print_frame(df, output, title="runs")


def _run_status(status: str, process: str | None) -> str:
    """A run recorded ``running`` whose process is gone (killed) shows as crashed; the
    next run that writes the store records it so."""
    import socket

    from voc.store.warehouse import process_alive

    if status != "running" or not process:
        return status
    found = json.loads(process)
    if found.get("host") == socket.gethostname() and not process_alive(found):
        return "crashed"
    return status
