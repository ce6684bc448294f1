"""Topics in the store: refit the model, keep the registry, assign new sentences.

The analyse flow calls :func:`update_topics` after new feedback has been analysed:

- **No model yet, or a refit is due** (:func:`refit_due`): fit :class:`TopicModel` on
  every stored sentence (embeddings read back from the cache, so nothing is embedded),
  seeded with the registry's centroids so known topics keep their place; the registry
  names the clusters (:meth:`TopicRegistry.update`): matched topics keep id and label,
  new ones get new ids (``first_seen`` this week: emerging), merges and splits are
  recorded in ``topic_events``. Every sentence's topic is rewritten.
- **Otherwise**: sentences without a topic are assigned to the nearest centroid of the
  stored model (or ``-1``, other, below its threshold), which is what a refit would give
  them: :meth:`TopicModel.assign` uses the fitted centroids.

A refit is due when the data reached an ISO week the model has not seen (the weekly
rhythm of a digest), or when more than :data:`MAX_NEW_OTHER_SHARE` of the sentences
assigned since the last fit fell into "other" (a subject the model does not know).
Topics only: the pain points and survey metrics that read them are the analyse flow's
next step (``pipelines/analyze.insights_task``), never recomputed here.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from voc.errors import VocError
from voc.store import sentence_pieces
from voc.store import topics as topic_rows
from voc.topics.model import OTHER, TopicModel
from voc.topics.pieces import TopicCounts, assign_texts, hash_sample
from voc.topics.registry import TopicRegistry
from voc.topics.renames import (  # rename_topic, set_config_labels: importable here too
    RenameOutcome,
    rename_carry,
    rename_topic,
    set_config_labels,
)
from voc.topics.space import SHIPPED_VECTOR_MAP

logger = logging.getLogger(__name__)

__all__ = [
    "CHUNK_ROWS",
    "MAX_NEW_OTHER_SHARE",
    "StoredModel",
    "TopicsSummary",
    "assign_pending",
    "load_model",
    "load_registry",
    "merge_topic",
    "record_topics",
    "refit",
    "refit_due",
    "rename_topic",
    "set_config_labels",
    "topic_labels",
    "update_topics",
]

#: DuckDB memory a refit's transaction is given per stored sentence (above the store's
#: limit, ``WRITER_MEMORY_LIMIT``): at 200,000 records (about 820,000 sentences) it ran
#: out under 128 MB and passed at 256 MB, so it needs at most ~310 bytes a sentence there.
REFIT_BYTES_PER_SENTENCE = 400

#: Refit when more than this share of the sentences assigned since the last fit is other.
MAX_NEW_OTHER_SHARE = 0.25


@dataclass
class TopicsSummary:
    """What :func:`update_topics` did.

    Attributes:
        action: ``refit``, ``assign`` or ``none`` (nothing analysed yet).
        reason: Why a refit happened.
        sentences: Sentences fitted or assigned.
        topics: Active topics after the update.
        other_share: Share of those sentences left as other.
        events: Registry events by kind (new, merged, split, retired).
        new_topics: Ids first seen in this update.
        renames: What a refit did with the labels a person gave topics it retired
            (:class:`~voc.topics.renames.RenameOutcome` dicts: carried to the topic that
            took most of their sentences, or not carried, and why).
        seconds: Wall time.
    """

    action: str = "none"
    reason: str = ""
    sentences: int = 0
    topics: int = 0
    other_share: float = 0.0
    events: dict[str, int] = field(default_factory=dict)
    new_topics: list[int] = field(default_factory=list)
    renames: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return {
            "action": self.action,
            "reason": self.reason,
            "sentences": self.sentences,
            "topics": self.topics,
            "other_share": round(self.other_share, 4),
            "events": dict(self.events),
            "new_topics": list(self.new_topics),
            "seconds": round(self.seconds, 2),
            # Only when a refit retired a renamed topic: the summary is as before otherwise.
            **({"renames": list(self.renames)} if self.renames else {}),
        }


def load_registry(store: Any) -> TopicRegistry:
    """The registry as stored (an empty one before the first fit).

    A topic a person merged (:func:`merge_topic`) stays active for the registry: the next
    fit is seeded with its centroid and matched to it, so its sentences keep one id,
    which the stored merge then maps onto the survivor (a merged topic left out of the
    seeds would come back from the fit as a new topic).
    """
    topics: Any = topic_rows.registry_rows(store, OTHER)  # cells of many types
    merged_by_person = set(topic_rows.given_merges(store))
    records = [
        {
            "topic_id": row.topic_id,
            "label": row.label,
            "keywords": list(row.keywords),
            "centroid": np.frombuffer(bytes(row.centroid), dtype="<f4"),
            "size": row.size,
            "first_seen": row.first_seen,
            "last_seen": row.last_seen,
            "active": row.status == "active" or int(row.topic_id) in merged_by_person,
            "aliases": json.loads(row.aliases) if isinstance(row.aliases, str) else {},
            "complaint_label": row.complaint_label
            if isinstance(row.complaint_label, str)
            else None,
            "complaint_aliases": json.loads(row.complaint_aliases)
            if isinstance(row.complaint_aliases, str)
            else {},
        }
        for row in topics.itertuples(index=False)
    ]
    return TopicRegistry.from_records(records)


@dataclass
class StoredModel:
    """The fitted topic model of the store and what it was fitted on."""

    model: TopicModel
    embedder: str
    period: str


def load_model(store: Any) -> StoredModel | None:
    """The fitted topic model the store assigns with, or None before the first fit."""
    rows = topic_rows.topic_model_row(store)
    if rows.empty:
        return None
    row = rows.iloc[0]
    # The shipped map applies only when the centroids are in its space (a model fitted
    # with it); a model fitted without it keeps assigning in the embedding's space.
    model = TopicModel(vector_map=SHIPPED_VECTOR_MAP)
    ids = np.asarray(list(row["topic_ids"]), dtype=np.int64)
    model.centroids_ = np.frombuffer(bytes(row["centroids"]), dtype="<f4").reshape(len(ids), -1)
    model.threshold_ = float(row["threshold"])
    model.topic_ids_ = ids
    model.labels_ = []
    return StoredModel(model, str(row["embedder"]), str(row["period"]))


def refit_due(store: Any, embedder: str) -> tuple[bool, str]:
    """Whether the next update should refit, and why (see the module docstring)."""
    stored = load_model(store)
    if stored is None:
        return True, "no topic model yet"
    if stored.embedder != embedder:
        return True, f"the embedder changed ({stored.embedder} -> {embedder})"
    latest = topic_rows.latest_sentence_week(store)
    if latest is not None and latest > stored.period:
        return True, f"new week {latest} (model fitted up to {stored.period})"
    assigned, other = topic_rows.assigned_since_fit(store, OTHER)
    if assigned >= 50 and other > MAX_NEW_OTHER_SHARE:
        return True, f"{other:.0%} of the sentences assigned since the last fit are other"
    return False, ""


#: Sentences read from the store at a time by a refit and an assignment: what they hold in
#: memory is bounded by this and the model's ``sample_size``, not by the store's size.
CHUNK_ROWS = 50_000


def refit(
    store: Any,
    embedder: str,
    run_id: str,
    model: TopicModel | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> TopicsSummary:
    """Fit topics on the stored sentences and update the registry (module docstring).

    The model is fitted on its ``sample_size`` sentences (the hash sample its fit would
    cluster, so a store no larger than that is fitted on every sentence, as before);
    in a larger store every sentence is then assigned to the fitted topics
    (:meth:`TopicModel.assign`: what the fit gives its own sentences) ``chunk_rows`` at a
    time while they are written, and the topics' sizes, first weeks and the share of
    other count every sentence. Memory is bounded by the sample and the piece, whatever
    the store holds.

    Args:
        store: An open :class:`voc.store.warehouse.Warehouse`.
        embedder: Name of the embedder whose cached vectors to fit on.
        run_id: Recorded with the rows written.
        model: Settings to fit with (default :class:`TopicModel` ones).
        chunk_rows: Sentences read and assigned at a time.

    Returns:
        A :class:`TopicsSummary` (``action`` ``none`` when there are too few sentences).
    """
    from voc.store.warehouse import utcnow

    started = time.perf_counter()
    summary = TopicsSummary(action="refit")
    model = model or TopicModel(label_embedder=embedder)
    sample = hash_sample(store, embedder, model.sample_size, chunk_rows)
    frame, vectors = sample.frame, sample.vectors
    if sample.total < max(2, model.min_topic_size):
        return TopicsSummary(action="none", reason=f"only {sample.total} sentences")
    period = sample.period
    # A registry kept before the topics' vector map gets its centroids mapped (seeds and
    # matching in the space the fit clusters in; voc.topics.space).
    registry = load_registry(store).in_space(model.to_space)
    seeds = registry.centroids() if registry.active else None
    if seeds is not None and seeds.shape[1] != model.to_space(vectors[:1]).shape[1]:
        logger.warning(
            "topics: the registry's centroids are in another space than this fit's "
            "(topics.vector_map changed); refitting without seeds"
        )
        seeds = None
    ids = [f"{a}:{b}" for a, b in zip(frame["feedback_id"], frame["sentence_index"], strict=True)]
    # Negative sentences give each topic its complaint label (what its pain point is called).
    negative = (frame["sentiment"] == "negative").to_numpy()
    model.fit(vectors, frame["text"].tolist(), frame["language"].tolist(), ids, seeds, negative)
    del vectors
    fit = model.fit_result_
    update = registry.update(fit, period)
    model.set_topic_ids(update.topic_ids)
    now = utcnow()
    counted = TopicCounts()
    if sample.total == len(frame):  # the fit saw every sentence
        topic_of = update.ids_of(fit.labels)
        counted.add(topic_of, frame["week"].to_numpy())
        assignments: Any = pd.DataFrame(
            {
                "feedback_id": frame["feedback_id"],
                "sentence_index": frame["sentence_index"],
                "topic_id": topic_of.astype(np.int32),
                "similarity": fit.similarities.astype(np.float32),
                "run_id": run_id,
            }
        )
        sizes: dict[int, int] = {}
    else:
        assignments = assign_texts(store, embedder, model, run_id, chunk_rows, counted)
        sizes = counted.sizes
    del frame
    found_now = set(update.new_topic_ids)
    fitted_ids = {int(i) for i in update.topic_ids}
    quotes = {int(update.topic_ids[t.index]): list(t.quotes) for t in fit.topics}
    phrases = {int(update.topic_ids[t.index]): list(t.phrases) for t in fit.topics}
    previous_phrases = topic_rows.topic_phrases(store)
    complaint_phrases = {
        int(update.topic_ids[t.index]): list(t.complaint_phrases) for t in fit.topics
    }
    previous_complaints = topic_rows.topic_phrases(store, complaints=True)
    merged = {e.topic_id for e in update.events if e.kind == "merged"}

    def topics_rows() -> pd.DataFrame:
        # A topic found in this fit was first seen in the week of its earliest sentence
        # (on the first fit of a store with months of data, not "this week" for every
        # topic).
        earliest = counted.earliest
        return pd.DataFrame(
            [
                {
                    "topic_id": t.topic_id,
                    "label": t.label,
                    "keywords": list(t.keywords),
                    "quotes": quotes.get(t.topic_id, []),
                    "aliases": json.dumps(t.aliases, ensure_ascii=False, sort_keys=True),
                    "phrases": phrases.get(t.topic_id, previous_phrases.get(t.topic_id, [])),
                    "complaint_label": t.complaint_label,
                    "complaint_aliases": json.dumps(
                        t.complaint_aliases, ensure_ascii=False, sort_keys=True
                    ),
                    "complaint_phrases": complaint_phrases.get(t.topic_id)
                    or previous_complaints.get(t.topic_id, []),
                    "centroid": np.asarray(t.centroid, dtype="<f4").tobytes(),
                    "embedder": embedder,
                    "size": sizes.get(t.topic_id, 0)
                    if sizes and t.topic_id in fitted_ids
                    else t.size,
                    "status": "active"
                    if t.active
                    else ("merged" if t.topic_id in merged else "retired"),
                    "first_seen": str(earliest.get(t.topic_id, t.first_seen))
                    if t.topic_id in found_now
                    else t.first_seen,
                    "last_seen": t.last_seen,
                    "created_run": run_id,
                    "updated_run": run_id,
                    "updated_at": now,
                }
                for t in update.registry.topics
            ]
        )

    events = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "event": e.kind,
                "topic_id": e.topic_id,
                "related": [] if e.related_id is None else [e.related_id],
                "detail": None if e.similarity is None else f"centroid cosine {e.similarity:.2f}",
                "occurred_at": now,
            }
            for e in update.events
        ],
        columns=["run_id", "event", "topic_id", "related", "detail", "occurred_at"],
    )
    centroids = np.asarray(model.centroids_, dtype="<f4")

    def model_row() -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "model_id": 1,
                    "embedder": embedder,
                    "threshold": float(model.threshold_),
                    "topic_ids": [int(i) for i in model.topic_ids_],
                    "centroids": centroids.tobytes(),
                    "dim": int(centroids.shape[1]),
                    "period": period,
                    "sentences": sample.total,
                    "other_share": counted.other_share if sizes else fit.other_share,
                    "run_id": run_id,
                    "fitted_at": now,
                }
            ]
        )

    outcomes: list[RenameOutcome] = []  # labels a person gave topics the refit retired
    carry = rename_carry(run_id, now, outcomes)

    def replace() -> None:
        outcomes.clear()  # run again when it ran out of the store's memory limit
        topic_rows.replace_topics(store, topics_rows, events, assignments, model_row, carry)

    # Every sentence's topic is rewritten in one transaction, whose need grows with the
    # store (a commit that runs out closes the store): DuckDB's limit is raised for it.
    store.with_memory_to_spare(replace, "the topic refit", REFIT_BYTES_PER_SENTENCE * sample.total)
    for outcome in outcomes:
        log = logger.info if outcome.carried_to is not None else logger.warning
        log("topics: %s", outcome.message)
    summary.sentences = sample.total
    summary.topics = fit.n_topics
    summary.other_share = counted.other_share if sizes else fit.other_share
    for event in update.events:
        summary.events[event.kind] = summary.events.get(event.kind, 0) + 1
    summary.new_topics = update.new_topic_ids
    summary.renames = [o.to_dict() for o in outcomes]
    summary.seconds = time.perf_counter() - started
    return summary


def assign_pending(
    store: Any, embedder: str, run_id: str, chunk_rows: int = CHUNK_ROWS
) -> TopicsSummary:
    """Assign sentences that have no topic yet with the stored model (no refit), read,
    assigned and written ``chunk_rows`` at a time (each piece in its own transaction: a
    run cut off midway leaves the rest unassigned, and the next one assigns them)."""
    started = time.perf_counter()
    stored = load_model(store)
    if stored is None:
        raise VocError("no topic model in the store yet: run a refit first (voc topics refit)")
    model = stored.model
    summary = TopicsSummary(action="assign")
    counted = TopicCounts()
    for frame, vectors in sentence_pieces.topic_sentence_chunks(
        store, embedder, only_unassigned=True, rows=chunk_rows
    ):
        topic_ids, similarities = model.assign(vectors)
        rows = pd.DataFrame(
            {
                "feedback_id": frame["feedback_id"],
                "sentence_index": frame["sentence_index"],
                "topic_id": topic_ids.astype(np.int32),
                "similarity": similarities.astype(np.float32),
                "run_id": run_id,
            }
        )
        topic_rows.add_assignments(store, rows)
        counted.add(topic_ids, frame["week"].to_numpy())
    summary.other_share = counted.other_share
    summary.sentences = counted.total
    summary.topics = len(model.topic_ids_)
    summary.seconds = time.perf_counter() - started
    return summary


def update_topics(
    store: Any,
    embedder: str,
    run_id: str,
    force_refit: bool = False,
    labels: dict[int, str] | None = None,
    label_language: str = "en",
    vector_map: str | None = None,
) -> dict[str, Any]:
    """Keep topics current (the module docstring); insights are the caller's next step.

    Args:
        store: An open :class:`voc.store.warehouse.Warehouse`.
        embedder: Name of the embedder whose cached vectors to use.
        run_id: Recorded with the rows written.
        force_refit: Refit even when no refit is due.
        labels: The config's ``topics.labels`` (id -> label), applied after the update.
        label_language: The digest's language: a topic with sentences in several
            languages is labelled in this one (the others are its aliases).
        vector_map: The map of the embeddings a refit finds topics in
            (``topics.vector_map``, :mod:`voc.topics.space`); None: none. A stored model
            keeps the space it was fitted in until the next refit.

    Returns:
        ``{"topics": TopicsSummary dict}``.
    """
    due, reason = (True, "asked for") if force_refit else refit_due(store, embedder)
    if due:
        model = TopicModel(
            label_embedder=embedder, label_language=label_language, vector_map=vector_map
        )
        summary = refit(store, embedder, run_id, model)
        summary.reason = reason if summary.action == "refit" else summary.reason
    else:
        summary = assign_pending(store, embedder, run_id)
    if labels:
        set_config_labels(store, labels)
    return {"topics": summary.to_dict()}


def record_topics(store: Any) -> pd.DataFrame:
    """Each analysed record's main topic: the topic holding most of its characters
    (other only when none of its sentences has a topic), with the topic's label."""
    return topic_rows.record_topics(store, OTHER)


def topic_labels(
    store: Any, language: str | None = None, pain_points: bool = False
) -> dict[int, str]:
    """Each topic's label, in ``language`` when it has one there (its alias) and no person
    renamed it; with ``pain_points``, what its pain point is called: its complaints'
    label (:func:`voc.store.topics.topic_labels`)."""
    return topic_rows.topic_labels(store, language, pain_points)


# -- merges a person made --------------------------------------------------------------


def merge_topic(store: Any, topic_id: int, into_id: int, source: str = "cli") -> dict[str, Any]:
    """Merge topic ``topic_id`` into ``into_id``: its sentences belong to ``into_id`` now
    and after every refit and assignment (kept in ``topic_merges``, re-applied like a
    rename; the registry keeps matching the merged topic's own cluster, so the merge
    follows it). Pain points read ``sentence_topics``: recompute them after
    (:func:`voc.insights.painpoints.compute_pain_points`), as ``voc topics merge`` and the
    web app do.

    Args:
        store: A :class:`voc.store.warehouse.Warehouse` open for writing.
        topic_id: The topic merged away (``voc topics`` lists the ids).
        into_id: The topic that keeps its id and label and takes the sentences.
        source: ``cli`` or ``ui``.

    Returns:
        ``topic_id``, ``into_id``, ``label`` (of the merged topic), ``into_label``,
        ``sentences`` (moved now).

    Raises:
        VocError: The same topic twice, "other", an unknown topic, or a topic already
            merged (name the topic it went into instead).
    """
    from voc.store.warehouse import utcnow

    topic_id, into_id = int(topic_id), int(into_id)
    if topic_id == into_id:
        raise VocError(f"cannot merge topic {topic_id} into itself: name two different topics")
    if OTHER in (topic_id, into_id):
        raise VocError(
            f'topic {OTHER} is "other" (sentences close to no topic) and cannot be merged'
        )
    merges = topic_rows.given_merges(store)
    for wanted in (topic_id, into_id):
        if wanted in merges:
            raise VocError(
                f"topic {wanted} was already merged into topic {merges[wanted]}: "
                f"name topic {merges[wanted]} instead"
            )
    labels = {}
    for wanted in (topic_id, into_id):
        label = topic_rows.topic_label(store, wanted)
        if label is None:
            raise VocError(
                f"no topic {wanted} in the store: `voc topics` lists the topics and their ids"
            )
        labels[wanted] = label
    moved = topic_rows.set_merge(
        store,
        topic_id,
        into_id,
        source,
        utcnow(),
        run_id=f"merge-{source}-{utcnow():%Y%m%dT%H%M%S}",
    )
    return {
        "topic_id": topic_id,
        "into_id": into_id,
        "label": labels[topic_id],
        "into_label": labels[into_id],
        "sentences": moved,
    }
