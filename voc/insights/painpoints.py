"""Pain points and survey metrics, per ISO week, channel and touchpoint, computed in the store.

Everything is computed by set-based DuckDB SQL over an open
:class:`~voc.store.warehouse.Warehouse` (the SQL is in :mod:`voc.store.insights`, the
rules' numbers in :mod:`voc.insights.rules`); no row is looped over in Python, so 200k
records over 12 weeks take seconds.

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
from voc.store import insights as store_insights
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
    rows = store_insights.rebuild_survey_metrics(store, run_id)
    logger.info("Survey metrics: %d rows in %.2f s", rows, time.perf_counter() - started)
    return rows


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
    origin, last = store_insights.topic_week_bounds(store)
    if wanted is None:
        mondays = (
            [origin + timedelta(weeks=n) for n in range((last - origin).days // 7 + 1)]
            if origin is not None and last is not None
            else []
        )
    else:
        mondays = wanted
    counts = store_insights.replace_pain_points(
        store, run_id, origin, mondays, replace_all=wanted is None
    )
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
        latest = store_insights.latest_pain_point_week(store)
        if latest is None:
            return _empty_top()
        week = latest
    else:
        week = iso_week(iso_week_monday(week))
    frame = store_insights.ranked_pain_points(
        store,
        week,
        channel=channel,
        touchpoint=touchpoint,
        include_other=include_other,
        min_negative_share=min_negative_share,
        min_complaints=min_complaints,
        limit=limit,
    )
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
            "ces_impact", "score", *store_insights.FACTORS_SQL, "breakdown",
        ]
    )  # fmt: skip
