"""What the pipeline asks of each kind of model, as small :class:`typing.Protocol` s.

Any object with these methods plugs in where the pipeline takes that kind of model; the
shipped implementations each pass one shared conformance test
(tests/models/test_protocols.py):

=========================  ===========================================================
:class:`Embedder`          texts -> unit vectors (:mod:`voc.models.embedders`)
:class:`SentimentScorer`   texts -> negative / neutral / positive probabilities
                           (:class:`voc.models.sentiment.SentimentModel` v1/v2,
                           :class:`voc.models.sentiment_tuned.TunedSentimentModel` v3)
:class:`TopicFinder`       sentence embeddings -> topics, new sentences -> a topic
                           (:class:`voc.topics.model.TopicModel`)
:class:`TouchpointTagging` sentences -> the touchpoints they are about
                           (:class:`voc.touchpoints.TouchpointTagger`)
=========================  ===========================================================

Each follows scikit-learn's contract: the constructor stores settings, ``fit`` computes and
returns ``self``, learned state ends in ``_``, and ``save`` then the class's ``load`` gives
back a model that predicts the same. Load a shipped one with
:func:`voc.models.loaders.load_embedder` or :func:`voc.models.loaders.load_sentiment`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voc.models.embedders import Embedder

__all__ = ["Embedder", "SentimentScorer", "TopicFinder", "TouchpointTagging"]


@runtime_checkable
class SentimentScorer(Protocol):
    """Sentiment of texts: one row of class probabilities per text.

    Attributes:
        embedder: Name of the embedder whose vectors :meth:`predict_proba` reads.
        labels: Class names, in the order of the probability columns.
    """

    embedder: str

    @property
    def labels(self) -> tuple[str, ...]: ...

    def use_embedder(self, embedder: Embedder) -> None:
        """Read texts through this loaded embedder instead of loading another."""
        ...

    def predict_proba(
        self, texts: Sequence[str], languages: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """float ``(len(texts), len(labels))``, rows summing to 1.

        ``embeddings`` are what the model reads, computed by the caller once for every
        stage: the vectors of the model's embedder, or, for a model whose ``reads_pooled``
        is true (v3), USE's pooled features (its ``embed_with_pooled``); None computes them.
        """
        ...

    def predict(
        self, texts: Sequence[str], languages: Sequence[str], embeddings: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """``(label, p(positive) - p(negative))`` per text."""
        ...

    def predict_records(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        piece_embeddings: np.ndarray,
        pieces: Sequence[Sequence[int]],
        weights: Sequence[Sequence[float]],
    ) -> np.ndarray:
        """Probabilities of whole records from their pieces' embeddings."""
        ...

    def save(self, directory: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write the model to ``directory`` (``model.json`` and its weights)."""
        ...


@runtime_checkable
class TopicFinder(Protocol):
    """Topics of sentences: ``fit`` finds them, ``assign`` places new sentences."""

    def fit(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
        ids: Sequence[Hashable] | None = None,
        seed_centroids: np.ndarray | None = None,
    ) -> TopicFinder:
        """Find topics; returns self, with ``fit_result_`` holding the topics found."""
        ...

    def assign(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(topic ids, similarities)`` per sentence; ``-1`` for other."""
        ...

    def save(self, path: str | Path) -> Path:
        """Write the fitted state to a folder the class's ``load`` reads."""
        ...


@runtime_checkable
class TouchpointTagging(Protocol):
    """Touchpoints of sentences, from a taxonomy."""

    def fit(self, taxonomy: Any = None) -> TouchpointTagging:
        """Learn the taxonomy's evidence (the constructor's, or ``taxonomy``); returns self."""
        ...

    def tag(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None = None,
    ) -> list[list[str]]:
        """Per sentence, the names of its touchpoints in taxonomy order."""
        ...

    def save(self, folder: str | Path) -> Path:
        """Write the fitted tagger to a folder the class's ``load`` reads."""
        ...
