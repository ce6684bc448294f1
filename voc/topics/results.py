"""What a topic fit produces: :class:`Topic`, :class:`KSelection`, :class:`TopicFit`.

Split from :mod:`voc.topics.model` (which re-exports them), so the registry and the store
can read fits without the fitting code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["OTHER", "OTHER_LABEL", "KSelection", "Topic", "TopicFit"]

#: Topic index (and topic id) of sentences close to no topic.
OTHER = -1
OTHER_LABEL = "other"


@dataclass(frozen=True)
class Topic:
    """One topic of a fit.

    Attributes:
        index: Its index in the fit (0 is the largest); the registry maps it to a stable id.
        size: Sentences assigned to it.
        label: A short phrase its sentences use, nearest its centroid (e.g. ``"runs
            small"``, ``"決済エラー"``; :mod:`voc.topics.labels`), or its top keywords
            (``"size · small · run"``) when no phrase repeats.
        keywords: Top keywords, best first (lemmas; Japanese dictionary forms).
        keyword_scores: Their c-TF-IDF weights.
        centroid: float32 ``(dim,)``, unit length: what :meth:`TopicModel.assign` compares to.
        quotes: The most representative sentences, nearest the centroid first.
        quote_rows: Their row numbers in the fitted input.
        languages: Sentences per language code.
        aliases: The label in each language the topic has (``{"en": ..., "ja": ...}``).
        phrases: Key phrases, best first (the label first), in the label's language.
        label_language: The label's language.
        complaint_label: The label of its negative sentences (what its pain point is
            called: "sleeves were too tight" where the topic is "love the sleeves"), None
            when it has too few of them or none was given to the fit.
        complaint_aliases: The complaint label in each language the complaints have.
        complaint_phrases: Key phrases of the complaints, best first.
    """

    index: int
    size: int
    label: str
    keywords: tuple[str, ...]
    keyword_scores: tuple[float, ...]
    centroid: np.ndarray
    quotes: tuple[str, ...]
    quote_rows: tuple[int, ...]
    languages: dict[str, int]
    aliases: dict[str, str] = field(default_factory=dict)
    phrases: tuple[str, ...] = ()
    label_language: str = ""
    complaint_label: str | None = None
    complaint_aliases: dict[str, str] = field(default_factory=dict)
    complaint_phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class KSelection:
    """How the number of topics came about (step 3 of the module docstring).

    Attributes:
        sample_size: Sentences clustered.
        fine_clusters: Fine k-means clusters.
        groups: Groups after merging fine clusters at ``merge_cosine``.
        dropped_small: Groups under ``min_topic_size``, dropped.
        seeded: Topics that started from ``seed_centroids``.
        removed_in_refinement: Topics that fell under ``min_topic_size`` while refining.
        k: Topics in the fit.
        merge_cosine: The fine-cluster threshold used (``merge_cosine``, or higher to keep
            keep every topic under ``max_topic_share``).
        merged_topics: Topics joined because their centroids were at least
            ``topic_merge_cosine`` similar (step 5).
        topic_merge_cosine: That threshold (None: off).
        lexical_weight: Weight of the texts' lexical view beside the embedding in the
            fine clusters and groups (0: embedding only, or no word kept).
    """

    sample_size: int
    fine_clusters: int
    groups: int
    dropped_small: int
    seeded: int
    removed_in_refinement: int
    k: int
    merge_cosine: float
    merged_topics: int = 0
    topic_merge_cosine: float | None = None
    lexical_weight: float = 0.0


@dataclass(frozen=True)
class TopicFit:
    """What :meth:`TopicModel.fit` found (the model's ``fit_result_``).

    Attributes:
        topics: The topics, largest first (``topics[i].index == i``).
        labels: int ``(n,)``: topic index of each sentence, ``-1`` for other.
        similarities: float32 ``(n,)``: cosine of each sentence to its nearest centroid.
        threshold: Cosine under which a sentence is other.
        other_keywords: Keywords of the sentences left as other (what is being missed).
        selection: How k was chosen.
        timings: Seconds per step (``cluster``, ``assign``, ``keywords``, ``quotes``).
    """

    topics: list[Topic]
    labels: np.ndarray
    similarities: np.ndarray
    threshold: float
    other_keywords: tuple[str, ...]
    selection: KSelection
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_topics(self) -> int:
        """Number of topics (other not counted)."""
        return len(self.topics)

    @property
    def other_share(self) -> float:
        """Share of sentences left as other (unassigned)."""
        return float(np.mean(self.labels == OTHER)) if len(self.labels) else 0.0

    @property
    def centroids(self) -> np.ndarray:
        """float32 ``(k, dim)``: the topic centroids in index order."""
        return np.vstack([topic.centroid for topic in self.topics]).astype(np.float32)
