"""The topic registry: stable topic ids and labels from one fit to the next.

Every refit of :class:`~voc.topics.model.TopicModel` numbers its clusters afresh (largest
first). The registry remembers the topics seen so far and names each new cluster:

- **Matching.** A score per (registered topic, new cluster) pair,
  ``0.8 * centroid cosine + 0.2 * keyword Jaccard`` (top keywords), and a one-to-one
  assignment that maximises the total score (Hungarian, ``scipy.optimize
  .linear_sum_assignment``). A pair is kept when its cosine is at least
  ``match_cosine`` (0.8: :class:`~voc.topics.model.TopicModel` joins two topics of one
  fit when their centroids reach 0.75 (``topic_merge_cosine``), while a topic refitted
  from scratch on a week more of the clothing reviews came back at 0.8-0.97), or at
  least ``match_cosine - 0.1`` with keyword Jaccard of at least 0.3 (same words, centroid
  moved). A kept pair keeps the topic's id and label; its keywords, centroid, size and
  ``last_seen`` are updated.
- **Splits.** A cluster left unmatched whose nearest registered topic (cosine at least
  ``related_cosine``, 0.7) was matched to another cluster is a split of that topic: a new
  id, and a ``split`` event naming the parent.
- **Merges.** A registered topic left unmatched whose nearest new cluster (cosine at
  least ``related_cosine``) took another topic's id has merged into it: it is retired
  with a ``merged`` event naming the survivor; its sentences now carry the survivor's id.
- **New and retired.** Any other unmatched cluster is a ``new`` topic (a new id:
  ``first_seen`` is this week, which is what flags an emerging subject), any other
  unmatched topic is ``retired``.

Ids are integers from 1, handed out in the fit's order (largest first), so the same data
fitted twice gives the same ids, and refitting the same data against the registry
matches every topic to itself. Everything here is plain data (dataclasses of numbers,
strings and lists) to persist as rows: :meth:`RegisteredTopic.to_record`,
:meth:`TopicEvent.to_record`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from voc.errors import VocError
from voc.topics.model import OTHER, TopicFit

__all__ = [
    "EVENT_KINDS",
    "RegisteredTopic",
    "RegistryUpdate",
    "TopicEvent",
    "TopicRegistry",
    "is_keyword_label",
]

logger = logging.getLogger(__name__)

EVENT_KINDS = ("new", "merged", "split", "retired")


def is_keyword_label(label: str) -> bool:
    """Whether a label is keywords joined by `` · `` (the labels before phrase labels)."""
    return " · " in label


@dataclass(frozen=True)
class RegisteredTopic:
    """A topic the registry knows, one row of the ``topics`` table.

    Attributes:
        topic_id: Stable id (1, 2, ...).
        label: Human-readable label, fixed when the topic was first seen.
        keywords: Latest keywords, best first.
        centroid: float32 ``(dim,)``, unit length: the latest fit's centroid.
        size: Sentences in the latest fit that had it.
        first_seen: Period (e.g. ISO week ``"2024-W23"``) of its first fit.
        last_seen: Period of the latest fit that had it.
        active: False once merged or retired.
        aliases: The label in each language the topic has, fixed with the label.
        complaint_label: What its pain point is called: a phrase of its negative sentences
            (:attr:`Topic.complaint_label`), fixed once found, as the label is; None
            until a fit finds one.
        complaint_aliases: The complaint label in each language, fixed with it.
    """

    topic_id: int
    label: str
    keywords: tuple[str, ...]
    centroid: np.ndarray
    size: int
    first_seen: str
    last_seen: str
    active: bool = True
    aliases: dict[str, str] = field(default_factory=dict)
    complaint_label: str | None = None
    complaint_aliases: dict[str, str] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """A plain dict (centroid as a list of floats) for a table row."""
        return {
            "topic_id": self.topic_id,
            "label": self.label,
            "keywords": list(self.keywords),
            "centroid": [float(x) for x in np.asarray(self.centroid, dtype=np.float32)],
            "size": self.size,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "active": self.active,
            "aliases": dict(self.aliases),
            "complaint_label": self.complaint_label,
            "complaint_aliases": dict(self.complaint_aliases),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RegisteredTopic:
        """Inverse of :meth:`to_record`."""
        return cls(
            topic_id=int(record["topic_id"]),
            label=str(record["label"]),
            keywords=tuple(record["keywords"]),
            centroid=np.asarray(record["centroid"], dtype=np.float32),
            size=int(record["size"]),
            first_seen=str(record["first_seen"]),
            last_seen=str(record["last_seen"]),
            active=bool(record.get("active", True)),
            aliases=dict(record.get("aliases") or {}),
            complaint_label=record.get("complaint_label") or None,
            complaint_aliases=dict(record.get("complaint_aliases") or {}),
        )


@dataclass(frozen=True)
class TopicEvent:
    """Something that happened to topics in one update.

    Attributes:
        period: The update's period.
        kind: ``new``, ``merged``, ``split`` or ``retired``.
        topic_id: The topic it happened to (the new one for ``new``/``split``, the
            absorbed one for ``merged``).
        related_id: ``merged``: the surviving topic; ``split``: the parent; else None.
        similarity: Centroid cosine behind a merge or split, else None.
    """

    period: str
    kind: str
    topic_id: int
    related_id: int | None = None
    similarity: float | None = None

    def to_record(self) -> dict[str, Any]:
        """A plain dict for a table row."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RegistryUpdate:
    """The result of :meth:`TopicRegistry.update`.

    Attributes:
        registry: The registry after the update (the old one is unchanged).
        topic_ids: int64 ``(k,)``: the stable id of each topic index of the fit.
        events: What happened in this update.
        match_scores: Per topic index, the cosine to the topic it matched, NaN when new.
    """

    registry: TopicRegistry
    topic_ids: np.ndarray
    events: list[TopicEvent]
    match_scores: np.ndarray

    def ids_of(self, labels: np.ndarray) -> np.ndarray:
        """Stable ids for topic indices (a fit's ``labels``); other stays ``-1``."""
        labels = np.asarray(labels)
        return np.where(labels >= 0, self.topic_ids[np.maximum(labels, 0)], OTHER).astype(np.int64)

    @property
    def new_topic_ids(self) -> list[int]:
        """Ids first seen in this update (``new`` and ``split`` events): emerging topics."""
        return [e.topic_id for e in self.events if e.kind in ("new", "split")]


@dataclass(frozen=True)
class TopicRegistry:
    """Every topic seen so far and what happened to them.

    Args:
        topics: Known topics, active and not.
        events: Every event so far, oldest first.
        next_id: The id the next new topic gets.
        match_cosine: Centroid cosine for a cluster to keep a topic's id.
        related_cosine: Centroid cosine for a split or merge to be recorded.
        keyword_weight: Weight of keyword Jaccard against centroid cosine in matching.
        n_match_keywords: Top keywords compared.
    """

    topics: tuple[RegisteredTopic, ...] = ()
    events: tuple[TopicEvent, ...] = ()
    next_id: int = 1
    match_cosine: float = 0.8
    related_cosine: float = 0.7
    keyword_weight: float = 0.2
    n_match_keywords: int = 10

    @property
    def active(self) -> list[RegisteredTopic]:
        """The topics still in use, by id."""
        return sorted((t for t in self.topics if t.active), key=lambda t: t.topic_id)

    def centroids(self) -> np.ndarray:
        """float32 ``(m, dim)`` centroids of the active topics (seeds for the next fit)."""
        active = self.active
        if not active:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([t.centroid for t in active]).astype(np.float32)

    def in_space(self, to_space: Any) -> TopicRegistry:
        """The registry with every centroid passed through ``to_space`` (a topic model's
        :meth:`~voc.topics.model.TopicModel.to_space`): a registry kept before the topics'
        vector map (:mod:`voc.topics.space`) gets its centroids mapped, so the next fit is
        seeded and matched in the space it clusters in; centroids already there pass
        unchanged."""
        topics = tuple(
            replace(t, centroid=to_space(np.asarray(t.centroid, dtype=np.float32)[None, :])[0])
            for t in self.topics
        )
        return replace(self, topics=topics)

    def topic(self, topic_id: int) -> RegisteredTopic:
        """The topic with this id.

        Raises:
            VocError: No such id.
        """
        for candidate in self.topics:
            if candidate.topic_id == topic_id:
                return candidate
        raise VocError(f"no topic with id {topic_id} in the registry")

    def update(self, fit: TopicFit, period: str) -> RegistryUpdate:
        """Name the topics of a new fit: keep ids of matched topics, add the rest.

        Args:
            fit: A fit of :class:`~voc.topics.model.TopicModel`.
            period: What the fit covers, e.g. the ISO week ``"2024-W23"``; recorded as
                ``first_seen``/``last_seen`` and on events.

        Returns:
            The new registry, the id of each topic index and the events. Pass
            ``topic_ids`` to :meth:`TopicModel.set_topic_ids` so that ``assign`` reports
            the same ids.
        """
        active = self.active
        k = fit.n_topics
        topic_ids = np.full(k, -1, dtype=np.int64)
        match_scores = np.full(k, np.nan, dtype=np.float32)
        events: list[TopicEvent] = []
        cosines = np.zeros((len(active), k), dtype=np.float32)
        matched_old: dict[int, int] = {}  # registry position -> topic index
        if active and k:
            old_centroids = np.vstack([t.centroid for t in active]).astype(np.float32)
            if old_centroids.shape[1] == fit.centroids.shape[1]:
                cosines = old_centroids @ fit.centroids.T
            else:  # fitted in another space (topics.vector_map changed): keywords only
                logger.warning(
                    "topic registry: its centroids are %d-d, the new fit's %d-d (another "
                    "embedding space); matching topics by their keywords only",
                    old_centroids.shape[1],
                    fit.centroids.shape[1],
                )
            jaccard = np.array(
                [
                    [self._jaccard(t.keywords, topic.keywords) for topic in fit.topics]
                    for t in active
                ],
                dtype=np.float32,
            )
            score = (1 - self.keyword_weight) * cosines + self.keyword_weight * jaccard
            from scipy.optimize import linear_sum_assignment

            rows, cols = linear_sum_assignment(-score)
            for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
                cosine = float(cosines[row, col])
                close = cosine >= self.match_cosine
                same_words = cosine >= self.match_cosine - 0.1 and jaccard[row, col] >= 0.3
                if close or same_words:
                    matched_old[row] = col
                    topic_ids[col] = active[row].topic_id
                    match_scores[col] = cosine

        next_id = self.next_id
        matched_new = {col: row for row, col in matched_old.items()}
        for index in range(k):  # largest first: the same fit always numbers the same way
            if topic_ids[index] >= 0:
                continue
            topic_ids[index] = next_id
            parent = None
            if active:
                nearest = int(np.argmax(cosines[:, index]))
                if cosines[nearest, index] >= self.related_cosine and nearest in matched_old:
                    parent = nearest
            if parent is not None:
                events.append(
                    TopicEvent(
                        period,
                        "split",
                        next_id,
                        active[parent].topic_id,
                        round(float(cosines[parent, index]), 4),
                    )
                )
            else:
                events.append(TopicEvent(period, "new", next_id))
            next_id += 1

        updated: dict[int, RegisteredTopic] = {t.topic_id: t for t in self.topics}
        for row, topic in enumerate(active):
            if row in matched_old:
                continue
            nearest_col = int(np.argmax(cosines[row])) if k else -1
            if (
                nearest_col >= 0
                and cosines[row, nearest_col] >= self.related_cosine
                and nearest_col in matched_new
            ):
                events.append(
                    TopicEvent(
                        period,
                        "merged",
                        topic.topic_id,
                        int(topic_ids[nearest_col]),
                        round(float(cosines[row, nearest_col]), 4),
                    )
                )
            else:
                events.append(TopicEvent(period, "retired", topic.topic_id))
            updated[topic.topic_id] = replace(topic, active=False)

        for index, fitted in enumerate(fit.topics):
            topic_id = int(topic_ids[index])
            previous = updated.get(topic_id)
            # A label is fixed when the topic is first seen (a digest names a topic the
            # same way every week), except a keyword label of an older version ("size ·
            # small · run"), which gives way to the phrase a fit now finds.
            keep = previous is not None and not is_keyword_label(previous.label)
            # So is a complaint label, once a fit found one (a topic with too few
            # complaints so far has none, and gets the first one a fit finds).
            kept = previous if previous is not None and previous.complaint_label else None
            updated[topic_id] = RegisteredTopic(
                topic_id=topic_id,
                label=previous.label if keep and previous is not None else fitted.label,
                aliases=dict(previous.aliases if keep and previous is not None else fitted.aliases),
                keywords=fitted.keywords,
                centroid=fitted.centroid.astype(np.float32),
                size=fitted.size,
                first_seen=previous.first_seen if previous is not None else period,
                last_seen=period,
                complaint_label=kept.complaint_label if kept else fitted.complaint_label,
                complaint_aliases=dict(
                    kept.complaint_aliases if kept else fitted.complaint_aliases
                ),
            )
        registry = replace(
            self,
            topics=tuple(sorted(updated.values(), key=lambda t: t.topic_id)),
            events=self.events + tuple(events),
            next_id=next_id,
        )
        logger.info(
            "topic registry %s: %d topics kept, %s",
            period,
            len(matched_old),
            {kind: sum(e.kind == kind for e in events) for kind in EVENT_KINDS},
        )
        return RegistryUpdate(
            registry=registry, topic_ids=topic_ids, events=events, match_scores=match_scores
        )

    def _jaccard(self, left: Sequence[str], right: Sequence[str]) -> float:
        a = set(left[: self.n_match_keywords])
        b = set(right[: self.n_match_keywords])
        return len(a & b) / len(a | b) if a or b else 0.0

    def to_records(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(topics, events)`` as plain dicts, for the ``topics`` and events tables."""
        return [t.to_record() for t in self.topics], [e.to_record() for e in self.events]

    @classmethod
    def from_records(
        cls,
        topics: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]] = (),
        **settings: Any,
    ) -> TopicRegistry:
        """Rebuild a registry from :meth:`to_records` rows (``settings``: thresholds)."""
        registered = tuple(
            sorted((RegisteredTopic.from_record(r) for r in topics), key=lambda t: t.topic_id)
        )
        next_id = max((t.topic_id for t in registered), default=0) + 1
        return cls(
            topics=registered,
            events=tuple(TopicEvent(**e) for e in events),
            next_id=next_id,
            **settings,
        )
