"""Reads the web app (``voc ui``, :mod:`voc.ui`) needs beyond the CLI's questions, and the
one write that builds the page-load benchmark's large store.

Every read takes an open :class:`~voc.store.warehouse.Warehouse` (the app opens the store
read-only through :func:`voc.store.warehouse.connect_reader`, so during a run it reads the
last run's snapshot) and returns a frame or plain values. Texts are the stored ones,
redacted at ingest; nothing here reads a raw payload the ingest did not redact.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from voc.store.feedback import dated_records_sql
from voc.store.topics import PAIN_POINT_LABEL_SQL
from voc.store.warehouse import Warehouse

__all__ = [
    "duplicate_records",
    "languages",
    "quarantine_by_reason",
    "sources",
    "subset_pain_points",
    "survey_history",
    "topic_records",
    "trend_by_channel",
]

#: The roll-up value of ``pain_points`` and ``survey_metrics`` (every channel/touchpoint).
ALL = "*"


def languages(store: Warehouse) -> list[str]:
    """Every language of a stored record, most records first."""
    rows = store._con.execute(
        "SELECT language FROM feedback WHERE language IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def sources(store: Warehouse) -> list[str]:
    """Every configured source that stored a record, most records first."""
    rows = store._con.execute(
        "SELECT source FROM feedback GROUP BY 1 ORDER BY count(*) DESC, 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _subset_sql(no_touchpoint: str) -> str:
    """Dated records of the week from ``$monday`` (and the week before) in the subset
    ``$channel``, ``$touchpoint``, ``$language``, ``$source`` (NULL: any)."""
    return f"""
        WITH records AS ({dated_records_sql(no_touchpoint)}),
        subset AS (
            SELECT r.feedback_id, r.created_at >= $monday AS this_week
            FROM records r JOIN feedback f USING (feedback_id)
            WHERE r.created_at >= $monday - INTERVAL 7 DAY
              AND r.created_at < $monday + INTERVAL 7 DAY
              AND ($channel IS NULL OR r.channel = $channel)
              AND ($touchpoint IS NULL OR list_contains(r.touchpoints, $touchpoint))
              AND ($language IS NULL OR f.language = $language)
              AND ($source IS NULL OR f.source = $source)
        )
    """


def subset_pain_points(
    store: Warehouse,
    monday: date,
    *,
    channel: str | None,
    touchpoint: str | None,
    language: str | None,
    source: str | None,
    no_touchpoint: str,
    other_topic: int,
    min_negative_share: float,
    min_complaints: float,
    limit: int,
) -> pd.DataFrame:
    """The week's pain points among the records of one language and/or source (the
    ``pain_points`` table is kept per channel x touchpoint only, so a subset by language
    or source is counted here, with the same floors).

    Returns:
        Most complaints first: ``rank``, ``topic_id``, ``label``, ``volume`` (records of
        the subset with a sentence in the topic), ``negative_share`` (of those
        sentences), ``previous_volume`` (the week before, same subset), ``complaints``
        (volume x negative share), ``emerging`` (the topic's whole-week flag).
    """
    return store._con.execute(
        f"""
        {_subset_sql(no_touchpoint)},
        counted AS (
            SELECT st.topic_id,
                   count(DISTINCT s.feedback_id) FILTER (WHERE b.this_week) AS volume,
                   count(DISTINCT s.feedback_id) FILTER (WHERE NOT b.this_week)
                       AS previous_volume,
                   avg((s.sentiment = 'negative')::INT) FILTER (WHERE b.this_week)
                       AS negative_share
            FROM subset b
            JOIN sentences s USING (feedback_id)
            JOIN sentence_topics st USING (feedback_id, sentence_index)
            WHERE st.topic_id <> $other
            GROUP BY st.topic_id
        )
        SELECT row_number() OVER (ORDER BY c.volume * c.negative_share DESC, c.volume DESC,
                                           c.topic_id) AS rank,
               c.topic_id, coalesce({PAIN_POINT_LABEL_SQL}, 'topic ' || c.topic_id) AS label,
               c.volume,
               c.negative_share, c.previous_volume,
               c.volume * c.negative_share AS complaints,
               coalesce(p.emerging, false) AS emerging
        FROM counted c
        LEFT JOIN topics t USING (topic_id)
        LEFT JOIN pain_points p ON p.topic_id = c.topic_id AND p.week = strftime($monday, '%G-W%V')
             AND p.channel = '{ALL}' AND p.touchpoint = '{ALL}'
        WHERE c.volume > 0 AND c.negative_share >= $min_share
          AND c.volume * c.negative_share >= $min_complaints
        ORDER BY rank LIMIT $limit
        """,
        {
            "monday": monday,
            "channel": channel,
            "touchpoint": touchpoint,
            "language": language,
            "source": source,
            "other": other_topic,
            "min_share": min_negative_share,
            "min_complaints": min_complaints,
            "limit": limit,
        },
    ).df()


def topic_records(
    store: Warehouse,
    monday: date,
    topic_id: int,
    *,
    channel: str | None,
    touchpoint: str | None,
    language: str | None,
    source: str | None,
    no_touchpoint: str,
    limit: int = 50,
) -> pd.DataFrame:
    """The records behind a pain point: those of the week from ``monday`` (in the subset)
    with a sentence in ``topic_id``, the most negative first.

    Returns:
        ``feedback_id``, ``created_at``, ``source``, ``channel``, ``language``,
        ``rating``, ``rating_scale``, ``sentiment`` (the record's), ``touchpoints``,
        ``topic_sentences`` (its sentences in the topic), ``text`` (the whole record,
        redacted at ingest).
    """
    return store._con.execute(
        f"""
        {_subset_sql(no_touchpoint)},
        hits AS (
            SELECT b.feedback_id, count(*) AS topic_sentences,
                   min(s.sentiment_score) AS worst
            FROM subset b
            JOIN sentences s USING (feedback_id)
            JOIN sentence_topics st USING (feedback_id, sentence_index)
            WHERE b.this_week AND st.topic_id = $topic
            GROUP BY b.feedback_id
        )
        SELECT f.feedback_id, f.created_at, f.source, f.channel, f.language, f.rating,
               f.rating_scale, a.sentiment, a.touchpoints, h.topic_sentences, f.text
        FROM hits h JOIN feedback f USING (feedback_id)
        LEFT JOIN analysis a USING (feedback_id)
        ORDER BY h.worst, f.created_at DESC, f.feedback_id
        LIMIT $limit
        """,
        {
            "monday": monday,
            "topic": int(topic_id),
            "channel": channel,
            "touchpoint": touchpoint,
            "language": language,
            "source": source,
            "limit": int(limit),
        },
    ).df()


def trend_by_channel(
    store: Warehouse,
    unit: str,
    no_touchpoint: str,
    *,
    topic_id: int | None = None,
    touchpoint: str | None = None,
    since: datetime | None = None,
) -> pd.DataFrame:
    """Records and their sentences' negative share per period and channel: the Trends
    page's comparison across channels (the same counting as
    :func:`voc.store.sentences.sentiment_by_period`, one row per channel too).

    Returns:
        Periods with data only: ``period_start`` (DATE), ``channel``, ``volume``
        (records), ``sentences``, ``negative``.
    """
    if unit not in ("week", "month"):
        raise ValueError(f"unit {unit!r}: 'week' or 'month'")
    if topic_id is None:
        picked = "SELECT feedback_id, sentiment FROM sentences"
        join = "LEFT JOIN"
    else:
        picked = (
            "SELECT s.feedback_id, s.sentiment FROM sentences s "
            "JOIN sentence_topics t USING (feedback_id, sentence_index) "
            "WHERE t.topic_id = $topic_id"
        )
        join = "JOIN"
    return store._con.execute(
        f"""
        WITH records AS ({dated_records_sql(no_touchpoint)}),
        wanted AS (
            SELECT feedback_id, created_at, channel FROM records
            WHERE ($since IS NULL OR created_at >= $since)
              AND ($touchpoint IS NULL OR list_contains(touchpoints, $touchpoint))
        ),
        picked AS ({picked})
        SELECT date_trunc('{unit}', r.created_at)::DATE AS period_start, r.channel,
               count(DISTINCT r.feedback_id) AS volume,
               count(s.feedback_id) AS sentences,
               count(s.feedback_id) FILTER (WHERE s.sentiment = 'negative') AS negative
        FROM wanted r {join} picked s USING (feedback_id)
        GROUP BY ALL ORDER BY 1, 2
        """,
        {
            "since": since,
            "touchpoint": touchpoint,
            **({"topic_id": int(topic_id)} if topic_id is not None else {}),
        },
    ).df()


def survey_history(store: Warehouse) -> pd.DataFrame:
    """Every week's NPS, CSAT and CES over all channels and touchpoints.

    Returns:
        Oldest first: ``week``, ``metric``, ``value``, ``respondents``.
    """
    return store._con.execute(
        f"""
        SELECT week, metric, value, respondents FROM survey_metrics
        WHERE channel = '{ALL}' AND touchpoint = '{ALL}'
        ORDER BY week, metric
        """
    ).df()


def quarantine_by_reason(store: Warehouse) -> pd.DataFrame:
    """Quarantined rows per reason and source: ``reason``, ``source``, ``rows``,
    ``last`` (newest quarantined_at), most rows first."""
    return store._con.execute(
        "SELECT reason, source, count(*) AS rows, max(quarantined_at) AS last "
        "FROM quarantine GROUP BY ALL ORDER BY rows DESC, reason, source"
    ).df()


def duplicate_records(store: Warehouse, copies: int, shift_hours: int) -> int:
    """Grow a store for the page-load benchmark: add ``copies`` copies of every record,
    copy ``k`` with new ids (``<id>~k``) and ``created_at`` moved back ``k * shift_hours``
    hours, with its analysis, sentences and sentence topics (embeddings are shared by
    text). Pain points and survey metrics are the caller's to recompute. Never run it on a
    real store: the copies are not feedback anyone wrote.

    Returns:
        The records in the store afterwards.
    """
    con = store._con
    feedback_cols = [r[0] for r in con.execute("DESCRIBE feedback").fetchall()]
    analysis_cols = [r[0] for r in con.execute("DESCRIBE analysis").fetchall()]
    sentence_cols = [r[0] for r in con.execute("DESCRIBE sentences").fetchall()]
    topic_cols = [r[0] for r in con.execute("DESCRIBE sentence_topics").fetchall()]

    def select(columns: list[str], moved: dict[str, str]) -> str:
        return ", ".join(moved.get(c, c) for c in columns)

    new_id = "feedback_id || '~' || $k"
    with store.transaction():
        for k in range(1, copies + 1):
            params = {"k": str(k), "hours": int(k * shift_hours)}
            con.execute(
                f"INSERT INTO feedback SELECT "
                f"{select(feedback_cols, {'feedback_id': new_id, 'native_id': 'NULL', 'content_key': 'NULL', 'near_duplicate_of': 'NULL', 'created_at': 'created_at - to_hours($hours)'})} "  # noqa: E501
                "FROM feedback WHERE position('~' IN feedback_id) = 0",
                params,
            )
            con.execute(
                f"INSERT INTO analysis SELECT {select(analysis_cols, {'feedback_id': new_id})} "
                "FROM analysis WHERE position('~' IN feedback_id) = 0",
                {"k": str(k)},
            )
            con.execute(
                f"INSERT INTO sentences SELECT {select(sentence_cols, {'feedback_id': new_id})} "
                "FROM sentences WHERE position('~' IN feedback_id) = 0",
                {"k": str(k)},
            )
            con.execute(
                "INSERT INTO sentence_topics SELECT "
                f"{select(topic_cols, {'feedback_id': new_id})} "
                "FROM sentence_topics WHERE position('~' IN feedback_id) = 0",
                {"k": str(k)},
            )
    return int(con.execute("SELECT count(*) FROM feedback").fetchall()[0][0])
