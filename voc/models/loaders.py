"""One loader per kind of model: :func:`load_embedder` and :func:`load_sentiment`.

Sentiment model names resolve here (:func:`resolve_sentiment_model`), so a model name
means the same folder to every caller (the analyser, the topics flow, training).
spaCy pipelines load through :func:`voc.text.nlp.load_nlp` (one cached loader for both
languages); the touchpoint tagger and the topic model are built from the taxonomy and the
store (:class:`voc.touchpoints.TouchpointTagger`, :func:`voc.topics.store.load_model`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from voc.errors import ConfigError
from voc.models.embedders import load_embedder

if TYPE_CHECKING:
    from voc.models.protocols import SentimentScorer

__all__ = [
    "DEFAULT_SENTIMENT_MODEL",
    "MODELS_ENV_VAR",
    "load_embedder",
    "load_sentiment",
    "resolve_sentiment_model",
]

#: The sentiment model used when the config names none (a folder under models/sentiment/).
DEFAULT_SENTIMENT_MODEL = "v3"
#: Environment variable naming an extra models folder (holding ``sentiment/<name>/``).
MODELS_ENV_VAR = "VOC_MODELS_DIR"


def _model_folders() -> list[Path]:
    folders = []
    if os.environ.get(MODELS_ENV_VAR):
        folders.append(Path(os.environ[MODELS_ENV_VAR]))
    folders.append(Path("models"))
    # The repository's models/ (an editable install or a source checkout).
    folders.append(Path(__file__).resolve().parents[2] / "models")
    return folders


def resolve_sentiment_model(name_or_path: str | Path) -> Path:
    """The folder of a sentiment model, given its name (``v1``) or a path.

    A name is looked up as ``sentiment/<name>`` in ``$VOC_MODELS_DIR``, then in
    ``./models``, then in the models folder beside the voc package; ``voc train
    sentiment --name NAME`` writes to ``./models/sentiment/NAME``.

    Raises:
        ConfigError: Nothing by that name; the message lists the places looked in.
    """
    candidate = Path(name_or_path)
    if (candidate / "model.json").is_file():
        return candidate
    looked = [candidate]
    if len(candidate.parts) == 1:
        for folder in _model_folders():
            path = folder / "sentiment" / str(name_or_path)
            if (path / "model.json").is_file():
                return path
            looked.append(path)
    places = ", ".join(str(p) for p in dict.fromkeys(looked))
    raise ConfigError(
        f"analysis.sentiment_model: no sentiment model {str(name_or_path)!r} (looked in {places}); "
        f"write a model name such as {DEFAULT_SENTIMENT_MODEL!r}, a folder holding model.json, "
        "or train one with `voc train sentiment`"
    )


def load_sentiment(name_or_path: str | Path | None = None) -> SentimentScorer:
    """The sentiment model called ``name_or_path``: a version shipped in ``models/sentiment/``
    (``v1`` .. ``v4``), a model ``voc train sentiment`` wrote, or a folder holding
    ``model.json``; the default model (:data:`DEFAULT_SENTIMENT_MODEL`) when None. The
    manifest's ``kind`` says which class reads it.

    Raises:
        ConfigError: Nothing by that name; the message lists the places looked in.
        VocError: The folder holds a model format this voc cannot read.
    """
    # Imported here: the sentiment module is heavy and nothing loads on importing voc.models.
    from voc.models.sentiment import SentimentModel

    return SentimentModel.load(resolve_sentiment_model(name_or_path or DEFAULT_SENTIMENT_MODEL))
