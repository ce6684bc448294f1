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
Either way the pain points and survey metrics are recomputed afterwards.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from voc.errors import VocError
from voc.topics.model import OTHER, TopicModel
from voc.topics.registry import TopicRegistry

__all__ = [
    "MAX_NEW_OTHER_SHARE",
    "StoredModel",
    "TopicsSummary",
    "assign_pending",
    "load_model",
    "load_registry",
    "record_topics",
    "refit",
    "refit_due",
    "rename_topic",
    "set_config_labels",
    "topic_labels",
    "update_topics",
]

#: Refit when more than this share of the sentences assigned since the last fit is other.
MAX_NEW_OTHER_SHARE = 0.25
_UNDATED = "undated"


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
        seconds: Wall time.
    """

    action: str = "none"
    reason: str = ""
    sentences: int = 0
    topics: int = 0
    other_share: float = 0.0
    events: dict[str, int] = field(default_factory=dict)
    new_topics: list[int] = field(default_factory=list)
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
        }


def _sentence_frame(store: Any, embedder: str, only_unassigned: bool) -> pd.DataFrame:
    where = (
        "WHERE NOT EXISTS (SELECT 1 FROM sentence_topics t WHERE t.feedback_id = s.feedback_id "
        "AND t.sentence_index = s.sentence_index)"
        if only_unassigned
        else ""
    )
    return store.query(
        f"""
        SELECT s.feedback_id, s.sentence_index, s.text, s.language, e.vector,
               coalesce(strftime(f.created_at, '%G-W%V'), '{_UNDATED}') AS week
        FROM sentences s
        JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ?
        JOIN feedback f USING (feedback_id)
        {where}
        ORDER BY s.feedback_id, s.sentence_index
        """,
        [embedder],
    )


def _vectors(frame: pd.DataFrame) -> np.ndarray:
    if frame.empty:
        return np.zeros((0, 0), dtype=np.float32)
    blob = b"".join(bytes(v) for v in frame["vector"])
    return np.frombuffer(blob, dtype="<f2").reshape(len(frame), -1).astype(np.float32)


def _latest_week(frame: pd.DataFrame) -> str:
    weeks = frame.loc[frame["week"] != _UNDATED, "week"]
    return str(weeks.max()) if not weeks.empty else _UNDATED


def load_registry(store: Any) -> TopicRegistry:
    """The registry as stored (an empty one before the first fit)."""
    topics = store.query(
        "SELECT topic_id, label, keywords, centroid, size, first_seen, last_seen, status, "
        "aliases FROM topics WHERE topic_id <> ? ORDER BY topic_id",
        [OTHER],
    )
    records = [
        {
            "topic_id": row.topic_id,
            "label": row.label,
            "keywords": list(row.keywords),
            "centroid": np.frombuffer(bytes(row.centroid), dtype="<f4"),
            "size": row.size,
            "first_seen": row.first_seen,
            "last_seen": row.last_seen,
            "active": row.status == "active",
            "aliases": json.loads(row.aliases) if isinstance(row.aliases, str) else {},
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
    rows = store.query("SELECT * FROM topic_model WHERE model_id = 1")
    if rows.empty:
        return None
    row = rows.iloc[0]
    model = TopicModel()
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
    latest = store.query(
        "SELECT max(strftime(f.created_at, '%G-W%V')) AS week FROM sentences s "
        "JOIN feedback f USING (feedback_id)"
    )["week"].iat[0]
    if isinstance(latest, str) and latest > stored.period:
        return True, f"new week {latest} (model fitted up to {stored.period})"
    since = store.query(
        "SELECT count(*) AS n, coalesce(avg((t.topic_id = ?)::INT), 0) AS other "
        "FROM sentence_topics t JOIN topic_model m ON t.run_id <> m.run_id",
        [OTHER],
    )
    if int(since["n"].iat[0]) >= 50 and float(since["other"].iat[0]) > MAX_NEW_OTHER_SHARE:
        return True, (
            f"{float(since['other'].iat[0]):.0%} of the sentences assigned since the last fit "
            "are other"
        )
    return False, ""


def refit(store: Any, embedder: str, run_id: str, model: TopicModel | None = None) -> TopicsSummary:
    """Fit topics on every stored sentence and update the registry (module docstring).

    Args:
        store: An open :class:`voc.store.warehouse.Warehouse`.
        embedder: Name of the embedder whose cached vectors to fit on.
        run_id: Recorded with the rows written.
        model: Settings to fit with (default :class:`TopicModel` ones).

    Returns:
        A :class:`TopicsSummary` (``action`` ``none`` when there are too few sentences).
    """
    from voc.store.warehouse import utcnow

    started = time.perf_counter()
    summary = TopicsSummary(action="refit")
    frame = _sentence_frame(store, embedder, only_unassigned=False)
    model = model or TopicModel(label_embedder=embedder)
    if len(frame) < max(2, model.min_topic_size):
        return TopicsSummary(action="none", reason=f"only {len(frame)} sentences")
    vectors = _vectors(frame)
    period = _latest_week(frame)
    registry = load_registry(store)
    seeds = registry.centroids() if registry.active else None
    ids = [f"{a}:{b}" for a, b in zip(frame["feedback_id"], frame["sentence_index"], strict=True)]
    fit = model.fit(vectors, frame["text"].tolist(), frame["language"].tolist(), ids, seeds)
    update = registry.update(fit, period)
    model.set_topic_ids(update.topic_ids)
    topic_of = update.ids_of(fit.labels)
    now = utcnow()
    # A topic found in this fit was first seen in the week of its earliest sentence (on
    # the first fit of a store with months of data, not "this week" for every topic).
    dated = pd.DataFrame({"topic": topic_of, "week": frame["week"].to_numpy()})
    dated = dated[dated["week"] != _UNDATED]
    earliest = dated.groupby("topic")["week"].min().to_dict()
    found_now = set(update.new_topic_ids)
    first_seen = {
        t.topic_id: str(earliest.get(t.topic_id, t.first_seen))
        if t.topic_id in found_now
        else t.first_seen
        for t in update.registry.topics
    }
    quotes = {int(update.topic_ids[t.index]): list(t.quotes) for t in fit.topics}
    phrases = {int(update.topic_ids[t.index]): list(t.phrases) for t in fit.topics}
    previous_phrases = {
        int(r.topic_id): list(r.phrases)
        for r in store.query(
            "SELECT topic_id, coalesce(phrases, []::VARCHAR[]) AS phrases FROM topics"
        ).itertuples(index=False)
    }
    merged = {e.topic_id for e in update.events if e.kind == "merged"}
    topics_rows = pd.DataFrame(
        [
            {
                "topic_id": t.topic_id,
                "label": t.label,
                "keywords": list(t.keywords),
                "quotes": quotes.get(t.topic_id, []),
                "aliases": json.dumps(t.aliases, ensure_ascii=False, sort_keys=True),
                "phrases": phrases.get(t.topic_id, previous_phrases.get(t.topic_id, [])),
                "centroid": np.asarray(t.centroid, dtype="<f4").tobytes(),
                "embedder": embedder,
                "size": t.size,
                "status": "active"
                if t.active
                else ("merged" if t.topic_id in merged else "retired"),
                "first_seen": first_seen[t.topic_id],
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
    assignments = pd.DataFrame(
        {
            "feedback_id": frame["feedback_id"],
            "sentence_index": frame["sentence_index"],
            "topic_id": topic_of.astype(np.int32),
            "similarity": fit.similarities.astype(np.float32),
            "run_id": run_id,
        }
    )
    centroids = np.asarray(model.centroids_, dtype="<f4")
    model_row = pd.DataFrame(
        [
            {
                "model_id": 1,
                "embedder": embedder,
                "threshold": float(model.threshold_),
                "topic_ids": [int(i) for i in model.topic_ids_],
                "centroids": centroids.tobytes(),
                "dim": int(centroids.shape[1]),
                "period": period,
                "sentences": len(frame),
                "other_share": fit.other_share,
                "run_id": run_id,
                "fitted_at": now,
            }
        ]
    )
    with store.transaction() as con:
        previous = {
            int(r[0]): r[1]
            for r in con.execute("SELECT topic_id, created_run FROM topics").fetchall()
        }
        topics_rows["created_run"] = [previous.get(int(i), run_id) for i in topics_rows["topic_id"]]
        for table in ("topics", "sentence_topics", "topic_model"):
            con.execute(f"DELETE FROM {table}")
        store.insert_frame("topics", topics_rows)
        store.insert_frame("topic_events", events, keyed=False)
        store.insert_frame("sentence_topics", assignments)
        store.insert_frame("topic_model", model_row)
        _apply_renames(con)
    summary.sentences = len(frame)
    summary.topics = fit.n_topics
    summary.other_share = fit.other_share
    for event in update.events:
        summary.events[event.kind] = summary.events.get(event.kind, 0) + 1
    summary.new_topics = update.new_topic_ids
    summary.seconds = time.perf_counter() - started
    return summary


def assign_pending(store: Any, embedder: str, run_id: str) -> TopicsSummary:
    """Assign sentences that have no topic yet with the stored model (no refit)."""
    started = time.perf_counter()
    stored = load_model(store)
    if stored is None:
        raise VocError("no topic model in the store yet: run a refit first (voc topics refit)")
    model = stored.model
    frame = _sentence_frame(store, embedder, only_unassigned=True)
    summary = TopicsSummary(action="assign")
    if not frame.empty:
        topic_ids, similarities = model.assign(_vectors(frame))
        rows = pd.DataFrame(
            {
                "feedback_id": frame["feedback_id"],
                "sentence_index": frame["sentence_index"],
                "topic_id": topic_ids.astype(np.int32),
                "similarity": similarities.astype(np.float32),
                "run_id": run_id,
            }
        )
        with store.transaction():
            store.insert_frame("sentence_topics", rows)
        summary.other_share = float(np.mean(topic_ids == OTHER))
    summary.sentences = len(frame)
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
) -> dict[str, Any]:
    """Keep topics, pain points and survey metrics current (the module docstring).

    Args:
        store: An open :class:`voc.store.warehouse.Warehouse`.
        embedder: Name of the embedder whose cached vectors to use.
        run_id: Recorded with the rows written.
        force_refit: Refit even when no refit is due.
        labels: The config's ``topics.labels`` (id -> label), applied after the update.
        label_language: The digest's language: a topic with sentences in several
            languages is labelled in this one (the others are its aliases).

    Returns:
        ``{"topics": TopicsSummary dict, "pain_points": ..., "survey_metrics": rows}``.
    """
    from voc.insights.painpoints import compute_pain_points, compute_survey_metrics

    due, reason = (True, "asked for") if force_refit else refit_due(store, embedder)
    if due:
        model = TopicModel(label_embedder=embedder, label_language=label_language)
        summary = refit(store, embedder, run_id, model)
        summary.reason = reason if summary.action == "refit" else summary.reason
    else:
        summary = assign_pending(store, embedder, run_id)
    if labels:
        set_config_labels(store, labels)
    result: dict[str, Any] = {"topics": summary.to_dict()}
    result["pain_points"] = compute_pain_points(store, run_id)
    result["survey_metrics"] = compute_survey_metrics(store, run_id)
    return result


def record_topics(store: Any) -> pd.DataFrame:
    """Each analysed record's main topic: the topic holding most of its characters
    (other only when none of its sentences has a topic), with the topic's label."""
    return store.query(
        """
        WITH weighted AS (
            SELECT t.feedback_id, t.topic_id, sum(length(s.text)) AS chars
            FROM sentence_topics t JOIN sentences s USING (feedback_id, sentence_index)
            GROUP BY ALL
        )
        SELECT w.feedback_id, arg_max(w.topic_id, (w.topic_id <> -1, w.chars, -w.topic_id))
               AS topic_id
        FROM weighted w GROUP BY w.feedback_id
        """
    ).merge(
        store.query("SELECT topic_id, label AS topic_label FROM topics"), how="left", on="topic_id"
    )


# -- labels a person gave --------------------------------------------------------------


def _apply_renames(con: Any) -> None:
    """Put every label a person gave on its topic (after a refit rewrote the topics)."""
    con.execute(
        "UPDATE topics SET label = r.label FROM topic_renames r "
        "WHERE topics.topic_id = r.topic_id AND topics.label <> r.label"
    )


def rename_topic(store: Any, topic_id: int, label: str, source: str = "cli") -> str:
    """Name a topic: the label is kept in ``topic_renames`` and put on the topic now and
    after every refit (the registry keeps the id, so the name follows the topic).

    Args:
        store: A :class:`voc.store.warehouse.Warehouse` open for writing.
        topic_id: The topic's id.
        label: The new label; an empty one gives the topic back its own label at the
            next refit.
        source: ``cli`` or ``config``.

    Returns:
        The label the topic had before.

    Raises:
        VocError: No such topic, or a label too long to read as one (over 80 characters).
    """
    label = " ".join(label.split())
    if len(label) > 80:
        raise VocError(f"a topic label of {len(label)} characters is too long: keep it under 80")
    found = store.query("SELECT label FROM topics WHERE topic_id = ?", [int(topic_id)])
    if found.empty or int(topic_id) == OTHER:
        raise VocError(
            f"no topic {topic_id} in the store: `voc topics` lists the topics and their ids"
        )
    from voc.store.warehouse import utcnow

    with store.transaction() as con:
        con.execute("DELETE FROM topic_renames WHERE topic_id = ?", [int(topic_id)])
        if label:
            con.execute(
                "INSERT INTO topic_renames VALUES (?, ?, ?, ?)",
                [int(topic_id), label, source, utcnow()],
            )
            _apply_renames(con)
    return str(found["label"].iat[0])


def set_config_labels(store: Any, labels: dict[int, str]) -> int:
    """Apply the config's ``topics.labels`` (id -> label). The config wins over a label
    given with ``voc topics rename`` for the topics it names. Unknown ids are skipped with
    a warning. Returns how many labels changed."""
    import logging

    current = store.query("SELECT topic_id, label FROM topic_renames")
    given = {int(r.topic_id): r.label for r in current.itertuples(index=False)}
    known = set(store.query("SELECT topic_id FROM topics")["topic_id"].astype(int))
    changed = 0
    for topic_id, label in labels.items():
        if int(topic_id) not in known:
            logging.getLogger(__name__).warning(
                "topics.labels: no topic %s in the store (voc topics lists them)", topic_id
            )
            continue
        if given.get(int(topic_id)) != " ".join(label.split()):
            rename_topic(store, int(topic_id), label, source="config")
            changed += 1
    return changed


def topic_labels(store: Any, language: str | None = None) -> dict[int, str]:
    """Each topic's label, in ``language`` when the topic has a label in it (its alias)
    and no person renamed it; else its label. For readers that show one language, such
    as a digest in Japanese."""
    rows = store.query(
        "SELECT t.topic_id, t.label, t.aliases, r.label IS NOT NULL AS renamed "
        "FROM topics t LEFT JOIN topic_renames r USING (topic_id)"
    )
    labels = {}
    for row in rows.itertuples(index=False):
        aliases = json.loads(row.aliases) if isinstance(row.aliases, str) else {}
        use_alias = language is not None and not row.renamed and language in aliases
        labels[int(row.topic_id)] = aliases[language] if use_alias else str(row.label)
    return labels
