"""Reads of the topic registry (``topics``) and of sentences' topics: questions about a
topic, the week's praised topics and the quote picker's candidates.

And the writes of a topic update (:mod:`voc.topics.store` decides what to fit and
assign; the rows land here): the registry, the stored model, sentences' topics, the
labels a person gave.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from voc.store.feedback import dated_records_sql
from voc.store.topic_renames import RenameCarry, keep_renamed_sentences, settle_renames
from voc.store.vectors import decode_matrix
from voc.store.warehouse import Warehouse

__all__ = [
    "PAIN_POINT_LABEL_SQL",
    "UNDATED",
    "active_topics",
    "add_assignments",
    "assigned_since_fit",
    "given_labels",
    "given_merges",
    "has_topic_model",
    "label_sql",
    "latest_sentence_week",
    "praised_topics",
    "quote_candidates",
    "record_topics",
    "registry_rows",
    "replace_topics",
    "restore_own_label",
    "set_given_label",
    "set_merge",
    "topic_breakdown",
    "topic_ids",
    "topic_label",
    "topic_labels",
    "topic_model_row",
    "topic_phrases",
    "topic_row",
    "topic_sentences",
    "topic_table",
]


def topic_table(store: Warehouse) -> pd.DataFrame:
    """Every registered topic: ``topic_id``, ``label``, ``keywords``, ``status``, ``size``."""
    return store._con.execute(
        "SELECT topic_id, label, keywords, status, size FROM topics ORDER BY topic_id"
    ).df()


def active_topics(store: Warehouse, other_topic: int) -> pd.DataFrame:
    """The active topics but ``other_topic``, largest first, with their sentences now.

    Columns: ``topic_id``, ``label``, ``keywords``, ``size``, ``first_seen``,
    ``last_seen``, ``sentences`` (assigned), ``negative_share`` (of those).
    """
    return store._con.execute(
        """
        WITH assigned AS (
            SELECT t.topic_id, count(*) AS sentences,
                   avg((s.sentiment = 'negative')::INT) AS negative_share
            FROM sentence_topics t JOIN sentences s USING (feedback_id, sentence_index)
            GROUP BY t.topic_id
        )
        SELECT t.topic_id, t.label, t.keywords, t.size, t.first_seen, t.last_seen,
               coalesce(a.sentences, 0) AS sentences, a.negative_share
        FROM topics t LEFT JOIN assigned a USING (topic_id)
        WHERE t.status = 'active' AND t.topic_id <> ?
        ORDER BY t.size DESC, t.topic_id
        """,
        [other_topic],
    ).df()


def topic_row(store: Warehouse, topic_id: int) -> pd.DataFrame:
    """The registry row of ``topic_id`` (empty when none): ``label``, ``keywords``,
    ``status``, ``size``, ``first_seen``, ``last_seen``."""
    return store._con.execute(
        "SELECT label, keywords, status, size, first_seen, last_seen FROM topics "
        "WHERE topic_id = ?",
        [topic_id],
    ).df()


def topic_breakdown(store: Warehouse, topic_id: int, no_touchpoint: str) -> pd.DataFrame:
    """The dated records with a sentence of ``topic_id``, one row per touchpoint.

    Columns: ``channel``, ``touchpoint``, ``n`` (the record's sentences of the topic),
    ``negative`` (of those, negative).
    """
    return store._con.execute(
        f"""
        WITH records AS ({dated_records_sql(no_touchpoint)}),
        topic_records AS (
            SELECT t.feedback_id, count(*) AS n,
                   count(*) FILTER (WHERE s.sentiment = 'negative') AS negative
            FROM sentence_topics t JOIN sentences s USING (feedback_id, sentence_index)
            WHERE t.topic_id = ? GROUP BY t.feedback_id
        )
        SELECT r.channel, unnest(r.touchpoints) AS touchpoint, tr.n, tr.negative
        FROM topic_records tr JOIN records r USING (feedback_id)
        """,
        [topic_id],
    ).df()


def praised_topics(
    store: Warehouse,
    monday: date,
    *,
    channel: str | None,
    touchpoint: str | None,
    no_touchpoint: str,
    other_topic: int,
    min_share: float,
    min_praises: float,
    limit: int,
) -> pd.DataFrame:
    """The topics of the records dated in the week from ``monday`` that are mostly praise,
    best first (:mod:`voc.insights.praise` says the rule).

    Args:
        channel, touchpoint: Only records of this channel / with this touchpoint
            (``no_touchpoint``: records without one); None: all.
        other_topic: The catch-all topic's id, never praised.
        min_share, min_praises: The floors on the positive share and on volume x share.
        limit: At most this many topics.

    Returns:
        ``rank``, ``topic_id``, ``label``, ``keywords``, ``volume``, ``positive_share``,
        ``negative_share``, ``praises``.
    """
    return store._con.execute(
        """
        WITH records AS (
            SELECT f.feedback_id
            FROM feedback f LEFT JOIN analysis a USING (feedback_id)
            WHERE f.created_at >= $monday AND f.created_at < $monday + INTERVAL 7 DAY
              AND ($channel IS NULL OR f.channel = $channel)
              AND ($touchpoint IS NULL
                   OR list_contains(coalesce(a.touchpoints, []), $touchpoint)
                   OR ($touchpoint = $none AND len(coalesce(a.touchpoints, [])) = 0))
        ),
        topics_of_week AS (
            SELECT st.topic_id, count(DISTINCT s.feedback_id) AS volume,
                   avg((s.sentiment = 'positive')::INT) AS positive_share,
                   avg((s.sentiment = 'negative')::INT) AS negative_share
            FROM records r
            JOIN sentences s USING (feedback_id)
            JOIN sentence_topics st USING (feedback_id, sentence_index)
            WHERE st.topic_id <> $other
            GROUP BY st.topic_id
        )
        SELECT row_number() OVER (ORDER BY w.volume * w.positive_share DESC, w.volume DESC,
                                           w.topic_id) AS rank,
               w.topic_id, coalesce(t.label, 'topic ' || w.topic_id) AS label,
               coalesce(t.keywords, []) AS keywords, w.volume, w.positive_share,
               w.negative_share, w.volume * w.positive_share AS praises
        FROM topics_of_week w LEFT JOIN topics t USING (topic_id)
        WHERE w.positive_share >= $min_share AND w.volume * w.positive_share >= $min_praises
        ORDER BY rank
        LIMIT $limit
        """,
        {
            "monday": monday,
            "channel": channel,
            "touchpoint": touchpoint,
            "none": no_touchpoint,
            "other": other_topic,
            "min_share": min_share,
            "min_praises": min_praises,
            "limit": limit,
        },
    ).df()


def quote_candidates(
    store: Warehouse,
    monday: date,
    topic_ids: list[int],
    per_topic: int,
    sentiment: str | None,
) -> pd.DataFrame:
    """Candidate quotes of ``topic_ids`` from the records dated in the week from ``monday``:
    one sentence per record, at most ``per_topic + 2`` per topic and language, in the
    order :func:`voc.insights.quotes.week_quotes` picks them (short ones last).

    Args:
        sentiment: ``"negative"``, ``"positive"``, or None (any, complaints first).

    Returns:
        ``topic_id``, ``text``, ``language``, ``channel``, ``sentiment``,
        ``sentiment_score``.
    """
    # The order within a topic: the wanted sentiment's strongest first; without a filter,
    # negative, neutral, positive, then the most negative score.
    strength = "-s.sentiment_score" if sentiment == "positive" else "s.sentiment_score"
    return store._con.execute(
        f"""
        WITH candidates AS (
            SELECT t.topic_id, s.feedback_id, s.text, s.language, s.sentiment,
                   s.sentiment_score, t.similarity, f.channel,
                   length(trim(s.text)) < CASE WHEN s.language = 'ja' THEN 6 ELSE 12 END
                       AS short,
                   CASE s.sentiment WHEN 'negative' THEN 0 WHEN 'neutral' THEN 1 ELSE 2 END
                       AS polarity,
                   {strength} AS strength
            FROM sentence_topics t
            JOIN sentences s USING (feedback_id, sentence_index)
            JOIN feedback f USING (feedback_id)
            WHERE list_contains($ids, t.topic_id)
              AND f.created_at >= $monday AND f.created_at < $monday + INTERVAL 7 DAY
              AND ($sentiment IS NULL OR s.sentiment = $sentiment)
        ),
        one_per_record AS (
            SELECT *, row_number() OVER (
                       PARTITION BY topic_id, feedback_id
                       ORDER BY short, polarity, strength, similarity DESC, text) AS in_record
            FROM candidates
        ),
        ranked AS (
            SELECT *, row_number() OVER (
                       PARTITION BY topic_id, language
                       ORDER BY short, polarity, strength, similarity DESC, feedback_id, text
                   ) AS in_language
            FROM one_per_record WHERE in_record = 1
        )
        SELECT topic_id, text, language, channel, sentiment, sentiment_score
        FROM ranked WHERE in_language <= $n + 2
        ORDER BY topic_id, short, in_language, polarity, strength, text
        """,
        {
            "ids": [int(t) for t in topic_ids],
            "monday": monday,
            "sentiment": sentiment,
            "n": per_topic,
        },
    ).df()


# -- the topic model, the registry and sentences' topics (voc.topics.store's) ------------

#: The week of a sentence whose record has no date.
UNDATED = "undated"


def topic_sentences(
    store: Warehouse, embedder: str, only_unassigned: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """Stored sentences embedded by ``embedder`` (only those without a topic when
    ``only_unassigned``), ordered by record and index.

    Returns:
        ``feedback_id``, ``sentence_index``, ``text``, ``language``, ``sentiment``,
        ``week`` (ISO week of the record, :data:`UNDATED` without a date), and their
        float32 vectors (shape
        ``(len(frame), dim)``, ``(0, 0)`` when none).
    """
    where = (
        "WHERE NOT EXISTS (SELECT 1 FROM sentence_topics t WHERE t.feedback_id = s.feedback_id "
        "AND t.sentence_index = s.sentence_index)"
        if only_unassigned
        else ""
    )
    frame = store._con.execute(
        f"""
        SELECT s.feedback_id, s.sentence_index, s.text, s.language, s.sentiment, e.vector,
               coalesce(strftime(f.created_at, '%G-W%V'), ?) AS week
        FROM sentences s
        JOIN embeddings e ON e.text_hash = s.text_hash AND e.embedder = ?
        JOIN feedback f USING (feedback_id)
        {where}
        ORDER BY s.feedback_id, s.sentence_index
        """,
        [UNDATED, embedder],
    ).df()
    if frame.empty:
        vectors = np.zeros((0, 0), dtype=np.float32)
    else:
        vectors = decode_matrix(b"".join(bytes(v) for v in frame["vector"]), len(frame))
    return frame.drop(columns="vector"), vectors


def registry_rows(store: Warehouse, other_topic: int) -> pd.DataFrame:
    """The registry's topics but ``other_topic``, by id: ``topic_id``, ``label``,
    ``keywords``, ``centroid`` (float32 bytes), ``size``, ``first_seen``, ``last_seen``,
    ``status``, ``aliases``, ``complaint_label``, ``complaint_aliases`` (JSON text)."""
    return store._con.execute(
        "SELECT topic_id, label, keywords, centroid, size, first_seen, last_seen, status, "
        "aliases, complaint_label, complaint_aliases FROM topics WHERE topic_id <> ? "
        "ORDER BY topic_id",
        [other_topic],
    ).df()


def topic_model_row(store: Warehouse) -> pd.DataFrame:
    """The stored topic model's one row (empty before the first fit)."""
    return store._con.execute("SELECT * FROM topic_model WHERE model_id = 1").df()


def has_topic_model(store: Warehouse) -> bool:
    """Whether the store has a ``topic_model`` table (a store older than topics has not)."""
    return "topic_model" in {row[0] for row in store._con.execute("SHOW TABLES").fetchall()}


def latest_sentence_week(store: Warehouse) -> str | None:
    """The latest ISO week of an analysed, dated record (None when none)."""
    row = store._con.execute(
        "SELECT max(strftime(f.created_at, '%G-W%V')) FROM sentences s "
        "JOIN feedback f USING (feedback_id)"
    ).fetchone()
    week = row[0] if row is not None else None
    return week if isinstance(week, str) else None


def assigned_since_fit(store: Warehouse, other_topic: int) -> tuple[int, float]:
    """Sentences assigned since the topic model's last fit, and the share of them that
    went to ``other_topic``."""
    row = store._con.execute(
        "SELECT count(*), coalesce(avg((t.topic_id = ?)::INT), 0) "
        "FROM sentence_topics t JOIN topic_model m ON t.run_id <> m.run_id",
        [other_topic],
    ).fetchone()
    return (int(row[0]), float(row[1])) if row is not None else (0, 0.0)


def topic_phrases(store: Warehouse, complaints: bool = False) -> dict[int, list[str]]:
    """Each registered topic's key phrases, or with ``complaints`` its complaints' key
    phrases (empty list when none)."""
    column = "complaint_phrases" if complaints else "phrases"
    rows = store._con.execute(
        f"SELECT topic_id, coalesce({column}, []::VARCHAR[]) FROM topics"
    ).fetchall()
    return {int(topic_id): list(phrases) for topic_id, phrases in rows}


def replace_topics(
    store: Warehouse,
    topics: pd.DataFrame | Callable[[], pd.DataFrame],
    events: pd.DataFrame,
    assignments: pd.DataFrame | Iterable[pd.DataFrame] | Callable[[], None],
    model_row: pd.DataFrame | Callable[[], pd.DataFrame],
    renames: RenameCarry | None = None,
) -> None:
    """After a refit, in one transaction: the registry, every sentence's topic and the
    model are replaced, the events added, a topic's ``created_run`` kept from before, and
    the merges a person made and the labels a person gave put back (:func:`_apply_merges`,
    :func:`_apply_renames`). With ``renames``, a label given to a topic the refit retired
    goes where ``renames`` says first (:func:`voc.store.topic_renames.settle_renames`).

    ``assignments`` may be one frame, frames one after another, or a function that
    writes them in this transaction (a refit of a large store assigns each embedded text
    piece by piece and gives every sentence its text's topic inside DuckDB,
    :func:`voc.store.sentence_pieces.write_text_topics`); ``topics`` and ``model_row``
    may then be functions, called once every assignment is written (the topics' sizes
    count them).
    """
    with store.transaction() as con:
        renamed = keep_renamed_sentences(con) if renames is not None else []
        previous = dict(con.execute("SELECT topic_id, created_run FROM topics").fetchall())
        for table in ("topics", "sentence_topics", "topic_model"):
            con.execute(f"DELETE FROM {table}")
        if callable(assignments):
            assignments()
        else:
            for frame in [assignments] if isinstance(assignments, pd.DataFrame) else assignments:
                store.insert_frame("sentence_topics", frame)
        topics = (topics() if callable(topics) else topics).copy()
        pairs = zip(topics["topic_id"], topics["created_run"], strict=True)
        topics["created_run"] = [previous.get(int(i), run) for i, run in pairs]
        store.insert_frame("topics", topics)
        store.insert_frame("topic_events", events, keyed=False)
        store.insert_frame("topic_model", model_row() if callable(model_row) else model_row)
        _apply_merges(con)
        if renamed and renames is not None:
            settle_renames(con, renamed, renames)
        _apply_renames(con)


def add_assignments(store: Warehouse, rows: pd.DataFrame) -> None:
    """Add sentences' topics (``feedback_id``, ``sentence_index``, ``topic_id``,
    ``similarity``, ``run_id``); a sentence that has one keeps it."""
    with store.transaction():
        store.insert_frame("sentence_topics", rows)


def record_topics(store: Warehouse, other_topic: int) -> pd.DataFrame:
    """Each analysed record's main topic: the topic holding most of its characters
    (``other_topic`` only when none of its sentences has another), with the topic's label
    (``feedback_id``, ``topic_id``, ``topic_label``)."""
    return (
        store._con.execute(
            """
        WITH weighted AS (
            SELECT t.feedback_id, t.topic_id, sum(length(s.text)) AS chars
            FROM sentence_topics t JOIN sentences s USING (feedback_id, sentence_index)
            GROUP BY ALL
        )
        SELECT w.feedback_id, arg_max(w.topic_id, (w.topic_id <> ?, w.chars, -w.topic_id))
               AS topic_id
        FROM weighted w GROUP BY w.feedback_id
        """,
            [other_topic],
        )
        .df()
        .merge(
            store._con.execute("SELECT topic_id, label AS topic_label FROM topics").df(),
            how="left",
            on="topic_id",
        )
    )


def label_sql(language: str | None = None, pain_points: bool = False) -> str:
    """What a topic, or with ``pain_points`` its pain point, is called, as SQL over
    ``topics t``: the one rule the digest, ``voc pain-points``, ``voc love``, alerts and
    the web app read labels by.

    1. The label a person gave (kept in ``topic_renames`` and put on ``t.label``) wins.
    2. A pain point is named by its complaints (``complaint_label``, a phrase of the
       topic's negative sentences) when the topic has one, else by the topic's label.
    3. Of that label, the one in ``language`` when it has one (its alias: the English
       digest reads "charged twice", the Japanese one クレジットカード), else the stored one:
       the fit labels a topic in ``digest.language`` when it has a label in it, so a
       store's own labels are those of the configured language (None).

    Args:
        language: ``en``, ``ja``, ...; None: the stored labels.
        pain_points: Name pain points (rule 2).

    Raises:
        ValueError: ``language`` is no language code (it is written into the SQL).
    """
    if language is not None and not re.fullmatch(r"[a-z]{2,3}", language):
        raise ValueError(f"language {language!r}: write a code such as en or ja")

    def in_language(label: str, aliases: str) -> str:
        if language is None:
            return label
        return f"coalesce(json_extract_string({aliases}, '$.{language}'), {label})"

    named = in_language("t.label", "t.aliases")
    if pain_points:
        complaint = in_language("t.complaint_label", "t.complaint_aliases")
        named = f"CASE WHEN t.complaint_label IS NULL THEN {named} ELSE {complaint} END"
    return (
        "CASE WHEN t.topic_id IN (SELECT topic_id FROM topic_renames) THEN t.label "
        f"ELSE {named} END"
    )


#: What a pain point is called in the store's own labels (:func:`label_sql`).
PAIN_POINT_LABEL_SQL = label_sql(pain_points=True)


def topic_labels(
    store: Warehouse, language: str | None = None, pain_points: bool = False
) -> dict[int, str]:
    """Each topic's label by id (:func:`label_sql`): in ``language`` when it has a label
    in it, else its own; a person's label first. With ``pain_points``, what each topic's
    pain point is called (its complaints' label)."""
    rows = store._con.execute(
        f"SELECT t.topic_id, {label_sql(language, pain_points)} FROM topics t"
    ).fetchall()
    return {int(topic_id): str(label) for topic_id, label in rows}


def topic_label(store: Warehouse, topic_id: int) -> str | None:
    """The label of ``topic_id`` (None when there is no such topic)."""
    row = store._con.execute(
        "SELECT label FROM topics WHERE topic_id = ?", [int(topic_id)]
    ).fetchone()
    return None if row is None else str(row[0])


def topic_ids(store: Warehouse) -> set[int]:
    """The ids of every registered topic."""
    return {int(row[0]) for row in store._con.execute("SELECT topic_id FROM topics").fetchall()}


def given_labels(store: Warehouse) -> dict[int, str]:
    """The labels a person gave (``voc topics rename``, the config), by topic id."""
    rows = store._con.execute("SELECT topic_id, label FROM topic_renames").fetchall()
    return {int(topic_id): str(label) for topic_id, label in rows}


def set_given_label(store: Warehouse, topic_id: int, label: str, source: str, at: datetime) -> None:
    """Keep ``label`` as the one a person gave ``topic_id`` (none when empty) and put it on
    the topic now."""
    with store.transaction() as con:
        con.execute("DELETE FROM topic_renames WHERE topic_id = ?", [int(topic_id)])
        if label:
            con.execute(
                "INSERT INTO topic_renames VALUES (?, ?, ?, ?)",
                [int(topic_id), label, source, at],
            )
            _apply_renames(con)


def restore_own_label(store: Warehouse, topic_id: int, language: str) -> str | None:
    """Put the topic's own label (the one its fit found, kept in ``aliases``: in
    ``language`` when it has one there, else in the first of its languages) back on it,
    after a person's label was taken away. Returns it, or None when the topic has none
    (a store from before labels had languages: left as it is)."""
    row = store._con.execute(
        "SELECT aliases FROM topics WHERE topic_id = ?", [int(topic_id)]
    ).fetchone()
    aliases = json.loads(row[0]) if row is not None and row[0] else {}
    own = aliases.get(language) or next((aliases[k] for k in sorted(aliases)), None)
    if own is None:
        return None
    store._con.execute("UPDATE topics SET label = ? WHERE topic_id = ?", [own, int(topic_id)])
    return str(own)


def _apply_renames(con: Any) -> None:
    """Put every label a person gave on its topic (after a refit rewrote the topics)."""
    con.execute(
        "UPDATE topics SET label = r.label FROM topic_renames r "
        "WHERE topics.topic_id = r.topic_id AND topics.label <> r.label"
    )


# -- merges a person made (migration 006_topic_merges.sql) --------------------------------


def given_merges(store: Warehouse) -> dict[int, int]:
    """The merges a person made (``voc topics merge``, the web app): merged topic id ->
    the id that holds its sentences now. Empty on a store older than merges."""
    if "topic_merges" not in {r[0] for r in store._con.execute("SHOW TABLES").fetchall()}:
        return {}
    rows = store._con.execute("SELECT topic_id, into_id FROM topic_merges").fetchall()
    return {int(topic_id): int(into_id) for topic_id, into_id in rows}


def set_merge(
    store: Warehouse, topic_id: int, into_id: int, source: str, at: datetime, run_id: str
) -> int:
    """Keep that ``topic_id`` is merged into ``into_id`` and apply it now: its sentences
    move to ``into_id``, it is marked ``merged`` (with a ``merged`` event), the stored
    model assigns its centroid's sentences to ``into_id``; earlier merges into
    ``topic_id`` now point at ``into_id``. One transaction.

    Returns:
        The sentences moved.
    """
    with store.transaction() as con:
        moved = con.execute(
            "SELECT count(*) FROM sentence_topics WHERE topic_id = ?", [int(topic_id)]
        ).fetchall()[0][0]
        con.execute(
            "UPDATE topic_merges SET into_id = ? WHERE into_id = ?", [int(into_id), int(topic_id)]
        )
        con.execute("DELETE FROM topic_merges WHERE topic_id = ?", [int(topic_id)])
        con.execute(
            "INSERT INTO topic_merges VALUES (?, ?, ?, ?)",
            [int(topic_id), int(into_id), source, at],
        )
        con.execute(
            "INSERT INTO topic_events VALUES (?, 'merged', ?, ?, ?, ?)",
            [run_id, int(topic_id), [int(into_id)], f"merged by a person ({source})", at],
        )
        _apply_merges(con)
    return int(moved)


def _apply_merges(con: Any) -> None:
    """Put every merge a person made back: the merged topics' sentences belong to the
    survivors, the merged topics are ``merged`` (a survivor holding sentences is
    ``active``), and the stored model assigns the merged topics' centroids to the
    survivors (after a refit rewrote the topics, the sentences and the model)."""
    merges = dict(con.execute("SELECT topic_id, into_id FROM topic_merges").fetchall())
    if not merges:
        return
    con.execute(
        "UPDATE sentence_topics SET topic_id = m.into_id FROM topic_merges m "
        "WHERE sentence_topics.topic_id = m.topic_id"
    )
    con.execute(
        "UPDATE topics SET status = 'merged' FROM topic_merges m "
        "WHERE topics.topic_id = m.topic_id AND topics.status <> 'merged'"
    )
    con.execute(
        "UPDATE topics SET status = 'active' WHERE status <> 'active' "
        "AND topic_id IN (SELECT into_id FROM topic_merges) "
        "AND topic_id IN (SELECT DISTINCT topic_id FROM sentence_topics)"
    )
    for model_id, ids in con.execute("SELECT model_id, topic_ids FROM topic_model").fetchall():
        mapped = [int(merges.get(int(i), int(i))) for i in ids]
        if mapped != [int(i) for i in ids]:
            con.execute(
                "UPDATE topic_model SET topic_ids = ? WHERE model_id = ?", [mapped, model_id]
            )
