"""What customers love: the week's topics that are mostly praise.

The mirror of a pain point (:mod:`voc.insights.painpoints`), kept short on purpose: a CX
team acts on complaints, and reads praise to know what not to break. A topic is praised in
a week when,
over its sentences of the records dated in the week (in the channel and touchpoint asked
for)::

    positive_share >= MIN_POSITIVE_SHARE (0.5)    # most of its sentences are positive
    and praises >= MIN_PRAISES (3)                # records x positive_share

the same floors as a pain point's (negative share 0.5, 3 complaints), so a topic is never
both. Ranked by praises, then records. Its quotes are its positive sentences of the week
(:func:`voc.insights.quotes.week_quotes` with ``"positive"``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from voc.insights.quotes import week_quotes
from voc.store import topics as store_topics
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week, iso_week_monday

__all__ = ["MIN_POSITIVE_SHARE", "MIN_PRAISES", "PRAISE_COLUMNS", "top_praise"]

#: A praised topic's sentences that week are at least this share positive.
MIN_POSITIVE_SHARE = 0.5
#: ... and it holds at least this many praises (records x positive share).
MIN_PRAISES = 3.0
#: The columns of :func:`top_praise`.
PRAISE_COLUMNS = [
    "rank",
    "week",
    "topic_id",
    "label",
    "keywords",
    "quotes",
    "volume",
    "positive_share",
    "negative_share",
    "praises",
]
# Topic -1 gathers sentences close to no topic: never a subject, never praised.
_OTHER_TOPIC = -1
_NO_TOUCHPOINT = "(none)"


def top_praise(
    store: Warehouse,
    week: str,
    limit: int = 5,
    channel: str | None = None,
    touchpoint: str | None = None,
    quotes: int = 1,
) -> pd.DataFrame:
    """The week's most praised topics, best first (module docstring).

    Args:
        store: An open store (read-only is fine).
        week: ISO week ``YYYY-Www``.
        limit: At most this many topics.
        channel: Only records of this channel.
        touchpoint: Only records with this touchpoint (``'(none)'``: records without one).
        quotes: Quotes per topic (its positive sentences of the week).

    Returns:
        :data:`PRAISE_COLUMNS`: ``rank``, ``week``, ``topic_id``, ``label``, ``keywords``,
        ``quotes`` (a list of :class:`~voc.insights.quotes.Quote`), ``volume`` (records
        with a sentence in the topic), ``positive_share`` and ``negative_share`` (of those
        sentences), ``praises`` (volume x positive share). Empty when nothing is praised.
    """
    monday = iso_week_monday(week)
    frame = store_topics.praised_topics(
        store,
        monday,
        channel=channel,
        touchpoint=touchpoint,
        no_touchpoint=_NO_TOUCHPOINT,
        other_topic=_OTHER_TOPIC,
        min_share=MIN_POSITIVE_SHARE,
        min_praises=MIN_PRAISES,
        limit=limit,
    )
    if frame.empty:
        return pd.DataFrame(columns=PRAISE_COLUMNS)
    topic_ids = [int(t) for t in frame["topic_id"]]
    picked = week_quotes(store, week, topic_ids, quotes, "positive")
    rows: list[dict[Any, Any]] = frame.to_dict("records")
    return pd.DataFrame(
        [
            {
                "rank": int(r["rank"]),
                "week": iso_week(monday),
                "topic_id": int(r["topic_id"]),
                "label": str(r["label"]),
                "keywords": [str(k) for k in r["keywords"]],
                "quotes": picked.get(int(r["topic_id"]), []),
                "volume": int(r["volume"]),
                "positive_share": float(r["positive_share"]),
                "negative_share": float(r["negative_share"]),
                "praises": float(r["praises"]),
            }
            for r in rows
        ],
        columns=PRAISE_COLUMNS,
    )
