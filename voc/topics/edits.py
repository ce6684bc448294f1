"""A person's edits of the topics that the pain points must follow at once: a merge moves
sentences between topics, so the pain points (which count sentences per topic) are
recomputed right after. ``voc topics merge`` and the web app's Topics page both call
:func:`merge_topics`. (A rename changes only a label, which every reader joins at read
time: :func:`voc.topics.store.rename_topic` needs nothing more.)"""

from __future__ import annotations

from typing import Any

from voc.topics.store import merge_topic

__all__ = ["merge_topics"]


def merge_topics(store: Any, topic_id: int, into_id: int, source: str = "cli") -> dict[str, Any]:
    """Merge ``topic_id`` into ``into_id`` (:func:`voc.topics.store.merge_topic`, kept
    across refits) and recompute the pain points of every week.

    Args:
        store: A :class:`voc.store.warehouse.Warehouse` open for writing; hold the writer
            lock (:func:`voc.store.warehouse.writer_lock`) so no run writes meanwhile.
        topic_id: The topic merged away.
        into_id: The topic that takes its sentences.
        source: ``cli`` or ``ui``.

    Returns:
        :func:`~voc.topics.store.merge_topic`'s dict, with ``pain_points`` (the summary of
        :func:`voc.insights.painpoints.compute_pain_points`).

    Raises:
        VocError: as :func:`~voc.topics.store.merge_topic`.
    """
    from voc.insights.painpoints import compute_pain_points

    result = merge_topic(store, topic_id, into_id, source)
    result["pain_points"] = compute_pain_points(store, f"merge-{source}")
    return result
