"""``voc topics``: list the topics, show one, rename one, merge two."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from voc.commands._common import (
    ConfigOption,
    FormatOption,
    LabelLanguageOption,
    OutputFormat,
    _fail,
    _label_language,
    _read_store,
    _topic_arg,
    print_frame,
)
from voc.errors import VocError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.add_typer(topics_app, name="topics")


topics_app = typer.Typer(
    help="Topics: list them, or show one (label, keywords, size over time, quotes).",
    invoke_without_command=True,
)


@topics_app.callback()
def topics_list(
    ctx: typer.Context,
    language: LabelLanguageOption = None,
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """List the active topics, largest first (`voc topics show ID` for one), each labelled
    in the language asked (default: digest.language) where it has a label in it. A label
    you gave that no listed topic shows (a refit retired its topic and could not carry the
    label on) is named on stderr, with why."""
    if ctx.invoked_subcommand is not None:
        return
    from voc import query
    from voc.config import load_config
    from voc.topics.renames import RENAME_HINT, renames_not_shown

    try:
        settings = load_config(config)
        with _read_store(config) as store:
            df = query.topics(store, _label_language(language, settings.digest.language))
            not_shown = renames_not_shown(store)
    except VocError as e:
        _fail(e)
    print_frame(df, output, title="topics")
    for line in not_shown:
        typer.echo(line, err=True)
    if not_shown:
        typer.echo(RENAME_HINT, err=True)


@topics_app.command("show")
def topics_show(
    topic: Annotated[str, typer.Argument(help="A topic id, or words of its label.")],
    output: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """One topic: label, keywords, weekly size, quotes, channel x touchpoint breakdown;
    where a refit carried a label you gave to it, or from it, where the label came from."""
    import pandas as pd

    from voc import query
    from voc.topics.renames import label_history

    try:
        with _read_store(config) as store:
            detail = query.topic_detail(store, _topic_arg(topic) or topic)
            from voc.commands.loop import latest_action

            detail["action"] = latest_action(store, detail["topic_id"])  # issue 14
            history = label_history(store, detail["topic_id"])
            if history:  # only then: the output of other topics stays as it was
                detail["label_history"] = history
    except VocError as e:
        _fail(e)
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(detail, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    typer.echo(f"topic {detail['topic_id']}: {detail['label']} ({detail['status']})")
    typer.echo(f"keywords: {', '.join(detail['keywords'])}")
    typer.echo(f"size: {detail['size']}; first seen {detail['first_seen']}")
    for event in detail.get("label_history", []):
        typer.echo(f"label history ({event['at'][:10]}): {event['detail']}")
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
    it. It names the topic's pain point too, over the label of its complaints. When a
    refit retires the topic, the label goes to the topic that took at least half of its
    sentences, if that one has no label you gave; otherwise it stays on the retired topic
    and the refit's summary and `voc topics` say so. An empty label gives the topic back
    its own (the one its fit found, in the digest's language). A retired topic is not
    renamed: nothing shows it."""
    from voc.config import load_config
    from voc.store import topics as topic_rows
    from voc.store.warehouse import Warehouse
    from voc.topics.store import rename_topic

    try:
        settings = load_config(config)
        with Warehouse(settings.store.path) as store:
            row = topic_rows.topic_row(store, topic_id)
            if label.strip() and not row.empty and row.iloc[0]["status"] != "active":
                raise VocError(
                    f"topic {topic_id} is {row.iloc[0]['status']}: no page, digest or pain "
                    "point shows its label; rename the topic that has its sentences now "
                    f"(`voc topics show {topic_id}` says where its label went, `voc topics` "
                    "lists the active ones)"
                )
            before = rename_topic(store, topic_id, label, language=settings.digest.language)
            after = topic_rows.topic_label(store, topic_id)
    except VocError as e:
        _fail(e)
    typer.echo(f"topic {topic_id}: {before!r} -> {after!r}")


@topics_app.command("merge")
def topics_merge(
    topic_id: Annotated[int, typer.Argument(help="The topic merged away (its id).")],
    into_id: Annotated[int, typer.Argument(help="The topic that takes its sentences.")],
    config: ConfigOption = None,
) -> None:
    """Merge topic TOPIC_ID into INTO_ID: its sentences belong to INTO_ID from now on,
    also after every refit (kept in the store like a rename); the pain points are
    recomputed. Waits for a run that is writing, up to store.lock_timeout_seconds."""
    from voc.config import load_config
    from voc.store.warehouse import Warehouse, writer_lock
    from voc.topics.edits import merge_topics

    try:
        settings = load_config(config)
        path = settings.store.path
        timeout = settings.store.lock_timeout_seconds
        with (
            writer_lock(path, timeout, flow="topics-merge"),
            Warehouse(path, lock_timeout=timeout) as store,
        ):
            result = merge_topics(store, topic_id, into_id, "cli")
    except VocError as e:
        _fail(e)
    typer.echo(
        f"topic {result['topic_id']} ({result['label']!r}) merged into "
        f"{result['into_id']} ({result['into_label']!r}): {result['sentences']} sentences "
        f"moved; pain points recomputed ({result['pain_points']['rows']} rows)"
    )
