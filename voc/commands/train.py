"""``voc train sentiment``: train a sentiment model on a user's labelled file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from voc.commands._common import (
    FormatOption,
    OutputFormat,
    _fail,
    _flow_api,
)
from voc.errors import VocError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.add_typer(train_app, name="train")


train_app = typer.Typer(help="Train models on your own labelled feedback.", no_args_is_help=True)


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
