"""``voc action``, ``voc actions``, ``voc event ...`` and ``voc alerts``: closing the loop.

What a team did about a pain point (append-only actions), what happened outside the
feedback (events the trend charts mark), and the alerts sent to touchpoint owners.
docs/loop.md shows how a CX lead uses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from voc.commands._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    _fail,
    _read_store,
    print_frame,
)
from voc.errors import StoreError, VocError

__all__ = [
    "action_line",
    "annotate_pain_points",
    "latest_action",
    "print_alert_summary",
    "register",
]

_STATUS_HELP = (
    "acknowledged, investigating, fix-shipped or won't-fix (wont-fix is accepted: easier "
    "to type in a shell)."
)


def _writable_store(config: Path | None) -> Any:
    """The store, open for writing; an existing one only (a typo in the path must not
    create an empty store)."""
    from voc.config import load_config
    from voc.store.warehouse import Warehouse

    settings = load_config(config)
    path = Path(settings.store.path)
    if not path.exists():
        raise StoreError(
            f"no store at {path}; run `voc run` (or `make demo`) first, or point store.path "
            "in the config at an existing file"
        )
    return Warehouse(path, lock_timeout=settings.store.lock_timeout_seconds)


def _taxonomy(config: Path | None) -> Any:
    from voc.config import load_config
    from voc.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy

    return load_taxonomy(load_config(config).taxonomy or DEFAULT_TAXONOMY_PATH)


def _iso_dates(frame: Any, column: str) -> Any:
    """A date column as ``YYYY-MM-DD`` text: JSON output would give midnight timestamps."""
    out = frame.copy()
    out[column] = [str(v) if v is not None else None for v in out[column]]
    return out


def latest_action(store: Any, topic_id: int) -> dict[str, Any] | None:
    """The topic's latest action (``status``, ``action_date``, ``note``, ``actor``), or None."""
    from voc.loop import topic_status

    found = topic_status(store).get(int(topic_id))
    return None if found is None else {**found, "action_date": str(found["action_date"])}


def action_line(action: dict[str, Any], topic_id: int) -> str:
    """``status: fix-shipped on 2026-11-20 by alice (PAY-812)``."""
    note = f" ({action['note']})" if action.get("note") else ""
    return (
        f"status: {action['status']} on {action['action_date']} by {action['actor']}{note}"
        f" (`voc actions {topic_id}`: the history)"
    )


def annotate_pain_points(store: Any, frame: Any, config: Path | None) -> Any:
    """``voc pain-points``'s frame with each pain point's ``owner`` and latest ``action``."""
    from voc.loop import with_owner_and_status

    return with_owner_and_status(store, frame, _taxonomy(config).owners, frame.attrs.get("week"))


def print_alert_summary(summary: dict[str, Any]) -> None:
    """The alerts a run sent, failed to send, or had nobody to send to: one line each."""
    if summary.get("error"):
        typer.secho(f"alerts: not checked ({summary['error']})", fg=typer.colors.YELLOW)
        return
    weeks = ", ".join(summary.get("weeks", [])) or "no week with data"
    typer.echo(
        f"alerts ({weeks}): {summary.get('alerts', 0)} pain point(s) flared up; "
        f"{summary.get('sent', 0)} sent, {summary.get('failed', 0)} failed (retried next "
        f"run), {summary.get('already_sent', 0)} told before this week"
    )
    for item in summary.get("no_owner", []):
        typer.secho(
            f"  not sent: {item['week']} topic {item['topic_id']} ({item['label']}): {item['why']}",
            fg=typer.colors.YELLOW,
        )
    for line in summary.get("failures", []):
        typer.secho(f"  failed: {line}", fg=typer.colors.YELLOW)


def _send_now(config: Path | None, week: str | None) -> None:
    """Check for alerts and send what is due (``voc alerts --send``), as the daily run's
    ``send-alerts`` task does; prints its summary."""
    from voc.config import load_config
    from voc.loop import send_alerts
    from voc.weeks import iso_week, iso_week_monday

    try:
        settings = load_config(config)
        weeks = None
        if week is not None:
            try:
                weeks = [iso_week(iso_week_monday(week))]
            except ValueError as e:
                raise VocError(f"week {week!r}: write an ISO week such as 2026-W45") from e
        taxonomy = _taxonomy(config)
        with _writable_store(config) as store:
            summary = send_alerts(store, settings, taxonomy, weeks=weeks)
    except VocError as e:
        _fail(e)
    print_alert_summary(summary)


def register(app: typer.Typer) -> None:
    """Add the loop's commands to ``app``."""

    @app.command("action")
    def action(
        topic: Annotated[
            str, typer.Argument(help="A topic id, or words of its label (as `voc topics show`).")
        ],
        status: Annotated[str, typer.Option("--status", "-s", help=_STATUS_HELP)],
        note: Annotated[
            str | None,
            typer.Option(help="What was done (a ticket, what shipped); no customer data."),
        ] = None,
        when: Annotated[
            str | None,
            typer.Option(
                "--date",
                help="When it happened, YYYY-MM-DD (default: today, UTC). For fix-shipped: "
                "the day the fix reached customers.",
            ),
        ] = None,
        config: ConfigOption = None,
    ) -> None:
        """Record what your team did about a pain point. Who: $VOC_USER, else your user.

        Actions are never edited or deleted: a correction is a new action, and the latest
        one recorded is the topic's status in the digest, `voc pain-points` and `voc ui`.
        """
        from voc import query
        from voc.store.loop import current_actor, normalise_status, record_action

        try:
            normalised = normalise_status(status)
            with _writable_store(config) as store:
                topic_id, label = query.resolve_topic(store, topic)
                actor = current_actor()
                record_action(store, topic_id, normalised, note=note, actor=actor, action_date=when)
        except VocError as e:
            _fail(e)
        typer.echo(
            f"topic {topic_id} ({label}): {normalised}"
            f"{f' on {when}' if when else ''}, recorded by {actor}"
        )

    @app.command("actions")
    def actions(
        topic: Annotated[
            str | None, typer.Argument(help="Only this topic (an id or words of its label).")
        ] = None,
        output: FormatOption = OutputFormat.table,
        config: ConfigOption = None,
    ) -> None:
        """Every action recorded (of one topic, or all), oldest first: the pain point's
        history of who did what, when."""
        from voc import query
        from voc.store.loop import action_history

        try:
            with _read_store(config) as store:
                topic_id = None if topic is None else query.resolve_topic(store, topic)[0]
                df = action_history(store, topic_id)
        except VocError as e:
            _fail(e)
        title = "actions" if topic is None else f"actions on topic {topic_id}"
        print_frame(_iso_dates(df, "action_date"), output, title=title)

    event_app = typer.Typer(
        help="Events: releases, incidents and campaigns, marked on trend charts.",
        no_args_is_help=True,
    )
    app.add_typer(event_app, name="event")

    @event_app.command("add")
    def event_add(
        day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD.")],
        title: Annotated[str, typer.Argument(help='e.g. "app 5.2 released".')],
        kind: Annotated[str, typer.Option(help="release, incident, campaign or other.")] = "other",
        note: Annotated[str | None, typer.Option(help="Anything worth knowing.")] = None,
        config: ConfigOption = None,
    ) -> None:
        """Record one event (a release, an incident, a campaign): trend charts mark it, so
        a spike sits next to its cause."""
        from voc.store.loop import add_event

        try:
            with _writable_store(config) as store:
                add_event(store, day, title, kind=kind, note=note)
        except VocError as e:
            _fail(e)
        typer.echo(f"event recorded: {day} {kind}: {' '.join(title.split())}")

    @event_app.command("import")
    def event_import(
        file: Annotated[
            Path, typer.Argument(help="A CSV with columns date,title and optionally kind,note.")
        ],
        config: ConfigOption = None,
    ) -> None:
        """Record the events of a CSV file (columns date,title[,kind,note]; UTF-8).

        Events already recorded (same date and title) are skipped, so importing a file
        again adds only its new rows. A bad row is not recorded: it is listed with its
        line number and the command exits with code 2 once the good rows are in.
        """
        from voc.loop import read_events_csv
        from voc.store.loop import add_event, event_exists

        try:
            rows, problems = read_events_csv(file)
            added = skipped = 0
            with _writable_store(config) as store:
                for row in rows:
                    if event_exists(store, row["date"], row["title"]):
                        skipped += 1
                        continue
                    add_event(store, row["date"], row["title"], kind=row["kind"], note=row["note"])
                    added += 1
        except VocError as e:
            _fail(e)
        typer.echo(
            f"{file}: {added} event(s) recorded, {skipped} already there, "
            f"{len(problems)} bad row(s)"
        )
        for problem in problems:
            typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
        if problems:
            raise typer.Exit(code=2)

    @event_app.command("list")
    def event_list(
        since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
        until: Annotated[str | None, typer.Option(help="Up to this date, included.")] = None,
        output: FormatOption = OutputFormat.table,
        config: ConfigOption = None,
    ) -> None:
        """The events recorded, by date."""
        from voc.store.loop import list_events

        try:
            with _read_store(config) as store:
                df = list_events(store, since, until)
        except VocError as e:
            _fail(e)
        print_frame(_iso_dates(df, "event_date"), output, title="events")

    @app.command("alerts")
    def alerts(
        week: Annotated[
            str | None, typer.Option(help="Only alerts about this ISO week, e.g. 2026-W45.")
        ] = None,
        send: Annotated[
            bool,
            typer.Option(
                "--send",
                help="First check now and send what is due, as the daily run does (for "
                "--week, else the latest alerts.weeks weeks): to try an owner's webhook.",
            ),
        ] = False,
        output: FormatOption = OutputFormat.table,
        config: ConfigOption = None,
    ) -> None:
        """The alerts sent to touchpoint owners after the daily runs, newest first: what
        was sent to whom and why, what failed (retried at the next run), and the pain
        points nobody could be told about (no-owner: give their touchpoint an owner in the
        taxonomy)."""
        from voc.store.loop import alerts_sent
        from voc.store.topics import topic_labels

        if send:
            _send_now(config, week)
        try:
            with _read_store(config) as store:
                df = alerts_sent(store, week)
                labels = topic_labels(store) if not df.empty else {}
        except VocError as e:
            _fail(e)
        df.insert(2, "label", [labels.get(int(t), "") for t in df["topic_id"]])
        if output is OutputFormat.table:
            df = df.drop(columns=["figures"])
        print_frame(df, output, title=f"alerts{f' about {week}' if week else ''}")
        if df.empty and output is OutputFormat.table:
            typer.echo(
                "no alert recorded yet: the daily run (`voc run`, voc-daily) checks after "
                "its insights step when alerts.enabled"
            )
