"""What every ``voc`` command shares: the options, one-line errors, printing frames and
summaries, logging set-up, and the Prefect API a flow runs against.

:mod:`voc.cli` re-exports these names, so a command module may import them from either.
The state ``-v`` sets lives here (not in :mod:`voc.cli`), so ``python -m voc.cli`` (which
runs voc/cli.py as ``__main__``) and the command modules see the same flag.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from voc.errors import VocError


class OutputFormat(StrEnum):
    """How query results are printed."""

    table = "table"
    csv = "csv"
    json = "json"


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $VOC_CONFIG, else configs/voc.yaml, else defaults).",
        envvar="VOC_CONFIG",
    ),
]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Ingest only this configured source; repeatable."),
]
ForceOption = Annotated[
    bool, typer.Option(help="Re-read files ingested before (still stores nothing twice).")
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table, CSV or JSON.")
]


def _fail(error: Exception) -> NoReturn:
    """Print one line for ``error`` and exit: 2 for what the user can fix (a
    :class:`voc.errors.VocError` says what to do), 1 for anything else, an internal error,
    whose traceback ``-v`` shows (its one line has e-mails, phones, ... redacted)."""
    if isinstance(error, VocError):
        if _VERBOSE and error.__cause__ is not None:
            traceback.print_exception(error.__cause__, file=sys.stderr)
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    if _VERBOSE:
        traceback.print_exception(error, file=sys.stderr)
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if message:  # an error voc did not expect may quote a customer's text: no raw PII
        from voc.text.pii import Redactor

        message = Redactor().redact(message).text
    typer.secho(
        f"error: internal error, {type(error).__name__}{f': {message}' if message else ''}"
        + ("" if _VERBOSE else " (run with -v for the traceback)"),
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(code=1)


def _console() -> Any:
    from rich.console import Console

    console = Console(soft_wrap=True)
    if not console.is_terminal:
        # Piped into a log or a pager: rich would assume 80 columns and fold every name.
        console = Console(soft_wrap=True, width=140)
    return console


def print_frame(df: Any, output: OutputFormat, title: str | None = None) -> None:
    """Print a pandas frame as a rich table, CSV or JSON records."""
    if output is OutputFormat.csv:
        df.to_csv(sys.stdout, index=False)
        return
    if output is OutputFormat.json:
        sys.stdout.write(
            df.to_json(orient="records", force_ascii=False, date_format="iso", indent=2)
        )
        sys.stdout.write("\n")
        return
    from rich.table import Table

    table = Table(title=title, show_lines=False, pad_edge=False)
    for column in df.columns:
        numeric = df[column].dtype.kind in "iuf"
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    for row in df.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    _console().print(table)


def _cell(value: Any) -> str:
    """A table cell: empty for nulls, floats to 3 decimals (CSV and JSON keep them whole)."""
    if _is_null(value):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _is_null(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN is the one value unequal to itself
    except (TypeError, ValueError):
        return False


#: Set by ``voc -v``: log what voc does, and show tracebacks.
_VERBOSE = False


class _QuietFilter(logging.Filter):
    """Without ``-v``: Prefect's own log lines (its run states, retries, the tracebacks it
    logs for every failed task) stay out of the terminal, where the command prints one
    line per error; they still reach the Prefect API, so the UI shows them. voc's own
    warnings stay, without tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in {"prefect", "uvicorn", "httpx", "httpcore"}:
            return False
        record.exc_info = None
        record.exc_text = None
        return True


def _setup_logging(verbose: bool) -> None:
    global _VERBOSE
    _VERBOSE = verbose
    # Prefect's embedded server would try to send telemetry: there is no network here.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if verbose:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        return
    handler = logging.StreamHandler()
    handler.addFilter(_QuietFilter())
    handler.setFormatter(_LevelFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


class _LevelFormatter(logging.Formatter):
    """``warning: the store is being written ...``: one line a person reads."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _flow_api(config: Path | None = None, writes: str | None = None, run_id: str = "") -> Any:
    """The Prefect API for the flows this command runs; it ends with the command, even
    one killed by SIGKILL (:mod:`pipelines.server`).

    A command whose flow ``writes`` (its name) first takes the store's writer lock, so a
    second writer waits for the first (``store.lock_timeout_seconds``) or gives up in
    one line before Prefect starts; the flow's own lock then joins this one.
    """
    from contextlib import ExitStack

    from pipelines.server import prefect_api

    stack = ExitStack()
    if writes is not None:
        from voc.config import load_config
        from voc.store.warehouse import writer_lock

        store = load_config(config).store
        stack.enter_context(writer_lock(store.path, store.lock_timeout_seconds, run_id, writes))
    try:
        stack.enter_context(prefect_api())
    except BaseException:
        stack.close()
        raise
    return stack


def run_recorded_flow(
    config: Path | None,
    writes: str,
    run_ids: list[str],
    call: Callable[[], Any],
    check: Callable[[], None] | None = None,
) -> tuple[Any, dict[str, dict[str, Any]], Exception | None]:
    """Run a flow that writes the store and records its runs (``run_ids``, the first one
    naming the writer lock's holder), the way every such command does.

    ``check`` runs first (a bad option fails before Prefect starts), then the config is
    loaded and the flow called under :func:`_flow_api`.

    Returns:
        ``(returned, recorded, failed)``: what the flow returned (None when it raised), the
        summaries its runs recorded when it raised (:func:`_failed_run_summaries`, by run
        id; empty when it returned or never started), and the exception, for
        :func:`_fail` after the summaries are printed.
    """
    from voc.config import load_config

    cfg = None
    try:
        if check is not None:
            check()
        cfg = load_config(config)
        with _flow_api(config, writes, run_ids[0]):
            return call(), {}, None
    except Exception as e:
        recorded = _failed_run_summaries(cfg.store.path, run_ids, e) if cfg is not None else {}
        return None, recorded, e


def _failed_run_summaries(
    store_path: str | Path, run_ids: list[str], failed: Exception
) -> dict[str, dict[str, Any]]:
    """What the runs of a flow that raised had done, by run id.

    A flow that raises returns nothing; its run recorded its summary in ``runs`` before
    raising (:func:`pipelines.runs.recorded_run`), so that is where it is read. None when
    the run never started: another run was writing the store (``StoreBusy``), or there is
    no store yet.
    """
    from voc.errors import StoreBusy
    from voc.store.runs import run_summaries
    from voc.store.warehouse import Warehouse

    if isinstance(failed, StoreBusy) or not Path(store_path).exists():
        return {}
    with Warehouse(store_path, read_only=True) as store:
        return run_summaries(store, run_ids)


def _progress_bar(description: str) -> Any:
    """A progress bar on stderr; silent when stderr is not a terminal (logs, CI)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _read_store(config: Path | None) -> Any:
    from voc.config import load_config
    from voc.store.warehouse import Warehouse

    return Warehouse(load_config(config).store.path, read_only=True)


def _topic_arg(topic: str | None) -> int | str | None:
    return int(topic) if topic is not None and topic.lstrip("-").isdigit() else topic


_WEEK_HELP = (
    "ISO week, e.g. 2026-W45 (default: the last complete week with data in "
    "schedules.timezone, the same as `voc digest`)."
)
#: The options the insight commands share (``voc trends``, ``pain-points``, ``love``,
#: ``digest``, ``drivers``, ``fixes``): one definition, one help text.
WeekOption = Annotated[str | None, typer.Option(help=_WEEK_HELP)]
ChannelOption = Annotated[str | None, typer.Option(help="Only this channel.")]
TouchpointOption = Annotated[str | None, typer.Option(help="Only this touchpoint.")]


def _week_notes(notes: list[str]) -> None:
    """What to know about a default week, on stderr (stdout stays a table or JSON)."""
    for note in notes:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)


LabelLanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        help="Topic labels in this language, as the digest in it (en or ja; default: "
        "digest.language).",
    ),
]


def _label_language(given: str | None, configured: str) -> str:
    """The language to label topics in: ``given``, else ``digest.language``. Always
    passed on, as the digest does: a topic labelled in another language before (a label
    is fixed once found) still reads its alias in this one."""
    if given is not None and given not in ("en", "ja"):
        _fail(VocError(f"--language {given!r}: write en or ja"))
    return given if given is not None else configured
