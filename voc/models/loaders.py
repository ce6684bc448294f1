"""One loader per kind of model: :func:`load_embedder` and :func:`load_sentiment`.

spaCy pipelines load through :func:`voc.text.nlp.load_nlp` (one cached loader for both
languages); the touchpoint tagger and the topic model are built from the taxonomy and the
store (:class:`voc.touchpoints.TouchpointTagger`, :func:`voc.topics.store.load_model`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voc.models.embedders import load_embedder

if TYPE_CHECKING:
    from voc.models.protocols import SentimentScorer

__all__ = ["load_embedder", "load_sentiment"]


def load_sentiment(name_or_path: str | Path | None = None) -> SentimentScorer:
    """The sentiment model called ``name_or_path``: a version shipped in ``models/sentiment/``
    (``v1``, ``v2``, ``v3``), a model ``voc train sentiment`` wrote, or a folder holding
    ``model.json``; the default model (:data:`voc.analysis.DEFAULT_SENTIMENT_MODEL`) when
    None. The manifest's ``kind`` says which class reads it.

    Raises:
        ConfigError: Nothing by that name; the message lists the places looked in.
        VocError: The folder holds a model format this voc cannot read.
    """
    # The names resolve where the analyser resolves them (voc.analysis), so a model name
    # means the same folder to every caller.
    from voc.analysis import DEFAULT_SENTIMENT_MODEL, resolve_sentiment_model
    from voc.models.sentiment import SentimentModel

    return SentimentModel.load(resolve_sentiment_model(name_or_path or DEFAULT_SENTIMENT_MODEL))
