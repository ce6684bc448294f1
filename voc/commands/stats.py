"""``voc drivers`` and ``voc fixes``: why a survey score moved, and whether a fix worked.

Both read the store (read-only: they answer from the snapshot while a run writes) and
print what :mod:`voc.insights.drivers` and :mod:`voc.insights.fixes` compute;
docs/loop-stats.md says how to read the figures.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from voc.commands._common import (
    ChannelOption,
    ConfigOption,
    FormatOption,
    OutputFormat,
    TouchpointOption,
    WeekOption,
    _fail,
    _read_store,
    print_frame,
)
from voc.errors import VocError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``voc drivers`` and ``voc fixes`` to ``app``."""

    @app.command("drivers")
    def drivers(
        metric: Annotated[str, typer.Option(help="nps, csat or ces.")] = "nps",
        week: WeekOption = None,
        previous_week: Annotated[
            str | None, typer.Option(help="The week compared with (default: the week before).")
        ] = None,
        channel: ChannelOption = None,
        touchpoint: TouchpointOption = None,
        n_boot: Annotated[
            int, typer.Option(help="Bootstrap resamples for the 95% intervals (0: none).")
        ] = 1000,
        seed: Annotated[int, typer.Option(help="The bootstrap's seed.")] = 0,
        language: Annotated[
            str | None,
            typer.Option(
                "--language",
                "-l",
                help="The sentence and topic labels in en or ja (default: digest.language).",
            ),
        ] = None,
        output: FormatOption = OutputFormat.table,
        config: ConfigOption = None,
    ) -> None:
        """Why did NPS, CSAT or CES move: the week-over-week change split into each
        topic's contribution (its share of respondents changing: mix; its own score
        changing: rate), with 95% bootstrap intervals. The rows add up to the change;
        "(no topic)" holds respondents without a comment in a topic."""
        from voc import query
        from voc.config import load_config
        from voc.insights.drivers import explain_change

        try:
            settings = load_config(config)
            language = language or settings.digest.language
            if language not in ("en", "ja"):
                raise VocError(f"--language {language!r}: write en or ja")
            with _read_store(config) as store:
                notes: list[str] = []
                if week is None:
                    chosen = query.default_week(store, settings.schedules.timezone)
                    if chosen is not None:
                        week, notes = chosen.week, list(chosen.notes)
                result = explain_change(
                    store, metric.lower(), week, previous_week=previous_week, channel=channel,
                    touchpoint=touchpoint, n_boot=n_boot, seed=seed, language=language,
                )  # fmt: skip
        except VocError as e:
            _fail(e)
        for note in notes:
            typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)
        frame = result.contributions
        if output is OutputFormat.json:
            body = {
                "metric": result.metric,
                "week": result.week,
                "previous_week": result.previous_week,
                "current": result.current,
                "previous": result.previous,
                "change": result.change,
                "change_ci": list(result.change_ci),
                "respondents": {"now": result.respondents[0], "before": result.respondents[1]},
                "sentence": result.sentence(language),
                "contributions": json.loads(frame.to_json(orient="records", force_ascii=False)),
            }
            sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
            return
        if output is OutputFormat.table:
            typer.echo(result.sentence(language))
            typer.echo(
                f"respondents: {result.respondents[0]} in {result.week}, "
                f"{result.respondents[1]} in {result.previous_week}"
            )
            frame = frame.drop(columns=["kind", "respondents_before", "respondents_after"])
        print_frame(frame, output, title=f"{result.metric} {result.previous_week} → {result.week}")

    @app.command("fixes")
    def fixes(
        before_weeks: Annotated[
            int | None,
            typer.Option(help="Weeks before the fix's week (default: fixes.before_weeks)."),
        ] = None,
        after_weeks: Annotated[
            int | None,
            typer.Option(help="Full weeks needed after it (default: fixes.after_weeks)."),
        ] = None,
        min_records: Annotated[
            int | None,
            typer.Option(help="Mentions needed before the fix (default: fixes.min_records)."),
        ] = None,
        output: FormatOption = OutputFormat.table,
        config: ConfigOption = None,
    ) -> None:
        """Did the fix work? For every topic whose latest action is fix-shipped
        (`voc action TOPIC --status fix-shipped --date D`): its share of feedback and its
        negative share in the weeks before and after the fix's week, with 95% intervals,
        and a verdict: fixed, no change, worse, or too early to tell (and why)."""
        from voc.config import load_config
        from voc.insights.fixes import evaluate_fixes

        try:
            settings = load_config(config)
            with _read_store(config) as store:
                frame = evaluate_fixes(
                    store,
                    before_weeks=before_weeks or settings.fixes.before_weeks,
                    after_weeks=after_weeks or settings.fixes.after_weeks,
                    min_records=min_records or settings.fixes.min_records,
                    timezone=settings.schedules.timezone,
                    language=settings.digest.language,
                )
        except VocError as e:
            _fail(e)
        if frame.empty and output is OutputFormat.table:
            typer.echo(
                "no fix recorded: mark one with `voc action TOPIC --status fix-shipped "
                "--date YYYY-MM-DD`"
            )
            return
        if output is OutputFormat.table:
            for row in frame.itertuples(index=False):
                typer.echo(f"{row.label} (topic {row.topic_id}, fix {row.fix_date}): {row.verdict}")
                typer.echo(f"  {row.reason}")
            frame = frame[
                ["topic_id", "label", "fix_week", "weeks_after", "mentions_before",
                 "mentions_after", "share_before", "share_after", "rate_ratio",
                 "rate_ratio_low", "rate_ratio_high", "negative_share_before",
                 "negative_share_after", "verdict"]
            ]  # fmt: skip
        print_frame(frame, output, title="fixes: did they work?")
