"""The one quote picker: a topic's sentences of one week, as a reader sees them.

``voc pain-points``, ``voc love``, ``voc topics show`` and the digest all quote through
:func:`week_quotes`, so a pain point carries the same quotes in the terminal and in the
digest. The rules:

- **This week only**: sentences of records dated (``created_at``, UTC) in the ISO week.
- **By sentiment**: ``"negative"`` keeps only sentences labelled negative (a pain point
  is quoted by its complaints, never by praise), most negative first; ``"positive"`` only
  positive ones, most positive first; ``None`` keeps every sentence, complaints first.
- **Redacted text only**: the stored sentences, redacted at ingest; nothing else is read.
- **One per record**, and no repeated wording ("Disappointed." and "disappointed").
- **Every language heard**: each language the topic was written in gets a quote before any
  gets a second one, so a subject shared by Japanese and English customers is quoted in
  both.
- **Informative first**: sentences under 12 characters (6 in Japanese) come after longer
  ones ("Bad." says little), and a quote longer than :data:`QUOTE_MAX_CHARS` is cut at a
  word and ends with "…".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from voc.store import topics as store_topics
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week_monday

__all__ = ["QUOTE_MAX_CHARS", "Quote", "shorten", "week_quotes"]

#: Longest quote shown, in characters; longer ones are cut at a word and end with "…".
QUOTE_MAX_CHARS = 280

Sentiment = Literal["negative", "positive"]


@dataclass(frozen=True)
class Quote:
    """A sentence a customer wrote (redacted), in its own language."""

    text: str
    language: str
    channel: str
    sentiment: str
    sentiment_score: float


def week_quotes(
    store: Warehouse,
    week: str,
    topic_ids: list[int],
    per_topic: int = 3,
    sentiment: Sentiment | None = "negative",
) -> dict[int, list[Quote]]:
    """Each topic's quotes of ``week`` (module docstring).

    Args:
        store: An open store (read-only is fine).
        week: ISO week ``YYYY-Www``.
        topic_ids: The topics to quote.
        per_topic: At most this many quotes per topic.
        sentiment: ``"negative"`` (complaints only), ``"positive"`` (praise only), or None
            (any sentence, complaints first).

    Returns:
        ``{topic_id: [Quote, ...]}``; a topic without a matching sentence that week maps
        to an empty list.
    """
    out: dict[int, list[Quote]] = {int(t): [] for t in topic_ids}
    if not topic_ids or per_topic <= 0:
        return out
    frame = store_topics.quote_candidates(
        store, iso_week_monday(week), topic_ids, per_topic, sentiment
    )
    for topic_id, group in frame.groupby("topic_id", sort=False):
        picked = out[int(str(topic_id))]
        seen: set[str] = set()
        rows: list[dict[Any, Any]] = group.to_dict("records")
        for row in rows:
            # "Disappointed." and "disappointed" are one quote, not two.
            key = re.sub(r"[\W_]+", "", str(row["text"]).casefold())
            if key in seen:
                continue
            seen.add(key)
            picked.append(
                Quote(
                    text=shorten(str(row["text"])),
                    language=str(row["language"]),
                    channel=str(row["channel"]),
                    sentiment=str(row["sentiment"]),
                    sentiment_score=float(row["sentiment_score"]),
                )
            )
            if len(picked) == per_topic:
                break
    return out


def shorten(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip(" ,.;:、。") + "…"
