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
    # The order within a topic: the wanted sentiment's strongest first; without a filter,
    # negative, neutral, positive, then the most negative score.
    strength = "-s.sentiment_score" if sentiment == "positive" else "s.sentiment_score"
    frame = store.con.execute(
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
            "monday": iso_week_monday(week),
            "sentiment": sentiment,
            "n": per_topic,
        },
    ).df()
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
