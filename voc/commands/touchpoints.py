"""``voc touchpoints explain``: why a sentence gets (or does not get) each touchpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    app.add_typer(touchpoints_app, name="touchpoints")


touchpoints_app = typer.Typer(
    help="Touchpoints: see why a sentence gets (or does not get) each touchpoint.",
    no_args_is_help=True,
)


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
