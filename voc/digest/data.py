"""What a week's digest says, read from the store: plain data, no formatting.

:func:`gather` reads one ISO week out of an open store (read-only is fine) and returns a
:class:`Digest`. The renderers (:mod:`voc.digest.render`) and the charts
(:mod:`voc.digest.charts`) only format it, so every figure a reader sees is computed here
once, from the tables the analyse flow keeps (``pain_points``, ``survey_metrics``,
``topics``, ``sentence_topics``, ``sentences``, ``analysis``, ``feedback``).

Definitions (the same as :mod:`voc.insights.painpoints` and :mod:`voc.query`):

- **Records** are feedback items dated (``created_at``, UTC) inside the week.
- A **pain point** is a topic ranked by :func:`voc.insights.painpoints.top_pain_points`: mostly
  complaints this week (at least half its sentences negative, at least 3 complaints); its
  **history** is its whole-week volume and negative share in each of the weeks before.
- **What customers love** are the topics mostly praised this week
  (:func:`voc.insights.praise.top_praise`), a short list.
- **Quotes** come from the one picker, :func:`voc.insights.quotes.week_quotes`: the topic's
  sentences of this week, redacted at ingest, one per record, in as many languages as the
  topic was written in; a pain point's are its negative sentences (most negative first),
  a praised topic's its positive ones. ``voc pain-points`` shows the same quotes.
- A **thin** week has under a quarter of the usual volume (the median of the weeks with
  data before it; :mod:`voc.weeks`), the rule of the default week's note.
- **Emerging** and **falling away** topics are :mod:`voc.insights.movers`' (its names stay
  importable from here).
- **Why the scores moved**: a survey score that changed since the week before is split
  into its topics (:func:`voc.insights.drivers.explain_change`, 1000 resamples, seed 0).
- **Fixes: did they work?** Every topic whose latest action is ``fix-shipped`` in or before
  this week, judged as of the end of this week (:func:`voc.insights.fixes.evaluate_fixes`),
  so a digest written again later says the same.
- **Heat map** cells are channel x touchpoint (``analysis.touchpoints``; ``(none)`` for a
  record without one): records, and the share of them whose sentiment is negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from voc.errors import UserError
from voc.insights.drivers import DriverResult, explain_change
from voc.insights.fixes import evaluate_fixes
from voc.insights.movers import FALLING_MIN_BASELINE, FALLING_RATIO, TopicMove
from voc.insights.movers import emerging as _emerging
from voc.insights.movers import falling as _falling
from voc.insights.painpoints import (
    NO_TOUCHPOINT,
    top_pain_points,
)
from voc.insights.praise import top_praise
from voc.insights.quotes import Quote
from voc.loop import pain_point_owners, topic_status
from voc.store import feedback as store_feedback
from voc.store import insights as store_insights
from voc.store.loop import list_events
from voc.store.topics import topic_labels
from voc.store.warehouse import Warehouse, utcnow
from voc.taxonomy import Owner
from voc.weeks import (
    USUAL_WEEKS,
    is_thin,
    iso_week,
    iso_week_monday,
    last_complete_week,
    usual_volume,
)

__all__ = [
    "FALLING_MIN_BASELINE",
    "FALLING_RATIO",
    "Digest",
    "Event",
    "PainPoint",
    "Praise",
    "Quote",
    "SurveyMetric",
    "TopicMove",
    "gather",
]

#: Praised topics listed ("what customers love"): a short section.
PRAISE_TOP = 3
_METRICS = ("nps", "csat", "ces")


@dataclass(frozen=True)
class PainPoint:
    """One ranked pain point of the week."""

    rank: int
    topic_id: int
    label: str
    keywords: list[str]
    volume: int
    previous_volume: int
    wow_change: float | None
    negative_share: float
    emerging: bool
    new: bool
    recurrence: int
    score: float
    impacts: dict[str, float]
    where: list[dict[str, Any]]
    quotes: list[Quote]
    history: list[tuple[str, int, float | None]]
    #: The teams owning the touchpoints it was heard at (:func:`voc.loop.pain_point_owners`).
    owners: list[str] = field(default_factory=list)
    #: Its latest action (``status``, ``action_date``, ``note``, ``actor``); None: none yet.
    action: dict[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened outside the feedback (``voc event add``), marked on charts."""

    week: str
    day: date
    title: str
    kind: str


@dataclass(frozen=True)
class Praise:
    """A topic customers praised this week, with one of their positive sentences."""

    topic_id: int
    label: str
    volume: int
    positive_share: float
    quotes: list[Quote]


@dataclass(frozen=True)
class SurveyMetric:
    """A survey score of the week, its change, and the pain points that drag it down."""

    metric: str
    value: float
    respondents: int
    previous: float | None
    previous_respondents: int
    drags: list[tuple[str, float]]
    #: Why it moved since the week before, per topic (None when it did not move, or the
    #: week before had no respondent).
    explained: DriverResult | None = None

    @property
    def change(self) -> float | None:
        """Points up (+) or down (-) since the week before; None without one."""
        return None if self.previous is None else self.value - self.previous


@dataclass
class Digest:
    """Everything one week's digest shows."""

    week: str
    start: date
    end: date
    generated_at: datetime
    records: int
    previous_records: int
    usual_records: float | None
    analysed: int
    negative_share: float | None
    channels: dict[str, int]
    pain_points: list[PainPoint] = field(default_factory=list)
    praise: list[Praise] = field(default_factory=list)
    emerging: list[TopicMove] = field(default_factory=list)
    falling: list[TopicMove] = field(default_factory=list)
    surveys: list[SurveyMetric] = field(default_factory=list)
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    heatmap: pd.DataFrame = field(default_factory=pd.DataFrame)
    history_weeks: list[str] = field(default_factory=list)
    #: The calendar's last complete week, when it is later than this one and no feedback
    #: is dated after this one (the sources may have stopped); else None.
    silent_since: str | None = None
    #: Events dated in the weeks of the trend charts (``history_weeks``), by date.
    events: list[Event] = field(default_factory=list)
    #: Fixes shipped in or before this week: one dict per fix, the columns of
    #: :func:`voc.insights.fixes.evaluate_fixes` plus ``needed_weeks`` and ``min_records``.
    fixes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No record was dated in the week."""
        return self.records == 0

    @property
    def thin(self) -> bool:
        """Far fewer records than a usual week (:func:`voc.weeks.is_thin`): changes should
        be read with care."""
        return is_thin(self.records, self.usual_records)


def gather(
    store: Warehouse,
    week: str,
    *,
    top: int = 10,
    quotes: int = 3,
    history_weeks: int = 8,
    timezone: str = "UTC",
    as_of: datetime | None = None,
    language: str | None = None,
    owners: Mapping[str, Owner] | None = None,
    fix_windows: tuple[int, int, int] = (4, 4, 20),
) -> Digest:
    """Read the digest of ``week`` out of ``store``.

    Args:
        store: An open store (read-only is fine).
        week: ISO week ``YYYY-Www``.
        top: Pain points to list.
        quotes: Quotes per pain point.
        history_weeks: Weeks in the trend series, this one included.
        timezone: ``schedules.timezone``, for the calendar's last complete week.
        as_of: "Now" for that calendar (default: the current time).
        language: The digest's language: a topic with a label in it (its alias, e.g. the
            Japanese label of a topic with English and Japanese sentences) shows that
            label; None keeps every topic's own label.
        owners: Touchpoint name -> owner (the taxonomy's ``owners``): each pain point
            names the teams owning where it was heard; None or empty: no owners shown.
        fix_windows: ``fixes.before_weeks``, ``fixes.after_weeks``, ``fixes.min_records``.

    Returns:
        The week's :class:`Digest`; ``digest.empty`` when no record is dated in it (the
        renderers then say so instead of showing empty sections).

    Raises:
        ValueError: ``week`` is not an ISO week label.
    """
    monday = iso_week_monday(week)
    week = iso_week(monday)
    weeks = [iso_week(monday - timedelta(weeks=n)) for n in range(history_weeks - 1, -1, -1)]
    weekly = _weekly(store, monday - timedelta(weeks=history_weeks - 1), monday, weeks)
    this = weekly.iloc[-1]
    usual_series = _weekly(
        store,
        monday - timedelta(weeks=USUAL_WEEKS * 2),
        monday - timedelta(weeks=1),
        [iso_week(monday - timedelta(weeks=n)) for n in range(USUAL_WEEKS * 2, 0, -1)],
    )
    calendar = last_complete_week(timezone, as_of)
    digest = Digest(
        week=week,
        start=monday,
        end=monday + timedelta(days=6),
        generated_at=utcnow(),
        records=int(this["records"]),
        previous_records=int(weekly.iloc[-2]["records"]) if len(weekly) > 1 else 0,
        usual_records=usual_volume([int(n) for n in usual_series["records"]]),
        analysed=int(this["analysed"]),
        negative_share=None if pd.isna(this["negative_share"]) else float(this["negative_share"]),
        channels=_channels(store, monday),
        weekly=weekly,
        history_weeks=weeks,
        silent_since=(
            calendar
            if iso_week_monday(calendar) > monday and not _has_feedback_after(store, monday)
            else None
        ),
    )
    digest.events = _events(store, weeks)
    if digest.empty:
        return digest
    ranked = top_pain_points(store, week, limit=top, quotes=quotes)
    topic_ids = [int(t) for t in ranked["topic_id"]]
    history = _history(store, topic_ids, weeks)
    first_seen = _first_weeks(store, topic_ids)
    rows: list[dict[Any, Any]] = ranked.to_dict("records")
    for row in rows:
        topic_id = int(row["topic_id"])
        digest.pain_points.append(
            PainPoint(
                rank=int(row["rank"]),
                topic_id=topic_id,
                label=str(row["label"]),
                keywords=[str(k) for k in row["keywords"]][:6],
                volume=int(row["volume"]),
                previous_volume=int(row["previous_volume"]),
                wow_change=None if pd.isna(row["wow_change"]) else float(row["wow_change"]),
                negative_share=float(row["negative_share"]),
                emerging=bool(row["emerging"]),
                new=first_seen.get(topic_id) == week,
                recurrence=int(row["recurrence"]),
                score=float(row["score"]),
                impacts={
                    metric: float(value)
                    for metric in _METRICS
                    if not pd.isna(value := row[f"{metric}_impact"])
                },
                where=[
                    {"channel": c["channel"], "touchpoint": c["touchpoint"], "volume": c["volume"]}
                    for c in row["breakdown"][:4]
                ],
                quotes=list(row["quotes"]),
                history=history.get(topic_id, [(w, 0, None) for w in weeks]),
            )
        )
    _add_owners_and_actions(digest, store, owners or {})
    praised: list[dict[Any, Any]] = top_praise(store, week, limit=PRAISE_TOP).to_dict("records")
    digest.praise = [
        Praise(
            topic_id=int(p["topic_id"]),
            label=str(p["label"]),
            volume=int(p["volume"]),
            positive_share=float(p["positive_share"]),
            quotes=list(p["quotes"]),
        )
        for p in praised
    ]
    digest.emerging = _emerging(store, week)
    # In a thin week every topic's share is noise (3 records: most topics at 0 %).
    digest.falling = [] if digest.thin else _falling(store, week, monday, digest.records)
    labels = topic_labels(store, language) if language is not None else {}
    digest.surveys = _surveys(store, week, iso_week(monday - timedelta(weeks=1)), labels, language)
    digest.fixes = _fixes(store, monday, fix_windows, timezone, language)
    digest.heatmap = _heatmap(store, monday)
    if labels:
        _relabel(digest, labels, topic_labels(store, language, pain_points=True))
    return digest


def _relabel(digest: Digest, labels: dict[int, str], pain_labels: dict[int, str]) -> None:
    """Every topic of ``digest`` under its label in ``labels``, a pain point under its
    complaints' label in ``pain_labels`` (kept when not there)."""

    def named(items: list[Any], names: dict[int, str] = labels) -> list[Any]:
        return [replace(i, label=names.get(i.topic_id, i.label)) for i in items]

    digest.pain_points = named(digest.pain_points, pain_labels)
    digest.praise = named(digest.praise)
    digest.emerging = named(digest.emerging)
    digest.falling = named(digest.falling)


def _add_owners_and_actions(digest: Digest, store: Warehouse, owners: Mapping[str, Owner]) -> None:
    """Each pain point's owning teams and latest action (:mod:`voc.loop`)."""
    ids = [p.topic_id for p in digest.pain_points]
    routes = pain_point_owners(store, digest.week, ids, owners) if owners else {}
    statuses = topic_status(store)
    digest.pain_points = [
        replace(
            p,
            owners=[r.owner.team for r in routes.get(p.topic_id, [])],
            action=statuses.get(p.topic_id),
        )
        for p in digest.pain_points
    ]


def _events(store: Warehouse, weeks: list[str]) -> list[Event]:
    """The events dated in ``weeks`` (the trend charts' span)."""
    if not weeks:
        return []
    first = iso_week_monday(weeks[0])
    frame = list_events(store, first, iso_week_monday(weeks[-1]) + timedelta(days=6))
    return [
        Event(week=iso_week(day), day=day, title=str(title), kind=str(kind))
        for day, title, kind in zip(frame["event_date"], frame["title"], frame["kind"], strict=True)
    ]


def _weekly(store: Warehouse, first: date, monday: date, weeks: list[str]) -> pd.DataFrame:
    """Records, analysed records and the negative share of sentences, per week."""
    frame = store_feedback.weekly_activity(store, first, monday)
    out = pd.DataFrame({"week": weeks}).merge(frame, on="week", how="left")
    out["records"] = out["records"].fillna(0).astype("int64")
    out["analysed"] = out["analysed"].fillna(0).astype("int64")
    return out


def _channels(store: Warehouse, monday: date) -> dict[str, int]:
    return store_feedback.week_channels(store, monday)


def _history(
    store: Warehouse, topic_ids: list[int], weeks: list[str]
) -> dict[int, list[tuple[str, int, float | None]]]:
    """Each topic's whole-week volume and negative share over ``weeks`` (0 / None: absent)."""
    rows = store_insights.whole_week_history(store, topic_ids, weeks)
    found = {(int(t), str(w)): (int(v), float(n)) for t, w, v, n in rows}
    return {
        topic_id: [(w, *found.get((topic_id, w), (0, None))) for w in weeks]
        for topic_id in topic_ids
    }


def _has_feedback_after(store: Warehouse, monday: date) -> bool:
    """Whether any feedback is dated after the week starting ``monday``."""
    return store_feedback.has_feedback_from(store, monday + timedelta(days=7))


def _first_weeks(store: Warehouse, topic_ids: list[int]) -> dict[int, str]:
    return store_insights.first_weeks(store, topic_ids)


def _surveys(
    store: Warehouse,
    week: str,
    previous_week: str,
    labels: dict[int, str],
    language: str | None = None,
) -> list[SurveyMetric]:
    rows = store_insights.whole_week_survey_metrics(store, [week, previous_week])
    values = {(str(w), str(m)): (float(v), int(n)) for w, m, v, n in rows}
    out = []
    for metric in _METRICS:
        if (week, metric) not in values:
            continue
        value, respondents = values[(week, metric)]
        previous = values.get((previous_week, metric))
        drags = store_insights.survey_drags(store, week, metric)
        out.append(
            SurveyMetric(
                metric=metric,
                value=value,
                respondents=respondents,
                previous=previous[0] if previous else None,
                previous_respondents=previous[1] if previous else 0,
                drags=[
                    (labels.get(int(topic_id), str(label)), float(impact))
                    for label, impact, topic_id in drags
                ],
                explained=_explained(store, metric, week, previous_week, value, previous, language),
            )
        )
    return out


def _explained(
    store: Warehouse,
    metric: str,
    week: str,
    previous_week: str,
    value: float,
    previous: tuple[float, int] | None,
    language: str | None,
) -> DriverResult | None:
    """Why ``metric`` moved since ``previous_week``; None when it did not move (at the
    table's one decimal) or a week has no respondent."""
    if previous is None or round(value, 1) == round(previous[0], 1):
        return None
    try:
        return explain_change(store, metric, week, previous_week=previous_week, language=language)
    except UserError:
        return None


def _fixes(
    store: Warehouse,
    monday: date,
    windows: tuple[int, int, int],
    timezone: str,
    language: str | None,
) -> list[dict[str, Any]]:
    """The fixes shipped in or before the week of ``monday``, judged as of its end."""
    before_weeks, after_weeks, min_records = windows
    # The Tuesday after the week, 00:00 UTC: the week has ended in every time zone and
    # the next one has not, so the verdict is the one the digest of this week gave.
    as_of = datetime.combine(monday + timedelta(days=8), datetime.min.time())
    frame = evaluate_fixes(
        store,
        before_weeks=before_weeks,
        after_weeks=after_weeks,
        min_records=min_records,
        as_of=as_of,
        timezone=timezone,
        language=language,
    )
    frame = frame[frame["fix_week"] <= iso_week(monday)]
    rows: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    return [{**row, "needed_weeks": after_weeks, "min_records": min_records} for row in rows]


def _heatmap(store: Warehouse, monday: date) -> pd.DataFrame:
    """Channel x touchpoint cells of the week: records and the share of them negative."""
    return store_feedback.week_heatmap(store, monday, NO_TOUCHPOINT)
