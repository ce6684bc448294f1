"""Commands that read the analysed store for a person: ``voc trends``, ``voc pain-points``,
``voc love``, ``voc search`` and ``voc digest`` (the week's digest, a Prefect flow)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from voc.commands._common import (
    ChannelOption,
    ConfigOption,
    FormatOption,
    LabelLanguageOption,
    OutputFormat,
    TouchpointOption,
    WeekOption,
    _fail,
    _flow_api,
    _label_language,
    _read_store,
    _topic_arg,
    _week_notes,
    print_frame,
)
from voc.errors import VocError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command()(trends)
    app.command("pain-points")(pain_points)
    app.command("love")(love)
    app.command()(search)
    app.command()(digest)


def trends(
    topic: Annotated[
        str | None, typer.Option(help="A topic id, or words of its label or keywords.")
    ] = None,
    channel: ChannelOption = None,
    touchpoint: TouchpointOption = None,
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


def pain_points(
    week: WeekOption = None,
    channel: ChannelOption = None,
    touchpoint: TouchpointOption = None,
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
    sentences negative, and at least --min-complaints of them. Its label is a phrase of
    the topic's complaints (`voc topics` shows the topic's own label) unless you named
    the topic (`voc topics rename`). Topics mostly praised are listed by `voc love`
    instead.
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


def love(
    week: WeekOption = None,
    channel: ChannelOption = None,
    touchpoint: TouchpointOption = None,
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


def digest(
    week: WeekOption = None,
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
