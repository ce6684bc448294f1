"""Labels a person gave (``topic_renames``) across a refit that retires their topic: the
facts a refit decides on (:mod:`voc.topics.renames` decides), the carry written back, and
the reads that report it (``voc topics``, ``voc topics show``, ``topics.labels``).

A refit records what it did with such a label in ``topic_events``: ``label_carried`` on
the topic that took the label (``related``: the retired topic), ``label_not_carried`` on
the retired topic (``related``: the topics its sentences went to); ``detail`` is the line
a person reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from voc.store.warehouse import Warehouse

__all__ = [
    "LABEL_CARRIED",
    "LABEL_NOT_CARRIED",
    "RenameCarry",
    "carried_labels",
    "keep_renamed_sentences",
    "label_history",
    "orphaned_renames",
    "settle_renames",
]

LABEL_CARRIED = "label_carried"
LABEL_NOT_CARRIED = "label_not_carried"

#: Given the renamed topics a refit retired (id -> label), where their sentences went
#: (``(retired id, topic id now, sentences)``), every label a person gave and the active
#: topics: the ``topic_events`` rows to write, as dicts (``run_id``, ``event``,
#: ``topic_id``, ``related``, ``detail``, ``occurred_at``).
RenameCarry = Callable[
    [dict[int, str], list[tuple[int, int, int]], dict[int, str], set[int]],
    list[dict[str, Any]],
]

_BEFORE = "renamed_sentences_before_refit"


def keep_renamed_sentences(con: Any) -> list[int]:
    """Before a refit rewrites the sentences' topics: keep (in a temporary table) which
    sentences each active, renamed topic holds, and return those topics' ids. A topic a
    person merged away is left out: its merge, not a rename, says where it went."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_BEFORE} AS "
        "SELECT s.feedback_id, s.sentence_index, s.topic_id FROM sentence_topics s "
        "JOIN topic_renames r USING (topic_id) JOIN topics t USING (topic_id) "
        "WHERE t.status = 'active' AND s.topic_id NOT IN (SELECT topic_id FROM topic_merges)"
    )
    rows = con.execute(
        "SELECT r.topic_id FROM topic_renames r JOIN topics t USING (topic_id) "
        "WHERE t.status = 'active' AND r.topic_id NOT IN (SELECT topic_id FROM topic_merges)"
    ).fetchall()
    return sorted(int(row[0]) for row in rows)


def settle_renames(con: Any, renamed: list[int], decide: RenameCarry) -> None:
    """After a refit wrote the new topics and sentences (and the merges a person made are
    back): the renamed topics of ``renamed`` it retired, where their sentences went, and
    ``decide``'s events written; a ``label_carried`` event moves the label to its topic."""
    try:
        status = dict(con.execute("SELECT topic_id, status FROM topics").fetchall())
        rows = con.execute("SELECT topic_id, label FROM topic_renames").fetchall()
        given = {int(t): str(label) for t, label in rows}
        retired = {t: given[t] for t in renamed if status.get(t) != "active" and t in given}
        if not retired:
            return
        overlap = con.execute(
            f"SELECT b.topic_id, coalesce(s.topic_id, -1), count(*)::BIGINT FROM {_BEFORE} b "
            "LEFT JOIN sentence_topics s USING (feedback_id, sentence_index) "
            f"WHERE b.topic_id IN ({', '.join('?' * len(retired))}) GROUP BY ALL",
            list(retired),
        ).fetchall()
        active = {int(t) for t, s in status.items() if s == "active"}
        counts = [(int(old), int(new), int(n)) for old, new, n in overlap]
        for event in decide(retired, counts, given, active):
            related = [int(r) for r in event["related"]]
            if event["event"] == LABEL_CARRIED:
                con.execute(
                    "UPDATE topic_renames SET topic_id = ? WHERE topic_id = ?",
                    [int(event["topic_id"]), related[0]],
                )
            con.execute(
                "INSERT INTO topic_events VALUES (?, ?, ?, ?::INTEGER[], ?, ?)",
                [event["run_id"], event["event"], int(event["topic_id"]), related,
                 event["detail"], event["occurred_at"]],
            )  # fmt: skip
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_BEFORE}")


#: The migration that added ``topic_merges`` (``topic_renames`` came before it): a store
#: opened read-only before it has no labels a refit could have left behind.
_MERGES_VERSION = 6


def orphaned_renames(store: Warehouse) -> pd.DataFrame:
    """Labels a person gave that no active topic shows: on a topic a refit retired (a
    person's merge aside). ``topic_id``, ``label``, ``status`` (``retired`` or ``merged``),
    ``detail`` (the refit's line on why it was not carried; None for a label given to a
    topic already retired)."""
    if store.schema_version < _MERGES_VERSION:
        return pd.DataFrame(columns=["topic_id", "label", "status", "detail"])
    return store._con.execute(
        f"""
        SELECT r.topic_id, r.label, t.status,
               (SELECT e.detail FROM topic_events e
                WHERE e.topic_id = r.topic_id AND e.event = '{LABEL_NOT_CARRIED}'
                ORDER BY e.occurred_at DESC LIMIT 1) AS detail
        FROM topic_renames r JOIN topics t USING (topic_id)
        WHERE t.status <> 'active' AND r.topic_id NOT IN (SELECT topic_id FROM topic_merges)
        ORDER BY r.topic_id
        """
    ).df()


def carried_labels(store: Warehouse) -> dict[int, int]:
    """Where refits carried labels: retired topic id -> the topic that took its label (the
    latest carry of each)."""
    if store.schema_version < _MERGES_VERSION:
        return {}
    rows = store._con.execute(
        f"SELECT related[1], topic_id FROM topic_events WHERE event = '{LABEL_CARRIED}' "
        "ORDER BY occurred_at"
    ).fetchall()
    return {int(old): int(new) for old, new in rows}


def label_history(store: Warehouse, topic_id: int) -> pd.DataFrame:
    """What refits did with labels a person gave, about ``topic_id`` (carried to it or
    from it, or not carried), oldest first: ``occurred_at``, ``run_id``, ``event``,
    ``detail``."""
    if store.schema_version < _MERGES_VERSION:
        return pd.DataFrame(columns=["occurred_at", "run_id", "event", "detail"])
    return store._con.execute(
        "SELECT occurred_at, run_id, event, detail FROM topic_events "
        "WHERE event IN (?, ?) AND (topic_id = ? OR list_contains(related, ?)) "
        "ORDER BY occurred_at",
        [LABEL_CARRIED, LABEL_NOT_CARRIED, int(topic_id), int(topic_id)],
    ).df()
