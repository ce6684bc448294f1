"""Reads and writes of the insight tables: ``pain_points`` and ``survey_metrics``.

The SQL that computes them (weekly aggregates, baselines, scores) and the reads the
digest, the CLI and backfill make of them live here; :mod:`voc.insights` decides what
to compute and ranks, :mod:`voc.digest.data` shapes the result for a page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from voc.insights.rules import (
    ALL,
    BASELINE_WEEKS,
    EMERGING_BOOST,
    EMERGING_Z,
    MIN_COMPLAINTS,
    MIN_EMERGING_LIFT,
    MIN_EMERGING_VOLUME,
    MIN_HISTORY_WEEKS,
    MIN_NEGATIVE_SHARE,
    NO_TOUCHPOINT,
    OTHER_TOPIC,
    SURVEY_DRAG_CAP,
)
from voc.store.topics import PAIN_POINT_LABEL_SQL
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week

__all__ = [
    "FACTORS_SQL",
    "latest_pain_point_week",
    "pain_point_rows_by_week",
    "ranked_pain_points",
    "rebuild_survey_metrics",
    "replace_pain_points",
    "topic_week_bounds",
]


def pain_point_rows_by_week(store: Warehouse, weeks: list[str]) -> dict[str, int]:
    """How many ``pain_points`` rows each of ``weeks`` holds (weeks without rows left out)."""
    counted = store._con.execute(
        "SELECT week, count(*) FROM pain_points WHERE list_contains(?, week) GROUP BY week",
        [weeks],
    ).fetchall()
    return {str(week): int(rows) for week, rows in counted}


# The survey scales: metric name, the scale's range, and one value per respondent whose mean
# is the metric (see the module docstring).
_RESPONDENTS_SQL = f"""
    SELECT f.feedback_id, f.channel,
           date_trunc('week', f.created_at)::DATE AS week_start,
           f.rating_scale AS metric,
           CASE f.rating_scale
               WHEN 'nps' THEN CASE WHEN f.rating >= 9 THEN 100.0
                                    WHEN f.rating <= 6 THEN -100.0 ELSE 0.0 END
               WHEN 'csat' THEN CASE WHEN f.rating >= 4 THEN 100.0 ELSE 0.0 END
               ELSE f.rating
           END AS points,
           CASE WHEN a.touchpoints IS NULL OR len(a.touchpoints) = 0 THEN ['{NO_TOUCHPOINT}']
                ELSE list_distinct(a.touchpoints) END AS touchpoints
    FROM feedback f LEFT JOIN analysis a USING (feedback_id)
    WHERE f.created_at IS NOT NULL AND f.rating IS NOT NULL
      AND ((f.rating_scale = 'nps' AND f.rating BETWEEN 0 AND 10)
           OR (f.rating_scale = 'csat' AND f.rating BETWEEN 1 AND 5)
           OR (f.rating_scale = 'ces' AND f.rating BETWEEN 1 AND 7))
"""

_SURVEY_METRICS_SQL = f"""
    INSERT INTO survey_metrics
        (week, channel, touchpoint, metric, value, respondents, run_id)
    WITH respondents AS ({_RESPONDENTS_SQL}),
    per_touchpoint AS (
        SELECT r.* EXCLUDE (touchpoints), unnest(r.touchpoints) AS touchpoint
        FROM respondents r
    ),
    metrics AS (
        -- Per touchpoint: a respondent counts once in each of its touchpoints.
        SELECT week_start, coalesce(channel, '{ALL}') AS channel, touchpoint, metric,
               avg(points) AS value, count(*) AS respondents
        FROM per_touchpoint
        GROUP BY GROUPING SETS ((week_start, metric, channel, touchpoint),
                                (week_start, metric, touchpoint))
        UNION ALL
        -- Every touchpoint together: a respondent counts once.
        SELECT week_start, coalesce(channel, '{ALL}'), '{ALL}', metric,
               avg(points), count(*)
        FROM respondents
        GROUP BY GROUPING SETS ((week_start, metric, channel), (week_start, metric))
    )
    SELECT strftime(week_start, '%G-W%V'), channel, touchpoint, metric, value, respondents, ?
    FROM metrics
"""


def _impact_sql(metric: str) -> str:
    # Score without this row's respondents minus the week's score, both as means of points.
    return (
        f"CASE WHEN b.{metric}_n > 0 AND w.{metric}_n > b.{metric}_n THEN "
        f"(w.{metric}_sum - b.{metric}_sum) / (w.{metric}_n - b.{metric}_n) "
        f"- w.{metric}_sum / w.{metric}_n END"
    )


def _survey_sums_sql() -> str:
    return ",\n".join(
        f"count(*) FILTER (WHERE metric = '{m}') AS {m}_n, "
        f"coalesce(sum(points) FILTER (WHERE metric = '{m}'), 0) AS {m}_sum"
        for m in ("nps", "csat", "ces")
    )


_CELL_AGGREGATES = f"""
    count(*) AS volume,
    sum(n_negative) / sum(n_sentences) AS negative_share,
    sum(score_sum) / sum(n_sentences) AS mean_sentiment,
    {_survey_sums_sql()}
"""

# The ranking score's factors (module docstring), over a row's columns.
FACTORS_SQL = {
    "complaints": "volume * negative_share",
    "recurrence_factor": f"1 + recurrence / {BASELINE_WEEKS}",
    "emerging_factor": f"CASE WHEN emerging THEN {EMERGING_BOOST} ELSE 1.0 END",
    "survey_drag": (
        "greatest(0, coalesce(nps_impact / 2, 0), coalesce(csat_impact, 0), "
        "coalesce(ces_impact * 100 / 6, 0))"
    ),
}
FACTORS_SQL["survey_factor"] = (
    f"1 + least({FACTORS_SQL['survey_drag']}, {SURVEY_DRAG_CAP}) / {SURVEY_DRAG_CAP}"
)
_SCORE_SQL = (
    f"log2(1 + {FACTORS_SQL['complaints']}) * ({FACTORS_SQL['recurrence_factor']}) "
    f"* ({FACTORS_SQL['emerging_factor']}) * ({FACTORS_SQL['survey_factor']})"
)

# Parameters: origin (Monday of the store's first week), from, to (the Mondays bounding the
# data read: the first output week minus the baseline, the last output week), the output
# Mondays, and run_id.
_PAIN_POINTS_SQL = f"""
    INSERT INTO pain_points
        (week, topic_id, channel, touchpoint, volume, negative_share, mean_sentiment,
         previous_volume, wow_change, recurrence, baseline_mean, baseline_std, emerging,
         nps_impact, csat_impact, ces_impact, score, run_id)
    WITH params AS (
        SELECT $origin::DATE AS origin, $data_from::DATE AS data_from,
               $data_to::DATE AS data_to
    ),
    respondents AS ({_RESPONDENTS_SQL}),
    -- One row per record and topic: its sentences in the topic.
    topic_records AS (
        SELECT st.topic_id, s.feedback_id, f.channel,
               date_trunc('week', f.created_at)::DATE AS week_start,
               count(*) AS n_sentences,
               count(*) FILTER (WHERE s.sentiment = 'negative') AS n_negative,
               sum(s.sentiment_score) AS score_sum
        FROM sentence_topics st
        JOIN sentences s USING (feedback_id, sentence_index)
        JOIN feedback f USING (feedback_id), params p
        WHERE f.created_at >= p.data_from AND f.created_at < p.data_to + INTERVAL 7 DAY
        GROUP BY ALL
    ),
    records AS (
        SELECT tr.*,
               CASE WHEN a.touchpoints IS NULL OR len(a.touchpoints) = 0
                    THEN ['{NO_TOUCHPOINT}'] ELSE list_distinct(a.touchpoints) END
                   AS touchpoints,
               r.metric, r.points
        FROM topic_records tr
        LEFT JOIN analysis a USING (feedback_id)
        LEFT JOIN respondents r USING (feedback_id)
    ),
    per_touchpoint AS (
        SELECT r.* EXCLUDE (touchpoints), unnest(r.touchpoints) AS touchpoint FROM records r
    ),
    cells AS (
        SELECT week_start, topic_id, coalesce(channel, '{ALL}') AS channel, touchpoint,
               {_CELL_AGGREGATES}
        FROM per_touchpoint
        GROUP BY GROUPING SETS ((week_start, topic_id, channel, touchpoint),
                                (week_start, topic_id, touchpoint))
        UNION ALL
        SELECT week_start, topic_id, coalesce(channel, '{ALL}'), '{ALL}',
               {_CELL_AGGREGATES}
        FROM records
        GROUP BY GROUPING SETS ((week_start, topic_id, channel), (week_start, topic_id))
    ),
    -- Every respondent of the week, whatever the channel, touchpoint or topic.
    week_totals AS (
        SELECT week_start, {_survey_sums_sql()}
        FROM respondents, params p
        WHERE week_start BETWEEN p.data_from AND p.data_to
        GROUP BY week_start
    ),
    -- The first week of each topic in the whole store (not only the weeks read).
    topic_first AS (
        SELECT st.topic_id, min(date_trunc('week', f.created_at))::DATE AS first_week
        FROM sentence_topics st JOIN feedback f USING (feedback_id)
        WHERE f.created_at IS NOT NULL
        GROUP BY st.topic_id
    ),
    series AS (
        SELECT c.*, datediff('day', p.origin, c.week_start) // 7 AS week_index
        FROM cells c, params p
    ),
    -- Windows over the week index (RANGE): weeks without a row are weeks with volume 0.
    windowed AS (
        SELECT *,
               coalesce(sum(volume) OVER previous_week, 0) AS previous_volume,
               count(*) OVER last_weeks AS recurrence,
               least(week_index, {BASELINE_WEEKS}) AS baseline_weeks,
               coalesce(sum(volume) OVER baseline, 0) AS baseline_sum,
               coalesce(sum(volume * volume) OVER baseline, 0) AS baseline_sum_squares
        FROM series
        WINDOW previous_week AS (
                   PARTITION BY topic_id, channel, touchpoint ORDER BY week_index
                   RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING),
               last_weeks AS (
                   PARTITION BY topic_id, channel, touchpoint ORDER BY week_index
                   RANGE BETWEEN {BASELINE_WEEKS - 1} PRECEDING AND CURRENT ROW),
               baseline AS (
                   PARTITION BY topic_id, channel, touchpoint ORDER BY week_index
                   RANGE BETWEEN {BASELINE_WEEKS} PRECEDING AND 1 PRECEDING)
    ),
    baselined AS (
        SELECT *,
               CASE WHEN baseline_weeks > 0 THEN baseline_sum / baseline_weeks ELSE 0 END
                   AS baseline_mean,
               CASE WHEN baseline_weeks > 0
                    THEN sqrt(greatest(baseline_sum_squares / baseline_weeks
                                       - (baseline_sum / baseline_weeks) ** 2, 0))
                    ELSE 0 END AS baseline_std
        FROM windowed
    ),
    flagged AS (
        SELECT b.*, strftime(b.week_start, '%G-W%V') AS week,
               {_impact_sql("nps")} AS nps_impact,
               {_impact_sql("csat")} AS csat_impact,
               {_impact_sql("ces")} AS ces_impact,
               (b.topic_id <> {OTHER_TOPIC}
                AND b.week_index >= {MIN_HISTORY_WEEKS}
                AND b.volume >= {MIN_EMERGING_VOLUME}
                AND (coalesce(t.first_seen = strftime(b.week_start, '%G-W%V'), false)
                     OR tf.first_week >= b.week_start
                     OR (b.volume > b.baseline_mean + {EMERGING_Z}
                             * greatest(b.baseline_std, sqrt(b.baseline_mean), 1)
                         AND b.volume >= {MIN_EMERGING_LIFT} * b.baseline_mean))) AS emerging
        FROM baselined b
        LEFT JOIN week_totals w USING (week_start)
        LEFT JOIN topic_first tf USING (topic_id)
        LEFT JOIN topics t USING (topic_id)
        WHERE list_contains($weeks::DATE[], b.week_start)
    )
    SELECT week, topic_id, channel, touchpoint, volume, negative_share, mean_sentiment,
           previous_volume, CASE WHEN previous_volume > 0
                                 THEN (volume - previous_volume) / previous_volume END,
           recurrence, baseline_mean, baseline_std, emerging,
           nps_impact, csat_impact, ces_impact,
           {_SCORE_SQL},
           $run_id
    FROM flagged
"""


def rebuild_survey_metrics(store: Warehouse, run_id: str) -> int:
    """Replace every row of ``survey_metrics`` (one transaction); the rows written."""
    with store.transaction() as con:
        con.execute("DELETE FROM survey_metrics")
        con.execute(_SURVEY_METRICS_SQL, [run_id])
        return int(con.execute("SELECT count(*) FROM survey_metrics").fetchall()[0][0])


def topic_week_bounds(store: Warehouse) -> tuple[date | None, date | None]:
    """The Mondays of the first and the last week with a sentence in a topic (None, None
    when no sentence has a topic)."""
    origin, last = store._con.execute(
        "SELECT min(date_trunc('week', f.created_at))::DATE, "
        "max(date_trunc('week', f.created_at))::DATE "
        "FROM sentence_topics st JOIN feedback f USING (feedback_id)"
    ).fetchall()[0]
    return origin, last


def replace_pain_points(
    store: Warehouse,
    run_id: str,
    origin: date | None,
    mondays: list[date],
    replace_all: bool,
) -> tuple[Any, ...]:
    """Recompute the ``pain_points`` rows of the weeks of ``mondays`` in one transaction.

    Args:
        origin: The Monday of the store's first topic week (week index 0); None: no data.
        mondays: The weeks to write, oldest first.
        replace_all: Delete every row first (else only the rows of ``mondays``' weeks).

    Returns:
        Over the weeks of ``mondays``: rows, distinct weeks, first and last week, topics
        emerging over a whole week (channel and touchpoint ``'*'``), rows emerging.
    """
    with store.transaction() as con:
        if replace_all:
            con.execute("DELETE FROM pain_points")
        else:
            con.execute(
                "DELETE FROM pain_points WHERE list_contains(?, week)",
                [[iso_week(monday) for monday in mondays]],
            )
        if origin is not None and mondays:
            con.execute(
                _PAIN_POINTS_SQL,
                {
                    "origin": origin,
                    "data_from": mondays[0] - timedelta(weeks=BASELINE_WEEKS),
                    "data_to": mondays[-1],
                    "weeks": mondays,
                    "run_id": run_id,
                },
            )
        week_labels = [iso_week(monday) for monday in mondays]
        return tuple(
            con.execute(
                f"""
                SELECT count(*), count(DISTINCT week), min(week), max(week),
                       count(*) FILTER (WHERE emerging AND channel = '{ALL}'
                                        AND touchpoint = '{ALL}'),
                       count(*) FILTER (WHERE emerging)
                FROM pain_points WHERE list_contains(?, week)
                """,
                [week_labels],
            ).fetchall()[0]
        )


def latest_pain_point_week(store: Warehouse) -> str | None:
    """The newest week in ``pain_points``, or None when it is empty."""
    return store._con.execute("SELECT max(week) FROM pain_points").fetchall()[0][0]


def ranked_pain_points(
    store: Warehouse,
    week: str,
    *,
    channel: str | None,
    touchpoint: str | None,
    include_other: bool,
    min_negative_share: float,
    min_complaints: float,
    limit: int,
) -> pd.DataFrame:
    """The pain points of ``week``, best score first, with their factors and breakdown
    (:func:`voc.insights.painpoints.top_pain_points` says the columns; no quotes)."""
    factor_columns = ", ".join(f"{sql} AS {name}" for name, sql in FACTORS_SQL.items())
    return store._con.execute(
        f"""
        WITH cells AS (
            SELECT topic_id,
                   list({{'channel': channel, 'touchpoint': touchpoint, 'volume': volume,
                          'negative_share': negative_share, 'mean_sentiment': mean_sentiment,
                          'emerging': emerging, 'nps_impact': nps_impact, 'score': score}}
                        ORDER BY score DESC, volume DESC, channel, touchpoint) AS breakdown
            FROM pain_points
            WHERE week = $week AND channel <> '{ALL}' AND touchpoint <> '{ALL}'
              AND negative_share > 0
              AND ($channel IS NULL OR channel = $channel)
              AND ($touchpoint IS NULL OR touchpoint = $touchpoint)
            GROUP BY topic_id
        )
        SELECT row_number() OVER (ORDER BY p.score DESC, p.volume DESC, p.topic_id) AS rank,
               p.week, p.topic_id,
               coalesce({PAIN_POINT_LABEL_SQL},
                        CASE WHEN p.topic_id = {OTHER_TOPIC} THEN 'other'
                             ELSE 'topic ' || p.topic_id END) AS label,
               coalesce(t.keywords, []) AS keywords,
               p.volume, p.negative_share, p.mean_sentiment, p.previous_volume, p.wow_change,
               p.recurrence, p.baseline_mean, p.baseline_std, p.emerging,
               p.nps_impact, p.csat_impact, p.ces_impact, p.score, {factor_columns},
               coalesce(c.breakdown, []) AS breakdown
        FROM pain_points p
        LEFT JOIN topics t USING (topic_id)
        LEFT JOIN cells c USING (topic_id)
        WHERE p.week = $week AND p.channel = coalesce($channel, '{ALL}')
          AND p.touchpoint = coalesce($touchpoint, '{ALL}')
          AND ($include_other OR p.topic_id <> {OTHER_TOPIC})
          AND p.negative_share >= $min_negative_share
          AND p.volume * p.negative_share >= $min_complaints
        ORDER BY rank
        LIMIT $limit
        """,
        {
            "week": week,
            "channel": channel,
            "touchpoint": touchpoint,
            "include_other": include_other,
            "min_negative_share": min_negative_share,
            "min_complaints": min_complaints,
            "limit": limit,
        },
    ).df()


def whole_week_history(
    store: Warehouse, topic_ids: list[int], weeks: list[str]
) -> list[tuple[Any, ...]]:
    """``(topic_id, week, volume, negative_share)`` of the whole-week rows (channel and
    touchpoint ``'*'``) of ``topic_ids`` in ``weeks`` that exist."""
    return store._con.execute(
        f"""
        SELECT topic_id, week, volume, negative_share FROM pain_points
        WHERE list_contains($ids, topic_id) AND list_contains($weeks, week)
          AND channel = '{ALL}' AND touchpoint = '{ALL}'
        """,
        {"ids": topic_ids, "weeks": weeks},
    ).fetchall()


def first_weeks(store: Warehouse, topic_ids: list[int]) -> dict[int, str]:
    """The first week in ``pain_points`` of each of ``topic_ids`` (those with rows)."""
    rows = store._con.execute(
        """
        SELECT topic_id, min(week) FROM pain_points
        WHERE list_contains($ids, topic_id) AND channel = '*' AND touchpoint = '*'
        GROUP BY topic_id
        """,
        {"ids": topic_ids},
    ).fetchall()
    return {int(t): str(w) for t, w in rows}


def emerging_topics(store: Warehouse, week: str) -> list[tuple[Any, ...]]:
    """The topics flagged emerging over the whole ``week`` (at most 8, best score first):
    ``(topic_id, label, volume, baseline_mean, new)``, ``new`` when no earlier week has
    the topic."""
    return store._con.execute(
        f"""
        SELECT p.topic_id, coalesce(t.label, 'topic ' || p.topic_id), p.volume,
               p.baseline_mean,
               p.topic_id NOT IN (SELECT topic_id FROM pain_points
                                  WHERE week < $week AND channel = '{ALL}'
                                    AND touchpoint = '{ALL}') AS new
        FROM pain_points p LEFT JOIN topics t USING (topic_id)
        WHERE p.week = $week AND p.channel = '{ALL}' AND p.touchpoint = '{ALL}'
          AND p.emerging AND p.topic_id <> {OTHER_TOPIC}
        ORDER BY p.score DESC, p.volume DESC, p.topic_id
        LIMIT 8
        """,
        {"week": week},
    ).fetchall()


def topic_shares_before(
    store: Warehouse, week: str, first: date, monday: date
) -> list[tuple[Any, ...]]:
    """Each topic heard in the weeks from ``first`` to before ``monday`` (the Monday of
    ``week``): ``(topic_id, label, volume this week, baseline (mean volume a week with
    data), baseline_share (of those weeks' records))``; none when those weeks hold no
    records."""
    return store._con.execute(
        f"""
        WITH totals AS (
            SELECT strftime(created_at, '%G-W%V') AS week, count(*) AS records
            FROM feedback
            WHERE created_at >= $first AND created_at < $monday
            GROUP BY 1
        ),
        before AS (
            SELECT p.topic_id, sum(p.volume) AS volume
            FROM pain_points p
            WHERE p.channel = '{ALL}' AND p.touchpoint = '{ALL}' AND p.week < $week
              AND p.week IN (SELECT week FROM totals) AND p.topic_id <> {OTHER_TOPIC}
            GROUP BY p.topic_id
        ),
        now AS (
            SELECT topic_id, volume FROM pain_points
            WHERE week = $week AND channel = '{ALL}' AND touchpoint = '{ALL}'
        )
        SELECT b.topic_id, coalesce(t.label, 'topic ' || b.topic_id),
               coalesce(n.volume, 0) AS volume,
               b.volume / (SELECT count(*) FROM totals) AS baseline,
               b.volume / (SELECT sum(records) FROM totals) AS baseline_share
        FROM before b LEFT JOIN now n USING (topic_id) LEFT JOIN topics t USING (topic_id)
        WHERE (SELECT count(*) FROM totals) > 0
        """,
        {"first": first, "monday": monday, "week": week},
    ).fetchall()


def whole_week_survey_metrics(store: Warehouse, weeks: list[str]) -> list[tuple[Any, ...]]:
    """``(week, metric, value, respondents)`` over every channel and touchpoint (``'*'``)
    of ``weeks``."""
    return store._con.execute(
        f"""
        SELECT week, metric, value, respondents FROM survey_metrics
        WHERE list_contains($weeks, week)
          AND channel = '{ALL}' AND touchpoint = '{ALL}'
        """,
        {"weeks": weeks},
    ).fetchall()


def survey_drags(store: Warehouse, week: str, metric: str) -> list[tuple[Any, ...]]:
    """The (at most 3) pain points of ``week`` that drag ``metric`` (``nps``, ``csat`` or
    ``ces``) down the most: ``(label, impact, topic_id)``."""
    if metric not in ("nps", "csat", "ces"):
        raise ValueError(f"metric {metric!r}: nps, csat or ces")
    return store._con.execute(
        f"""
        SELECT coalesce(t.label, 'topic ' || p.topic_id), p.{metric}_impact, p.topic_id
        FROM pain_points p LEFT JOIN topics t USING (topic_id)
        WHERE p.week = $week AND p.channel = '{ALL}' AND p.touchpoint = '{ALL}'
          AND p.topic_id <> {OTHER_TOPIC} AND p.{metric}_impact > 0
          -- Only pain points: a topic mostly praised is not what drags a score down.
          AND p.negative_share >= {MIN_NEGATIVE_SHARE}
          AND p.volume * p.negative_share >= {MIN_COMPLAINTS}
        ORDER BY p.{metric}_impact DESC, p.volume DESC LIMIT 3
        """,
        {"week": week},
    ).fetchall()
