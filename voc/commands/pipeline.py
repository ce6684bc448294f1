"""Commands that run the pipeline: ``voc ingest``, ``voc run``, ``voc analyze`` (Prefect
flows on the store) and ``voc enrich`` (one file in, the same file enriched out, no store).

Each prints the summary its flow returns; a flow that failed returns nothing, so then the
summary it recorded in ``runs`` before raising is printed (see :func:`_failed_run_summaries`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from voc.commands._common import (
    ConfigOption,
    ForceOption,
    FormatOption,
    OnlyOption,
    OutputFormat,
    _console,
    _fail,
    _flow_api,
    _progress_bar,
    print_frame,
    run_recorded_flow,
)
from voc.errors import VocError

__all__ = ["print_run_summary", "register"]


def register(app: typer.Typer) -> None:
    """Add ``ingest``, ``run``, ``analyze`` and ``enrich`` to ``app``."""
    app.command()(ingest)
    app.command()(run)
    app.command()(analyze)
    app.command()(enrich)


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
    from pipelines.ingest import ingest_flow
    from voc.run_ids import new_run_id

    run_id = new_run_id("ingest")
    summary, recorded, failed = run_recorded_flow(
        config,
        "ingest",
        [run_id],
        lambda: ingest_flow(
            config_path=str(config) if config else None,
            source_names=only,
            adhoc_source=adhoc,
            force=force,
            run_id=run_id,
        ),
    )
    if failed is not None:
        summary = recorded.get(run_id)
    if summary is not None:
        print_run_summary(summary, output)
    if failed is not None:
        _fail(failed)


def enrich(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT", help="CSV (comma or semicolon), TSV, JSONL, JSON, Parquet or Excel."
        ),
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
        str | None,
        typer.Option(
            "--time-col",
            help="Column with when each row was written (checked to exist; kept as it is).",
        ),
    ] = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="Touchpoint taxonomy YAML (default: the config's, else built-in)."),
    ] = None,
    sentiment_model: Annotated[
        str | None,
        typer.Option(help="Sentiment model name or folder (default: the config's, else v3)."),
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
    sentences: Annotated[
        Path | None,
        typer.Option(
            "--sentences",
            help=(
                "Also write one row per sentence here (row, the --id-col, sentence, "
                "language, sentiment, sentiment_score, touchpoints, topic_id, topic_label); "
                "same formats as --out."
            ),
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help=(
                "How the run's summary is printed: one line (table, csv) or json. The "
                "output file's format follows --out's extension."
            ),
        ),
    ] = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Analyse one file, no store needed: every row comes out, in order, with every input
    column plus language, sentiment, sentiment_score, sentiment_mixed, touchpoints
    (joined by |), topic_id, topic_label and voc_error (why a row has no analysis, e.g.
    empty_text, or malformed_row for a row that cannot be read: stderr lists its line).
    Topics come from the store's topic model when the file fits it, else from topics
    fitted on the file (--topics; stderr says which, and why). --sentences writes the
    sentence-level analysis beside it.

        voc enrich reviews.csv --text-col "Review Text" --out reviews_enriched.parquet
    """
    from voc.analysis import MAX_RECORD_CHARS
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
                sentences_out=sentences,
                vector_map=cfg.topics.map_name,
            )
    except VocError as e:
        _fail(e)
    result = summary.to_dict()
    source = {
        "store": "the store's topic model",
        "file": "fitted on the file",
        "none (too few sentences)": "none",
    }.get(summary.topics_from, summary.topics_from)
    reason = f": {summary.topics_reason}" if summary.topics_reason else ""
    typer.echo(f"topics: {source}{reason}", err=True)
    if summary.truncated:
        typer.echo(
            f"{summary.truncated} row(s) analysed up to their first {MAX_RECORD_CHARS:,} "
            f"characters; {summary.chars_not_analysed:,} characters not analysed",
            err=True,
        )
    for bad in summary.bad_rows[:10]:
        typer.echo(f"unreadable line {bad['line']}: {bad['reason']} ({bad['detail']})", err=True)
    if summary.unreadable > 10:
        typer.echo(
            f"... {summary.unreadable - 10} more unreadable rows (-f json lists them)", err=True
        )
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    seconds = result["seconds"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(result["errors"].items())) or "none"
    typer.echo(
        f"wrote {result['output']}: {result['rows']} rows, {result['analysed']} analysed, "
        f"without analysis: {errors}; {result['sentences']} sentences; "
        f"topics from {result['topics_from']}; "
        f"{result['items_per_second']} rows/s (models loaded in {seconds['model_loading']} s)"
        + (f"; sentences: {sentences}" if sentences is not None else "")
    )


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


def run(
    only: OnlyOption = None,
    force: ForceOption = False,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Ingest every configured source, then analyse what is new (the Prefect `run` flow).

    A source that fails does not stop the others or the analysis; voc still exits non-zero.
    """
    from pipelines.analyze import run_flow
    from voc.run_ids import new_run_id

    ingest_id, analyze_id = new_run_id("ingest"), new_run_id("analyze")
    returned, found, failed = run_recorded_flow(
        config,
        "run",
        [ingest_id, analyze_id],
        lambda: run_flow(
            config_path=str(config) if config else None,
            source_names=only,
            force=force,
            ingest_run_id=ingest_id,
            analyze_run_id=analyze_id,
        ),
    )
    if failed is not None:
        returned = {"ingest": found.get(ingest_id), "analyze": found.get(analyze_id)}
    summaries: dict[str, Any] = {
        name: summary for name, summary in returned.items() if summary is not None
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


def print_run_summary(summary: dict[str, Any], output: OutputFormat = OutputFormat.table) -> None:
    """Print an ingest run's summary: per source and in total."""
    import pandas as pd

    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n")
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
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
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
        # Labels a person gave topics the refit retired: carried on, or why not.
        renames = topics.get("renames", [])
        for rename in renames:
            typer.echo(f"topics: {rename['message']}", err=True)
        if any(rename["carried_to"] is None for rename in renames):
            from voc.topics.renames import RENAME_HINT

            typer.echo(f"topics: {RENAME_HINT}", err=True)
    if result.get("alerts") is not None:
        from voc.commands.loop import print_alert_summary

        print_alert_summary(result["alerts"])
