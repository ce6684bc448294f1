"""Explanations of the touchpoint tagger's verdicts: which evidence fired, with scores
(``voc touchpoints explain "sentence"``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voc.touchpoints.evidence import (
    _DESCRIPTION,
    _EXAMPLE,
    _KEYWORD,
    _NAME,
    _NEGATIVE,
    EXAMPLE_MATCH,
    TouchpointScores,
)
from voc.touchpoints.keywords import _matching_keywords
from voc.touchpoints.relevance import FEATURES

if TYPE_CHECKING:
    from voc.touchpoints.tagger import TouchpointTagger


@dataclass(frozen=True)
class TouchpointEvidence:
    """What :meth:`TouchpointTagger.explain` found for one touchpoint.

    Attributes:
        name: The touchpoint.
        keyword_hits: Its keywords that matched the sentence.
        closest: Per kind of evidence (``name``, ``description``, ``keyword``,
            ``example``, ``negative_example``), the closest text and its cosine to the
            sentence; None when the touchpoint has none of that kind. Empty without
            embeddings.
        probability: The relevance model's probability (keyword-only: 1 or 0).
        threshold: The probability from which the sentence is tagged (lower when a
            keyword matched).
        tagged: The verdict.
        drivers: The features that moved the probability most, with their share of the
            logit (positive: towards the touchpoint).
        reason: Why the verdict: ``probability``, ``example match`` (an example is a near
            paraphrase) or ``negative example closest`` (the verdict overridden).
    """

    name: str
    keyword_hits: list[str]
    closest: dict[str, tuple[str, float] | None]
    probability: float
    threshold: float
    tagged: bool
    drivers: list[tuple[str, float]]
    reason: str = ""


def explain(tagger: TouchpointTagger, text: str, language: str | None) -> list[TouchpointEvidence]:
    """Why ``text`` gets (or does not get) each touchpoint: the evidence that fired.

    Args:
        tagger: A touchpoint tagger (fitted on first use).
        text: One sentence (the pipeline tags clauses; see
            :func:`voc.text.sentences.split_clauses`).
        language: Its ISO 639-1 code (None: every language's keywords).

    Returns:
        One :class:`TouchpointEvidence` per touchpoint, most probable first.
    """
    tagger._fitted()
    scores = tagger.score([text], [language])
    verdicts = tagger.decide(scores)[0]
    if tagger.use_embeddings:
        embedding = tagger._embedder().embed([text])[0]
        cosines = tagger.prototypes_ @ embedding
        contributions = tagger.relevance_.contributions(scores.features[0])
    out = []
    for column, touchpoint in enumerate(tagger.taxonomy.touchpoints):
        matched = _matching_keywords(text, language, touchpoint)
        closest: dict[str, tuple[str, float] | None] = {}
        drivers: list[tuple[str, float]] = []
        if tagger.use_embeddings:
            for kind, key in (
                (_NAME, "name"),
                (_DESCRIPTION, "description"),
                (_KEYWORD, "keyword"),
                (_EXAMPLE, "example"),
                (_NEGATIVE, "negative_example"),
            ):
                rows = tagger.prototype_groups_.get((column, kind))
                if rows is None:
                    closest[key] = None
                    continue
                best = rows[int(np.argmax(cosines[rows]))]
                closest[key] = (tagger.prototype_text_[best], float(cosines[best]))
            order = np.argsort(-np.abs(contributions[column]))[:4]
            drivers = [(FEATURES[i], float(contributions[column][i])) for i in order]
        probability = float(scores.probability[0, column])
        if not tagger.use_embeddings:
            threshold = 0.5
        elif scores.keyword_hits[0, column]:
            threshold = tagger.keyword_threshold_
        else:
            threshold = tagger.threshold_
        out.append(
            TouchpointEvidence(
                name=touchpoint.name,
                keyword_hits=matched,
                closest=closest,
                probability=probability,
                threshold=threshold,
                tagged=bool(verdicts[column]),
                reason=_reason(scores, column, probability >= threshold, verdicts[column]),
                drivers=drivers,
            )
        )
    return sorted(out, key=lambda e: -e.probability)


def _reason(scores: TouchpointScores, column: int, above: bool, tagged: bool) -> str:
    """Which rule gave the verdict of :meth:`TouchpointTagger.explain`."""
    if scores.nearest and tagged and not above:
        if scores.nearest["example"][0, column] >= EXAMPLE_MATCH:
            return "example match"
        return "strong, specific meaning"
    if scores.nearest and above and not tagged:
        return "negative example closest"
    return "probability"
