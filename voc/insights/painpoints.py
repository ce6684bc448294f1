"""Pain points and survey metrics, per ISO week, channel and touchpoint, computed in the store.

Everything here is set-based DuckDB SQL over an open :class:`~voc.store.warehouse.Warehouse`;
no row is looped over in Python, so 200k records over 12 weeks take seconds.

Weeks are ISO weeks (``strftime(created_at, '%G-W%V')``, e.g. ``2026-W53``), computed from the
Monday of each record's week, so years with 53 ISO weeks need no special case. Records
without ``created_at`` belong to no week and are left out.

Touchpoints of a record are its ``analysis.touchpoints``; a record with none (or not yet
analysed) counts under ``'(none)'``. A record with two touchpoints counts in both touchpoint
rows, but once in the rows whose touchpoint is ``'*'``.

Survey metrics (table ``survey_metrics``)
    One row per week x channel x touchpoint x metric, plus roll-ups where ``channel`` and/or
    ``touchpoint`` is ``'*'`` (everything together). A respondent is a record with a
    ``rating`` inside its scale's range; every metric is the mean of one value per respondent:

    - ``nps`` (scale ``nps``, 0-10): +100 for a promoter (9-10), -100 for a detractor (0-6),
      0 for a passive, so the mean is 100 x (share of 9-10 - share of 0-6), -100..100.
    - ``csat`` (scale ``csat``, 1-5): 100 for a satisfied respondent (4-5), else 0, so the mean
      is 100 x share of 4-5, 0..100.
    - ``ces`` (scale ``ces``, 1-7): the rating itself, so the mean is the mean rating. Higher
      is better: the CES 2.0 wording, "the company made it easy for me" (1 = strongly
      disagree, 7 = strongly agree).

    ``respondents`` counts the records behind each value.

Pain points (table ``pain_points``)
    One row per week x topic x channel x touchpoint with data, plus the same roll-ups with
    ``'*'`` (so ``channel = '*' AND touchpoint = '*'`` is the topic over the whole week, and its
    volume counts each record once). Topic -1 ("other") is included, never flagged emerging.

    - ``volume``: distinct records with at least one sentence in the topic.
    - ``negative_share``, ``mean_sentiment``: over those sentences.
    - ``previous_volume``: the volume of the week before (0 when none); ``wow_change`` =
      (volume - previous) / previous, NULL when the previous week had none.
    - ``recurrence``: weeks with volume out of the last 8, this one included (1..8).
    - ``baseline_mean``, ``baseline_std``: the mean and the population standard deviation of
      the volume over the trailing 8 weeks, this one excluded. Weeks without data count as 0;
      the calendar runs from the first week with topic data in the store, so in the store's
      first weeks the baseline spans the weeks there are (0 in its very first week).
    - ``emerging``: the topic is new this week (``topics.first_seen`` is this week, or the topic
      has no sentence in any earlier week), or the volume is a spike::

          volume > baseline_mean + 2 x max(baseline_std, sqrt(baseline_mean), 1)
          and volume >= 1.5 x baseline_mean

      with these guards, because a flag that fires on noise is soon ignored:

      - ``volume >= 3``: one or two records are an anecdote, not a trend;
      - the standard deviation is floored at ``sqrt(baseline_mean)`` (the spread of a count
        that does not change, Poisson) and at 1, so a steady topic's week-to-week wobble,
        a flat baseline (std 0) or a jump from 0 to 1 is not a spike;
      - a spike is at least 1.5 x the baseline mean: for a large topic two standard
        deviations can be a few percent, significant but not news to a CX team (on
        synthetic data without any trend, 2 sigma alone flagged about one topic a week);
      - at least 2 earlier weeks in the store: in its first weeks every topic is "new";
      - topic -1 ("other") is a catch-all, never a subject, so never emerging.

      A topic long known overall but new in one channel x touchpoint is flagged in that cell
      by the spike rule (baseline 0) once its volume there reaches 3.
    - ``nps_impact``, ``csat_impact``, ``ces_impact``: the week's score over every channel and
      touchpoint without this row's respondents, minus the week's overall score. Positive
      means the pain point drags the score down (by that many points). NULL when the row has
      no respondent on that scale, or when its respondents are all the week has.
    - ``score``, the ranking (higher first), a product of four readable factors::

          score = log2(1 + complaints)                        # how many complained
                  x (1 + recurrence / 8)                      # chronic: x1.125 .. x2
                  x (2 if emerging else 1)                    # new or spiking: x2
                  x (1 + min(survey_drag, 5) / 5)             # hurts the surveys: x1 .. x2

          complaints  = volume x negative_share
          survey_drag = max(0, nps_impact / 2, csat_impact, ces_impact x 100 / 6)

      Why: a pain point is customers complaining, so the base is the number of complaints;
      the logarithm keeps the largest topic from drowning every other one (doubling the
      complaints adds 1 to it). The factors then scale it: a complaint heard in each of the
      last 8 weeks counts twice one heard once; an emerging one counts twice, so a brand-new
      complaint (recurrence 1: x1.125 x2) ranks level with a chronic one of the same size
      (x2) and surfaces while still small; and one that measurably lowers the surveys counts
      up to twice. ``survey_drag`` is the worst of the three impacts in percent of the
      scale's width (NPS spans 200 points, CSAT 100, CES 6), capped at 5 %. A topic with no
      negative sentence scores 0: it is not a pain point. :func:`top_pain_points` returns
      the four factors beside the score, so "why is item 1 first" reads off its row.

Which topics are pain points (:func:`top_pain_points`)
    A pain point is a topic customers *complain* about, so the ranked list only holds
    topics whose week (in the channel and touchpoint asked for) is mostly complaints::

        negative_share >= MIN_NEGATIVE_SHARE (0.5)     # most of its sentences are negative
        and complaints >= MIN_COMPLAINTS (3)           # volume x negative_share

    Why these values: over the demo store's topics, negative shares are bimodal. Praise
    topics ("dress · love · adorable", "fit · perfect · true") sit at 1-20 % negative,
    complaint topics (payment errors, refunds, bugs, unanswered questions) at 70-90 %, and
    topics mixing both (delivery: "arrived the next day" beside "still not here") at
    30-50 %. A floor at half keeps every topic where complaints are the majority and
    drops the mixed ones, whose share of praise would make their quotes and their "lowers
    NPS" line misleading; in 2026-W45 it removes four of the old top ten (23-38 %
    negative) and keeps the planted payment-error burst first. Three complaints, as for
    ``emerging``: one or two records are an anecdote. Topics mostly praised are listed by
    :func:`voc.insights.praise.top_praise` ("what customers love") instead.

The ranked list per week (aggregated per topic, with the channel x touchpoint breakdown of
its complaints) is :func:`top_pain_points`; the digest and ``voc pain-points`` read it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import pandas as pd

from voc.insights.quotes import week_quotes
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week, iso_week_monday

__all__ = [
    "ALL",
    "BASELINE_WEEKS",
    "EMERGING_BOOST",
    "EMERGING_Z",
    "MIN_COMPLAINTS",
    "MIN_EMERGING_LIFT",
    "MIN_EMERGING_VOLUME",
    "MIN_HISTORY_WEEKS",
    "MIN_NEGATIVE_SHARE",
    "NO_TOUCHPOINT",
    "OTHER_TOPIC",
    "SURVEY_DRAG_CAP",
    "compute_pain_points",
    "compute_survey_metrics",
    "top_pain_points",
]

logger = logging.getLogger(__name__)

#: The channel or touchpoint of a roll-up row: every one together.
ALL = "*"
#: The touchpoint of a record that has none.
NO_TOUCHPOINT = "(none)"
#: The topic id of sentences close to no topic.
OTHER_TOPIC = -1
#: Weeks in the trailing baseline and in the recurrence window.
BASELINE_WEEKS = 8
#: A spike is a volume above the baseline mean plus this many standard deviations.
EMERGING_Z = 2.0
#: Fewer records than this in a week are never emerging.
MIN_EMERGING_VOLUME = 3
#: A spike is also at least this many times the baseline mean.
MIN_EMERGING_LIFT = 1.5
#: Earlier weeks the store must hold before anything can be emerging.
MIN_HISTORY_WEEKS = 2
#: The ranking score's factor for an emerging pain point.
EMERGING_BOOST = 2.0
#: Survey drag (percent of the scale's width) at which the survey factor stops growing (x2).
SURVEY_DRAG_CAP = 5.0
#: A pain point's sentences that week are at least this share negative (module docstring).
MIN_NEGATIVE_SHARE = 0.5
#: ... and it holds at least this many complaints (volume x negative share).
MIN_COMPLAINTS = 3.0

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


def compute_survey_metrics(store: Warehouse, run_id: str) -> int:
    """Recompute ``survey_metrics`` (NPS, CSAT, CES) for every week, channel and touchpoint.

    Replaces every row of the table, so running it twice gives the same table. Definitions
    are in the module docstring.

    Args:
        store: An open, writable store.
        run_id: Written on every row.

    Returns:
        The number of rows written.
    """
    started = time.perf_counter()
    with store.transaction() as con:
        con.execute("DELETE FROM survey_metrics")
        con.execute(_SURVEY_METRICS_SQL, [run_id])
        rows = int(con.execute("SELECT count(*) FROM survey_metrics").fetchall()[0][0])
    logger.info("Survey metrics: %d rows in %.2f s", rows, time.perf_counter() - started)
    return rows


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
_FACTORS_SQL = {
    "complaints": "volume * negative_share",
    "recurrence_factor": f"1 + recurrence / {BASELINE_WEEKS}",
    "emerging_factor": f"CASE WHEN emerging THEN {EMERGING_BOOST} ELSE 1.0 END",
    "survey_drag": (
        "greatest(0, coalesce(nps_impact / 2, 0), coalesce(csat_impact, 0), "
        "coalesce(ces_impact * 100 / 6, 0))"
    ),
}
_FACTORS_SQL["survey_factor"] = (
    f"1 + least({_FACTORS_SQL['survey_drag']}, {SURVEY_DRAG_CAP}) / {SURVEY_DRAG_CAP}"
)
_SCORE_SQL = (
    f"log2(1 + {_FACTORS_SQL['complaints']}) * ({_FACTORS_SQL['recurrence_factor']}) "
    f"* ({_FACTORS_SQL['emerging_factor']}) * ({_FACTORS_SQL['survey_factor']})"
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


def compute_pain_points(
    store: Warehouse, run_id: str, weeks: list[str] | None = None
) -> dict[str, Any]:
    """Recompute ``pain_points`` for ``weeks`` (every week with data when None).

    Reads ``feedback``, ``analysis``, ``sentences``, ``sentence_topics`` and ``topics``; the
    rows of the weeks recomputed are replaced (every row when ``weeks`` is None), so
    running it twice gives the same table. Definitions, guards and the ranking score are in
    the module docstring.

    Args:
        store: An open, writable store.
        run_id: Written on every row.
        weeks: ISO weeks (``YYYY-Www``) to recompute; a week without data ends with no row.

    Returns:
        ``rows`` written, ``weeks`` with rows, ``first_week`` and ``last_week`` of them,
        ``emerging`` (topics flagged over a whole week, channel and touchpoint ``'*'``),
        ``emerging_rows`` (every row flagged) and ``seconds``.

    Raises:
        ValueError: A week is not a valid ISO week label.
    """
    started = time.perf_counter()
    wanted = sorted({iso_week_monday(week) for week in weeks}) if weeks is not None else None
    con = store.con
    bounds = con.execute(
        "SELECT min(date_trunc('week', f.created_at))::DATE, "
        "max(date_trunc('week', f.created_at))::DATE "
        "FROM sentence_topics st JOIN feedback f USING (feedback_id)"
    ).fetchall()[0]
    origin, last = bounds
    if wanted is None:
        mondays = (
            [origin + timedelta(weeks=n) for n in range((last - origin).days // 7 + 1)]
            if origin is not None
            else []
        )
    else:
        mondays = wanted
    with store.transaction() as con:
        if wanted is None:
            con.execute("DELETE FROM pain_points")
        else:
            con.execute(
                "DELETE FROM pain_points WHERE list_contains(?, week)",
                [[iso_week(monday) for monday in wanted]],
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
        counts = con.execute(
            f"""
            SELECT count(*), count(DISTINCT week), min(week), max(week),
                   count(*) FILTER (WHERE emerging AND channel = '{ALL}'
                                    AND touchpoint = '{ALL}'),
                   count(*) FILTER (WHERE emerging)
            FROM pain_points WHERE list_contains(?, week)
            """,
            [week_labels],
        ).fetchall()[0]
    summary = {
        "rows": int(counts[0]),
        "weeks": int(counts[1]),
        "first_week": counts[2],
        "last_week": counts[3],
        "emerging": int(counts[4]),
        "emerging_rows": int(counts[5]),
        "seconds": round(time.perf_counter() - started, 3),
    }
    logger.info("Pain points: %s", summary)
    return summary


def top_pain_points(
    store: Warehouse,
    week: str | None = None,
    limit: int = 10,
    channel: str | None = None,
    touchpoint: str | None = None,
    include_other: bool = False,
    min_negative_share: float = MIN_NEGATIVE_SHARE,
    min_complaints: float = MIN_COMPLAINTS,
    quotes: int = 3,
) -> pd.DataFrame:
    """The ranked pain points of a week, one row per topic, best first.

    Each row is the topic over the channel and touchpoint asked for (every one when None),
    read from the roll-up rows of ``pain_points``, so a record counts once. Only topics
    that are mostly complaints there are pain points (module docstring): at least
    ``min_negative_share`` of their sentences negative and ``min_complaints`` complaints.

    Args:
        store: An open store (read-only is fine).
        week: ISO week ``YYYY-Www``; None for the latest week in ``pain_points``.
        limit: At most this many topics.
        channel: Only this channel.
        touchpoint: Only this touchpoint (``'(none)'`` for records without one).
        include_other: Also rank topic -1 ("other"), the sentences close to no topic.
        min_negative_share: The floor on the negative share (default 0.5).
        min_complaints: The floor on the complaints, volume x negative share (default 3).
        quotes: Quotes per pain point (:func:`voc.insights.quotes.week_quotes`: the
            week's negative sentences of the topic, redacted, most negative first).

    Returns:
        Columns ``rank``, ``week``, ``topic_id``, ``label``, ``keywords``, ``quotes`` (a
        list of :class:`~voc.insights.quotes.Quote`),
        ``volume``, ``negative_share``, ``mean_sentiment``, ``previous_volume``,
        ``wow_change``, ``recurrence``, ``baseline_mean``, ``baseline_std``, ``emerging``,
        ``nps_impact``, ``csat_impact``, ``ces_impact``, ``score``; the score's factors
        ``complaints``, ``recurrence_factor``, ``emerging_factor``, ``survey_drag``,
        ``survey_factor`` (module docstring); and ``breakdown``: a list
        of dicts (``channel``, ``touchpoint``, ``volume``, ``negative_share``,
        ``mean_sentiment``, ``emerging``, ``nps_impact``, ``score``), one per channel x
        touchpoint within the filter that holds a complaint, best score first. Empty when
        the week has no pain point.
    """
    if week is None:
        latest = store.con.execute("SELECT max(week) FROM pain_points").fetchall()[0][0]
        if latest is None:
            return _empty_top()
        week = latest
    else:
        week = iso_week(iso_week_monday(week))
    factor_columns = ", ".join(f"{sql} AS {name}" for name, sql in _FACTORS_SQL.items())
    frame = store.con.execute(
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
               coalesce(t.label, CASE WHEN p.topic_id = {OTHER_TOPIC} THEN 'other'
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
    # DuckDB hands lists over as numpy arrays; plain lists print and serialise better.
    for column in ("keywords", "breakdown"):
        frame[column] = frame[column].map(list)
    # A pain point is quoted by its complaints of this week (the one quote picker).
    picked = week_quotes(store, week, [int(t) for t in frame["topic_id"]], quotes, "negative")
    frame.insert(5, "quotes", [picked.get(int(t), []) for t in frame["topic_id"]])
    return frame


def _empty_top() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "rank", "week", "topic_id", "label", "keywords", "quotes", "volume",
            "negative_share", "mean_sentiment", "previous_volume", "wow_change", "recurrence",
            "baseline_mean", "baseline_std", "emerging", "nps_impact", "csat_impact",
            "ces_impact", "score", *_FACTORS_SQL, "breakdown",
        ]
    )  # fmt: skip
