# Over 600 lines on purpose, for now: every `voc` command in one typer app. Issue 12 splits it
# into a package (one module per command group); until then, commands stay thin and call voc.*.
"""The ``voc`` command.

Every command reads the config named by ``--config`` (default ``$VOC_CONFIG``, else
``configs/voc.yaml``, else built-in defaults) and works on the store it names.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from voc.errors import VocError


class _VocApp(typer.Typer):
    """The ``voc`` command: an error no command caught is still one line (exit 1), its
    traceback shown only with ``-v``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as e:  # the last resort: say it in one line
            try:
                _fail(e)
            except typer.Exit as stop:
                sys.exit(stop.exit_code)


app = _VocApp(
    name="voc",
    help="voc: customer feedback from every channel into ranked, explained pain points.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
    whose traceback ``-v`` shows."""
    if isinstance(error, VocError):
        if _VERBOSE and error.__cause__ is not None:
            traceback.print_exception(error.__cause__, file=sys.stderr)
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    if _VERBOSE:
        traceback.print_exception(error, file=sys.stderr)
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
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


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what voc does.")] = False,
) -> None:
    """voc: customer feedback from every channel into ranked, explained pain points."""
    _setup_logging(verbose)


@app.command()
def ingest(
    path: Annotated[
        str | None,
        typer.Argument(
            help="A file or glob to ingest ad hoc; omit to ingest every configured source."
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            help="Channel of the file's rows (review, app_store, survey, social, support, ...)."
        ),
    ] = None,
    text_col: Annotated[
        list[str] | None,
        typer.Option(
            "--text-col", help="Column holding the text; repeat to join several (title, body)."
        ),
    ] = None,
    id_col: Annotated[
        str | None, typer.Option("--id-col", help="Column with the native id.")
    ] = None,
    time_col: Annotated[
        str | None, typer.Option("--time-col", help="Column with when it was written.")
    ] = None,
    time_format: Annotated[
        str | None,
        typer.Option(
            help="strptime format of --time-col, e.g. %d/%m/%y (default: ISO 8601 and others)."
        ),
    ] = None,
    timezone: Annotated[
        str, typer.Option(help="Time zone of timestamps without an offset.")
    ] = "UTC",
    rating_col: Annotated[
        str | None, typer.Option("--rating-col", help="Column with a score.")
    ] = None,
    rating_scale: Annotated[
        str | None, typer.Option("--rating-scale", help="stars5, nps, csat or ces.")
    ] = None,
    touchpoint: Annotated[
        str | None, typer.Option(help="Touchpoint of every row, when known.")
    ] = None,
    metadata_col: Annotated[
        list[str] | None,
        typer.Option("--metadata-col", help="Column to keep as metadata; repeatable."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="A ready-made mapping: app_store, survey, social, support_tickets."),
    ] = None,
    encoding: Annotated[str, typer.Option(help="auto, utf-8, cp932, latin-1, ...")] = "auto",
    source: Annotated[
        str | None,
        typer.Option("--source", help="Name for an ad-hoc source (default: the file's stem)."),
    ] = None,
    only: OnlyOption = None,
    force: ForceOption = False,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Ingest feedback into the store, through the Prefect `ingest` flow.

    With no PATH, every source in the config is ingested. With a PATH, the file is
    ingested with the mapping given by the options, no config editing needed:

        voc ingest exports/reviews.csv --channel review --text-col "Review Text"

    Bad rows are quarantined with their reason (see `voc quarantine`); a summary is
    printed at the end.
    """
    from voc.config import load_config

    try:
        load_config(config)  # fail on a bad config before Prefect starts
        adhoc: dict[str, Any] | None = None
        if path is not None:
            given: dict[str, Any] = {
                "name": source or _source_name(path),
                "path": path,
                "preset": preset,
                "encoding": encoding,
                "timezone": timezone,
                "channel": channel,
                "text_col": (text_col[0] if len(text_col) == 1 else text_col) if text_col else None,
                "id_col": id_col,
                "time_col": time_col,
                "time_format": time_format,
                "rating_col": rating_col,
                "rating_scale": rating_scale,
                "touchpoint": touchpoint,
                "metadata_cols": metadata_col,
            }
            # Options left out stay unset, so a --preset can fill them in.
            adhoc = {key: value for key, value in given.items() if value is not None}
            from voc.config import SourceConfig, apply_preset

            apply_preset(_validate_adhoc(SourceConfig, adhoc))
            _check_path_given(path)
        elif preset or channel or text_col:
            raise typer.BadParameter("mapping options need a PATH: voc ingest PATH --channel ...")
    except VocError as e:
        _fail(e)
    _run_ingest(config, only, adhoc, force, output)


def _validate_adhoc(model: Any, adhoc: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from voc.config import explain_validation_error
    from voc.errors import ConfigError

    try:
        return model.model_validate(adhoc)
    except ValidationError as e:
        raise ConfigError(
            explain_validation_error(e, "voc ingest options")
            .replace("text_col", "--text-col")
            .replace("channel", "--channel")
        ) from e


def _check_path_given(path: str) -> None:
    """A file given on the command line that does not exist fails here, in one line and
    before Prefect starts, naming the argument (not a config's ``path:``)."""
    from voc.errors import SourceError, UserError
    from voc.sources.files import discover_files

    try:
        discover_files(path)
    except SourceError as e:
        raise UserError(
            f"no file matches {path!r} (looked from {Path.cwd()}); check the PATH you gave "
            "`voc ingest` (a file, a folder or a quoted glob such as 'exports/*.csv')"
        ) from e


def _source_name(path: str) -> str:
    import re

    stem = Path(path.replace("*", "all")).stem or "adhoc"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)


def _run_ingest(
    config: Path | None,
    only: list[str] | None,
    adhoc: dict[str, Any] | None,
    force: bool,
    output: OutputFormat,
) -> None:
    from pipelines.ingest import ingest_flow, new_run_id
    from voc.config import load_config

    run_id = new_run_id()
    failed: Exception | None = None
    try:
        with _flow_api(config, "ingest", run_id):
            ingest_flow(
                config_path=str(config) if config else None,
                source_names=only,
                adhoc_source=adhoc,
                force=force,
                run_id=run_id,
            )
    except Exception as e:
        failed = e
    summary = (
        {} if _busy(failed) else _run_summaries(load_config(config).store.path, [run_id])
    ).get(run_id)
    if summary is not None:
        print_run_summary(summary, output)
    if failed is not None:
        _fail(failed)


def _busy(failed: Exception | None) -> bool:
    """Whether the command gave up because another run writes the store (then its own
    run never started: there is no summary to show)."""
    from voc.errors import StoreBusy

    return isinstance(failed, StoreBusy)


def _run_summaries(store_path: str | Path, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The summaries the flows recorded in ``runs``, by run id (none when no store yet)."""
    from voc.store.runs import run_summaries
    from voc.store.warehouse import Warehouse

    if not Path(store_path).exists():
        return {}
    with Warehouse(store_path, read_only=True) as store:
        return run_summaries(store, run_ids)


def print_run_summary(summary: dict[str, Any], output: OutputFormat = OutputFormat.table) -> None:
    """Print an ingest run's summary: per source and in total."""
    import pandas as pd

    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return
    # Short headers: the table must fit an 80-column terminal (a pager at night).
    headers = {
        "source": "source",
        "read": "read",
        "stored": "stored",
        "already_stored": "already",
        "duplicates": "dupes",
        "quarantined": "quarant.",
        "near_duplicates": "near-dup",
        "pii_redactions": "pii",
        "seconds": "secs",
    }
    rows = [*summary["sources"], summary["total"]]
    df = pd.DataFrame(rows, columns=list(headers)).rename(columns=headers)
    if output is OutputFormat.table:
        skipped = summary["total"].get("files_skipped", 0)
        title = (
            f"ingest {summary['run_id']}: {summary['status']}, {summary['total'].get('files', 0)} "
            f"file(s), {skipped} unchanged and skipped"
        )
    else:
        title = None
    print_frame(df, output, title=title)
    reasons = summary["total"].get("quarantined_by_reason") or {}
    if output is OutputFormat.table:
        console = _console()
        if reasons:
            listed = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
            console.print(f"quarantined by reason: {listed}  (details: voc quarantine)")
        for name, message in summary.get("errors", {}).items():
            console.print(f"[red]source {name} failed:[/red] {message}")
        _print_skipped_files(console, summary)
        console.print(f"store: {summary['store']}")


def _print_skipped_files(console: Any, summary: dict[str, Any], limit: int = 20) -> None:
    """One line per file skipped (or read but not recorded as ingested), and why."""
    skipped = [
        item for source in summary.get("sources", []) for item in source.get("skipped_files", [])
    ]
    for item in skipped[:limit]:
        console.print(f"skipped {item['file']}: {item['reason']}", markup=False)
    if len(skipped) > limit:
        console.print(f"... and {len(skipped) - limit} more (--format json lists them all)")


@app.command()
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


@app.command()
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


@app.command()
def enrich(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, TSV, JSONL, JSON, Parquet or Excel.")
    ],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text.")],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Output file; .csv .tsv .jsonl .json .parquet .xlsx."),
    ],
    id_col: Annotated[
        str | None, typer.Option("--id-col", help="Row id column (checked to be unique).")
    ] = None,
    time_col: Annotated[
        str | None, typer.Option("--time-col", help="Column with when each row was written.")
    ] = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="Touchpoint taxonomy YAML (default: the config's, else built-in)."),
    ] = None,
    sentiment_model: Annotated[
        str | None,
        typer.Option(help="Sentiment model name or folder (default: the config's, v1)."),
    ] = None,
    prefix: Annotated[
        str, typer.Option(help="Put before the added columns' names, e.g. voc_.")
    ] = "",
    encoding: Annotated[str, typer.Option(help="Encoding of CSV/TSV input.")] = "auto",
    topics: Annotated[
        str,
        typer.Option(
            "--topics",
            help=(
                "Where topics come from: auto (the store's topic model when at least 75% "
                "of the file's sentences fit its topics, else topics fitted on the file), "
                "store, or file."
            ),
        ),
    ] = "auto",
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Analyse one file, no store needed: every row comes out, in order, with every input
    column plus language, sentiment, sentiment_score, sentiment_mixed, touchpoints
    (joined by |), topic_id, topic_label and voc_error (why a row has no analysis, e.g.
    empty_text). Topics come from the store's topic model when the file fits it, else
    from topics fitted on the file (--topics; stderr says which, and why).

        voc enrich reviews.csv --text-col "Review Text" --out reviews_enriched.parquet
    """
    from voc.config import load_config
    from voc.enrich import enrich_file

    try:
        cfg = load_config(config)
        progress = _progress_bar("enriching")
        with progress as bar:
            task_id = bar.add_task("enrich", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task_id, completed=done, total=total)

            summary = enrich_file(
                input_path,
                text_col,
                out,
                id_col=id_col,
                time_col=time_col,
                taxonomy=taxonomy or cfg.taxonomy,
                sentiment_model=sentiment_model or cfg.analysis.sentiment_model,
                prefix=prefix,
                encoding=encoding,
                languages=tuple(cfg.ingest.languages),
                progress=step,
                store_path=cfg.store.path,
                topics=topics,
                label_language=cfg.digest.language,
            )
    except VocError as e:
        _fail(e)
    result = summary.to_dict()
    source = {"store": "the store's topic model", "file": "fitted on the file"}.get(
        summary.topics_from, summary.topics_from
    )
    reason = f": {summary.topics_reason}" if summary.topics_reason else ""
    typer.echo(f"topics: {source}{reason}", err=True)
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    seconds = result["seconds"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(result["errors"].items())) or "none"
    typer.echo(
        f"wrote {result['output']}: {result['rows']} rows, {result['analysed']} analysed, "
        f"without analysis: {errors}; {result['sentences']} sentences; "
        f"topics from {result['topics_from']}; "
        f"{result['items_per_second']} rows/s (models loaded in {seconds['model_loading']} s)"
    )


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


@app.command()
def analyze(
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Analyse stored feedback that has no current analysis, through the Prefect `analyze`
    flow: sentences, sentiment and touchpoints per sentence and per record.

    After a new sentiment model or an edited taxonomy every record is re-analysed, from
    cached embeddings.
    """
    from pipelines.analyze import analyze_flow
    from voc.config import load_config

    try:
        load_config(config)
        with _flow_api(config, "analyze"):
            result = analyze_flow(config_path=str(config) if config else None)
    except Exception as e:
        _fail(e)
    _print_analysis(result, output)


def _print_analysis_limits(analysis: dict[str, Any]) -> None:
    """Say what the analysis bounds did (issue 13): records cut, records that timed out."""
    from voc.analysis import MAX_RECORD_CHARS

    if analysis.get("truncated"):
        typer.echo(
            f"{analysis['truncated']} record(s) longer than {MAX_RECORD_CHARS:,} characters were "
            f"analysed up to it; {analysis['chars_not_analysed']:,} characters were not analysed"
        )
    if analysis.get("timed_out"):
        typer.echo(
            f"{analysis['timed_out']} record(s) ran over their time budget and were stored "
            "as failed (analysis.error = 'analysis_timeout'); the run went on"
        )


def _print_analysis(result: dict[str, Any], output: OutputFormat) -> None:
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    a = result["analysis"]
    typer.echo(
        f"analyze {result['run_id']}: {result['status']}, {a['analyzed']} records analysed "
        f"({a['sentences']} sentences; {a['embedded']} embedded, {a['cached']} from the "
        f"cache; {a['no_text']} without text) in {a['seconds'].get('total', 0)} s; "
        f"models loaded in {a['seconds'].get('model_loading', 0)} s"
    )
    _print_analysis_limits(a)
    topics = (result.get("topics") or {}).get("topics")
    if topics:
        pain = (result.get("insights") or {}).get("pain_points", {})
        reason = f" ({topics['reason']})" if topics.get("reason") else ""
        typer.echo(
            f"topics: {topics['action']}{reason}, {topics['sentences']} sentences, "
            f"{topics['topics']} topics, {topics['other_share']:.1%} other; "
            f"pain points: {pain.get('rows', 0)} rows over {pain.get('weeks', 0)} weeks, "
            f"{pain.get('emerging', 0)} emerging topic-weeks"
        )
    if result.get("alerts") is not None:
        from voc.commands.loop import print_alert_summary

        print_alert_summary(result["alerts"])


@app.command()
def run(
    only: OnlyOption = None,
    force: ForceOption = False,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Ingest every configured source, then analyse what is new (the Prefect `run` flow).

    A source that fails does not stop the others or the analysis; voc still exits non-zero.
    """
    from pipelines.analyze import new_analyze_run_id, run_flow
    from pipelines.ingest import new_run_id
    from voc.config import load_config

    ingest_id, analyze_id = new_run_id(), new_analyze_run_id()
    failed: Exception | None = None
    cfg = None
    try:
        cfg = load_config(config)
        with _flow_api(config, "run", ingest_id):
            run_flow(
                config_path=str(config) if config else None,
                source_names=only,
                force=force,
                ingest_run_id=ingest_id,
                analyze_run_id=analyze_id,
            )
    except Exception as e:
        failed = e
    found = (
        _run_summaries(cfg.store.path, [ingest_id, analyze_id])
        if cfg is not None and not _busy(failed)
        else {}
    )
    summaries: dict[str, Any] = {
        name: found[run_id]
        for name, run_id in (("ingest", ingest_id), ("analyze", analyze_id))
        if run_id in found
    }
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(summaries, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        if "ingest" in summaries:
            print_run_summary(summaries["ingest"], output)
        if "analysis" in summaries.get("analyze", {}):
            _print_analysis(summaries["analyze"], output)
    if failed is not None:
        _fail(failed)


train_app = typer.Typer(help="Train models on your own labelled feedback.", no_args_is_help=True)
app.add_typer(train_app, name="train")


@train_app.command("sentiment")
def train_sentiment(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="Labelled CSV, TSV, JSONL, JSON, Parquet, xlsx.")
    ],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text.")],
    label_col: Annotated[
        str,
        typer.Option(
            "--label-col",
            help="Column holding the label: negative/neutral/positive, -1/0/1, or stars 1-5.",
        ),
    ],
    name: Annotated[
        str,
        typer.Option(
            help="Model name: written to models/sentiment/NAME; use it with "
            "analysis.sentiment_model: NAME or --sentiment-model NAME."
        ),
    ] = "custom",
    out: Annotated[
        Path | None, typer.Option(help="Write the model to this folder instead.")
    ] = None,
    language_col: Annotated[
        str | None,
        typer.Option("--language-col", help="Column with an ISO 639-1 code (else detected)."),
    ] = None,
    dev_share: Annotated[
        float, typer.Option(help="Share of rows held out to measure the model.")
    ] = 0.1,
    overwrite: Annotated[bool, typer.Option(help="Replace a model of that name.")] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Train a sentiment model on your own labelled feedback (the Prefect flow
    `train-user-sentiment`), same recipe as the shipped one, and save it with a model card.

        voc train sentiment labelled.csv --text-col comment --label-col label --name ours

    Rows with no text or a label outside the scheme are skipped and counted; a held-out
    share measures the result (dev macro-F1).
    """
    import re

    from pipelines.train_sentiment import train_user_sentiment_flow

    if out is None and not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        _fail(VocError(f"--name {name!r}: use letters, digits, _ . - (it becomes a folder name)"))
    target = out if out is not None else Path("models") / "sentiment" / name
    try:
        with _flow_api():
            metrics = train_user_sentiment_flow(
                str(path),
                text_col,
                label_col,
                str(target),
                language_col=language_col,
                dev_share=dev_share,
                overwrite=overwrite,
            )
    except Exception as e:
        _fail(e)
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(metrics, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    dev = metrics.get("dev", {})
    skipped = metrics.get("skipped") or {}
    typer.echo(
        f"model written to {target}: dev macro-F1 {dev.get('macro_f1')} on {dev.get('n')} rows; "
        f"skipped {sum(skipped.values()) if isinstance(skipped, dict) else skipped} row(s) "
        f"{skipped if skipped else ''}\n"
        f"use it: analysis.sentiment_model: {target if out is not None else name}"
    )


def _read_store(config: Path | None) -> Any:
    from voc.config import load_config
    from voc.store.warehouse import Warehouse

    return Warehouse(load_config(config).store.path, read_only=True)


def _topic_arg(topic: str | None) -> int | str | None:
    return int(topic) if topic is not None and topic.lstrip("-").isdigit() else topic


@app.command()
def trends(
    topic: Annotated[
        str | None, typer.Option(help="A topic id, or words of its label or keywords.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Only this touchpoint.")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this date, ISO week (2026-W40) or month.")
    ] = None,
    by: Annotated[str, typer.Option(help="week or month.")] = "week",
    last: Annotated[
        int,
        typer.Option(help="Without --since: only the last N periods with data (0: all)."),
    ] = 12,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Volume, negative share and mean sentiment per week (or month), for one topic or all."""
    from voc import query

    try:
        with _read_store(config) as store:
            df = query.trends(store, _topic_arg(topic), channel, touchpoint, since, by)
    except VocError as e:
        _fail(e)
    title = f"trends{f' of topic {topic}' if topic else ''} by {by}"
    if since is None and last > 0 and len(df) > last:
        df = df.tail(last).reset_index(drop=True)
        title += f" (last {last}; --last 0 or --since for more)"
    print_frame(df, output, title=title)


_WEEK_HELP = (
    "ISO week, e.g. 2026-W45 (default: the last complete week with data in "
    "schedules.timezone, the same as `voc digest`)."
)


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


def _label_language(given: str | None, configured: str) -> str | None:
    """The language to label topics in, or None for their own labels: the topics step
    labels them in ``digest.language`` already, so only another language asks for aliases."""
    if given is not None and given not in ("en", "ja"):
        _fail(VocError(f"--language {given!r}: write en or ja"))
    return given if given is not None and given != configured else None


@app.command("pain-points")
def pain_points(
    week: Annotated[str | None, typer.Option(help=_WEEK_HELP)] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Only this touchpoint.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 10,
    min_complaints: Annotated[
        float,
        typer.Option(help="Only topics with at least this many complaints (records x share)."),
    ] = 3.0,
    language: LabelLanguageOption = None,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """The week's pain points, ranked: volume, negative share, trend, emerging, where they
    show up (channel / touchpoint) and a complaint of that week; the owning team (the
    taxonomy's touchpoint owners) and the latest action (`voc action`) beside each.

    A pain point is a topic that is mostly complaints that week: at least half of its
    sentences negative, and at least --min-complaints of them. Topics mostly praised are
    listed by `voc love` instead.
    """
    from voc import query
    from voc.config import load_config

    try:
        settings = load_config(config)
        timezone = settings.schedules.timezone
        with _read_store(config) as store:
            df = query.pain_points(
                store, week, channel, touchpoint, limit, timezone=timezone,
                min_complaints=min_complaints,
                language=_label_language(language, settings.digest.language),
            )  # fmt: skip
            from voc.commands.loop import annotate_pain_points

            df = annotate_pain_points(store, df, config)  # owner, latest action (issue 14)
    except VocError as e:
        _fail(e)
    _week_notes(df.attrs.get("notes", []))
    print_frame(df, output, title=f"pain points {df.attrs.get('week', week or '')}")


@app.command("love")
def love(
    week: Annotated[str | None, typer.Option(help=_WEEK_HELP)] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Only this touchpoint.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 5,
    language: LabelLanguageOption = None,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """What customers love: the week's topics that are mostly praise (at least half of
    their sentences positive, at least 3 of them), with a positive sentence of that week.

    The mirror of `voc pain-points`, on the same default week; the digest shows the same
    list under "What customers love".
    """
    from voc import query
    from voc.config import load_config

    try:
        settings = load_config(config)
        timezone = settings.schedules.timezone
        with _read_store(config) as store:
            df = query.love(
                store, week, channel, touchpoint, limit, timezone=timezone,
                language=_label_language(language, settings.digest.language),
            )  # fmt: skip
    except VocError as e:
        _fail(e)
    _week_notes(df.attrs.get("notes", []))
    print_frame(df, output, title=f"what customers love {df.attrs.get('week', week or '')}")


topics_app = typer.Typer(
    help="Topics: list them, or show one (label, keywords, size over time, quotes).",
    invoke_without_command=True,
)
app.add_typer(topics_app, name="topics")


@topics_app.callback()
def topics_list(
    ctx: typer.Context,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """List the active topics, largest first (`voc topics show ID` for one)."""
    if ctx.invoked_subcommand is not None:
        return
    from voc import query

    try:
        with _read_store(config) as store:
            df = query.topics(store)
    except VocError as e:
        _fail(e)
    print_frame(df, output, title="topics")


@topics_app.command("show")
def topics_show(
    topic: Annotated[str, typer.Argument(help="A topic id, or words of its label.")],
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """One topic: label, keywords, weekly size, quotes, channel x touchpoint breakdown."""
    import pandas as pd

    from voc import query

    try:
        with _read_store(config) as store:
            detail = query.topic_detail(store, _topic_arg(topic) or topic)
            from voc.commands.loop import latest_action

            detail["action"] = latest_action(store, detail["topic_id"])  # issue 14
    except VocError as e:
        _fail(e)
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(detail, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    typer.echo(f"topic {detail['topic_id']}: {detail['label']} ({detail['status']})")
    typer.echo(f"keywords: {', '.join(detail['keywords'])}")
    typer.echo(f"size: {detail['size']}; first seen {detail['first_seen']}")
    if detail["action"]:
        from voc.commands.loop import action_line

        typer.echo(action_line(detail["action"], detail["topic_id"]))
    if detail.get("quotes_week"):
        typer.echo(f"quotes ({detail['quotes_week']} and before, complaints first):")
    for quote in detail["quotes"]:
        typer.echo(f"  “{quote}”")
    for name in ("weekly", "breakdown"):
        frame = detail[name]
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            print_frame(frame, output, title=name)


@topics_app.command("rename")
def topics_rename(
    topic_id: Annotated[int, typer.Argument(help="The topic's id (`voc topics` lists them).")],
    label: Annotated[
        str, typer.Argument(help='The new label, e.g. "parcel arrived late"; "" undoes it.')
    ],
    config: ConfigOption = None,
) -> None:
    """Give a topic your own label. It is kept in the store by topic id and put back after
    every refit (the registry keeps ids); labels in the config's `topics.labels` win over
    it. An empty label gives the topic back its own at the next refit."""
    from voc.config import load_config
    from voc.store.warehouse import Warehouse
    from voc.topics.store import rename_topic

    try:
        with Warehouse(load_config(config).store.path) as store:
            before = rename_topic(store, topic_id, label)
    except VocError as e:
        _fail(e)
    if label.strip():
        typer.echo(f"topic {topic_id}: {before!r} -> {' '.join(label.split())!r}")
    else:
        typer.echo(f"topic {topic_id}: keeps {before!r} until the next refit relabels it")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What to look for, in any language.")],
    limit: Annotated[int, typer.Option(help="At most this many records.")] = 10,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Find feedback by meaning, not only words: "parcel never arrived" finds
    "荷物が配達されない"."""
    from voc import query

    try:
        with _read_store(config) as store:
            df = query.search(store, text, limit)
    except VocError as e:
        _fail(e)
    print_frame(df, output, title=f"search: {text}")


@app.command()
def digest(
    week: Annotated[str | None, typer.Option(help=_WEEK_HELP)] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            "-l",
            help="en or ja (default: digest.language); ja is written to YYYY-Www/ja/.",
        ),
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="Send it to the Slack/e-mail set in digest.delivery (if any).",
        ),
    ] = True,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Write the week's pain-point digest (HTML and Markdown, with charts) and deliver it.

    Files go to <digest.out_dir>/YYYY-Www/ (reports/ by default; the Japanese digest to
    YYYY-Www/ja/, so it never overwrites the English one) and replace an earlier digest of
    that week in that language; the Markdown is also published as the Prefect artifact
    voc-digest-<language>. A failed delivery is retried, then reported (exit 1); the files
    are kept either way.
    """
    from pipelines.digest import digest_flow
    from voc.errors import DeliveryError

    try:
        with _flow_api():
            result = digest_flow(
                config_path=str(config) if config else None,
                week=week,
                language=language,
                deliver=send,
            )
    except DeliveryError as e:
        typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    except Exception as e:
        _fail(e)
    _week_notes(result.get("notes", []))
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if result.get("empty"):
        typer.echo(f"{result['week']}: no feedback that week; the digest says so.")
    else:
        typer.echo(
            f"{result['week']}: {result['records']} records, {result['pain_points']} pain points."
        )
    for item in result.get("delivery", []):
        typer.echo(f"delivered to {item['channel']} ({item['target']})")
    typer.echo(f"markdown: {result['markdown']}")
    typer.echo(f"digest: {result['html']}")


@app.command()
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


@app.command()
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


@app.command()
def serve(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the deployments and exit without serving.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="At most this many flow runs at once (default: no limit).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Serve voc's Prefect deployments on their schedules until Ctrl-C (Prefect's `serve`).

    voc-daily (ingest, then analyse) and voc-digest run on the cron schedules of the
    config's `schedules:`, in its time zone; voc-ingest, voc-analyze, voc-refit-topics and
    voc-backfill run on demand (Prefect UI, or `prefect deployment run`). Runs execute in
    subprocesses of this command, which must keep running. Set PREFECT_API_URL to use a
    long-running `prefect server start` (docs/scheduling.md).
    """
    import pandas as pd

    from pipelines.deployments import build_deployments, describe_schedule, serve_deployments

    config_path = str(config) if config else None
    try:
        deployments = build_deployments(config_path)
    except VocError as e:
        _fail(e)
    rows = [
        {"name": d.name, "flow": d.flow_name, "schedule": describe_schedule(d)} for d in deployments
    ]
    print_frame(pd.DataFrame(rows), OutputFormat.table, title="voc deployments")
    used = deployments[0].parameters.get("config_path") if deployments else None
    typer.echo(f"config: {used or 'built-in defaults'}")
    if dry_run:
        return
    typer.echo("serving; Ctrl-C stops (scheduled runs are paused until the next `voc serve`)")
    try:
        with _flow_api():
            serve_deployments(config_path, limit=limit)
    except Exception as e:
        _fail(e)


@app.command()
def backfill(
    since: Annotated[
        str, typer.Option(help="First ISO week to recompute, e.g. 2026-W40 (or a date in it).")
    ],
    until: Annotated[
        str | None,
        typer.Option(help="Last ISO week, the same way (default: the last week with data)."),
    ] = None,
    digests: Annotated[
        bool,
        typer.Option("--digests/--no-digests", help="Rewrite the digest of each complete week."),
    ] = True,
    deliver: Annotated[
        bool,
        typer.Option("--deliver", help="Also send those digests (default: only write them)."),
    ] = False,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Recompute past ISO weeks (the Prefect `backfill` flow): analyse what is pending,
    recompute pain points and survey metrics from --since to --until, rewrite the digests.

        voc backfill --since 2026-W40

    Idempotent: a second run gives the same tables and digest files. Weeks before --since
    keep their pain points. Digests are written, not sent, unless --deliver.
    """
    import pandas as pd

    from pipelines.backfill import backfill_flow, new_backfill_run_id
    from voc.config import load_config
    from voc.weeks import parse_week

    run_id = new_backfill_run_id()
    failed: Exception | None = None
    cfg = None
    try:
        parse_week(since, "--since")  # fail on a bad week before Prefect starts
        if until is not None:
            parse_week(until, "--until")
        cfg = load_config(config)
        with _flow_api(config, "backfill", run_id):
            backfill_flow(
                config_path=str(config) if config else None,
                since=since,
                until=until,
                digests=digests,
                deliver=deliver,
                run_id=run_id,
            )
    except Exception as e:
        failed = e
    summary = (
        _run_summaries(cfg.store.path, [run_id]).get(run_id)
        if cfg is not None and not _busy(failed)
        else None
    )
    if summary is not None:
        if output is OutputFormat.json:
            sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        else:
            digest_of = {d["week"]: d for d in summary.get("digests", [])}
            rows_by_week = (summary.get("pain_points") or {}).get("rows_by_week", {})
            frame = pd.DataFrame(
                [
                    {
                        "week": week,
                        "pain_point_rows": rows_by_week.get(week, 0),
                        "digest": (digest_of.get(week) or {}).get("html")
                        or summary.get("errors", {}).get(week)
                        or ("week not over" if week in summary.get("incomplete_weeks", []) else ""),
                    }
                    for week in summary.get("weeks", [])
                ]
            )
            analysis = summary.get("analysis") or {}
            title = (
                f"backfill {summary['run_id']}: {summary['status']}, "
                f"{len(summary.get('weeks', []))} weeks {summary['since']}..{summary['until']}"
            )
            print_frame(frame, output, title=title if output is OutputFormat.table else None)
            if output is OutputFormat.table:
                typer.echo(
                    f"pain point rows {(summary.get('pain_points') or {}).get('rows', 0)}, "
                    f"survey metric rows {summary.get('survey_metrics', 0)}, "
                    f"digests written {len(digest_of)}"
                    f"{' and delivered' if deliver and digest_of else ''}; analysis: "
                    f"{analysis.get('action', '-')}"
                    + (f" ({analysis['analyzed']} records)" if "analyzed" in analysis else "")
                )
    if failed is not None:
        _fail(failed)


touchpoints_app = typer.Typer(
    help="Touchpoints: see why a sentence gets (or does not get) each touchpoint.",
    no_args_is_help=True,
)
app.add_typer(touchpoints_app, name="touchpoints")


@touchpoints_app.command("explain")
def touchpoints_explain(
    sentence: Annotated[str, typer.Argument(help="The sentence to explain.")],
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="Touchpoint taxonomy YAML (default: the config's, else built-in)."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", "-l", help="ISO 639-1 code (default: detected)."),
    ] = None,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Which evidence fired for each touchpoint: keyword hits, similarity to the name,
    description, closest keyword, example and negative example, the relevance model's
    probability, the threshold and the verdict. Edit `examples:` / `negative_examples:`
    in the taxonomy and run it again to see their effect. Clauses are explained one by
    one, as the pipeline tags them."""
    import pandas as pd

    from voc.config import load_config
    from voc.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
    from voc.text.language import LanguageIdentifier
    from voc.text.sentences import split_clauses
    from voc.touchpoints import TouchpointTagger

    try:
        cfg = load_config(config)
        loaded = load_taxonomy(taxonomy or cfg.taxonomy or DEFAULT_TAXONOMY_PATH)
        code = language or LanguageIdentifier(tuple(cfg.ingest.languages)).identify(sentence)
        tagger = TouchpointTagger(loaded).fit()
        clauses = [c.text for c in split_clauses(sentence, code or "und")] or [sentence]
        rows = []
        for clause in clauses:
            for evidence in tagger.explain(clause, code):

                def near(key: str, evidence: Any = evidence) -> str:
                    found = evidence.closest.get(key)
                    return "-" if found is None else f"{found[1]:.2f} {found[0][:40]}"

                rows.append(
                    {
                        **({"clause": clause} if len(clauses) > 1 else {}),
                        "touchpoint": evidence.name,
                        "verdict": ("TAGGED" if evidence.tagged else "-")
                        + (f" ({evidence.reason})" if evidence.reason != "probability" else ""),
                        "probability": round(evidence.probability, 3),
                        "threshold": round(evidence.threshold, 3),
                        "keyword hits": ", ".join(evidence.keyword_hits) or "-",
                        "name": near("name").split(" ")[0],
                        "description": near("description").split(" ")[0],
                        "closest keyword": near("keyword"),
                        "closest example": near("example"),
                        "closest negative example": near("negative_example"),
                        "drivers": ", ".join(f"{n} {v:+.2f}" for n, v in evidence.drivers),
                    }
                )
    except VocError as e:
        _fail(e)
    if output is OutputFormat.table:
        typer.echo(
            f"language: {code}; tagged from probability {tagger.threshold_:.3f}, or "
            f"{tagger.keyword_threshold_:.3f} with a keyword hit; a near paraphrase of an "
            "example tags, a closest negative example does not"
        )
    print_frame(pd.DataFrame(rows), output, title="touchpoint evidence")


@app.command()
def version() -> None:
    """Print voc's version."""
    from voc import __version__

    typer.echo(__version__)


if __name__ == "__main__":
    app()

from voc.commands import loop as _loop  # noqa: E402

_loop.register(app)

from voc.commands import stats as _stats  # noqa: E402

_stats.register(app)

from voc.commands import ui as _ui  # noqa: E402

_ui.register(app)
