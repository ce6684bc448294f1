"""ISO weeks, and the one default week of ``voc pain-points``, ``voc digest``, the notebook
and ``voc backfill``.

Weeks are ISO weeks written ``YYYY-Www`` (``2026-W45``), Monday to Sunday. A record
belongs to the week of its ``created_at`` (UTC, as stored). Years with 53 ISO weeks need
no special case: a week is always computed from its Monday.

**Complete.** A week is complete once it has ended on the calendar of the schedule's time
zone (``schedules.timezone``): on Monday 08:00 in Tokyo the week that ended on the Sunday
just past is complete, although it is still Sunday in UTC (:func:`last_complete_week`).

**The default week** (:func:`default_week`) is the last complete week *with data*: the
latest week, at or before :func:`last_complete_week`, in which some feedback is dated. So
a reader never lands on an empty week (a source that stopped) or on the week still
running. Two notes come with it, in :attr:`DefaultWeek.notes`, because the week shown may
not be the week a reader expects:

- ``stale``: the calendar's last complete week has no feedback (nothing is dated after the
  default week): the sources may have stopped; ``voc runs`` says.
- ``thin``: the week's volume is far below the usual one, under :data:`THIN_RATIO` (25 %)
  of the median of up to :data:`USUAL_WEEKS` (8) weeks with data before it: an export cut
  short, a holiday, a source down. Changes and rankings of such a week are read with
  care; :attr:`DefaultWeek.last_usual_week` names the latest complete week at the usual
  volume, for a reader who wants a full week.

The median (not the mean) of the weeks before, because one burst week (a campaign, an
outage) would lift a mean for two months.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from voc.errors import ConfigError

__all__ = [
    "THIN_RATIO",
    "USUAL_WEEKS",
    "DefaultWeek",
    "default_week",
    "is_complete",
    "is_thin",
    "iso_week",
    "iso_week_monday",
    "last_complete_week",
    "parse_week",
    "usual_volume",
    "week_start",
    "weeks_between",
]

#: A week whose volume is under this part of the usual one is thin.
THIN_RATIO = 0.25
#: The usual volume is the median of this many weeks with data before the week.
USUAL_WEEKS = 8

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_week(day: date | datetime) -> str:
    """The ISO week label of a day, ``YYYY-Www`` (2027-01-01 -> ``2026-W53``)."""
    year, number, _ = day.isocalendar()[:3]
    return f"{year}-W{number:02d}"


def iso_week_monday(week: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www`` (``2026-W53`` -> 2026-12-28).

    Raises:
        ValueError: Not an ISO week label, or a week the year does not have (``2025-W53``).
    """
    match = _WEEK.fullmatch(week.strip())
    if match is None:
        raise ValueError(f"week {week!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W05")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as e:
        raise ValueError(f"week {week!r} does not exist: {e}") from e


def week_start(week: str) -> datetime:
    """The week's first instant (its Monday, 00:00, naive UTC as the store keeps times)."""
    return datetime.combine(iso_week_monday(week), datetime.min.time())


def parse_week(value: str, argument: str = "week") -> str:
    """An ISO week label from what a user wrote: a week (``2026-w40``) or a date in it.

    Args:
        value: ``2026-W40`` (any case) or ``2026-10-01`` (its week, ``2026-W40``).
        argument: Its name in the message (``since``, ``--until``, ``week``).

    Raises:
        ConfigError: Neither an ISO week nor a date; the message says what to write.
    """
    text = value.strip().upper()
    try:
        day = date.fromisoformat(text) if _DATE.fullmatch(text) else iso_week_monday(text)
    except ValueError as e:
        if _DATE.fullmatch(text):
            reason = "is not a date"
        elif _WEEK.fullmatch(text):
            reason = "is not a week of its year (an ISO year has 52 or 53 weeks)"
        else:
            reason = "is not an ISO week or a date"
        raise ConfigError(
            f"{argument} {value!r} {reason}: write an ISO week such as 2026-W40, "
            "or a date such as 2026-10-01 for its week"
        ) from e
    return iso_week(day)


def weeks_between(first: str, last: str) -> list[str]:
    """Every ISO week from ``first`` to ``last``, both included (empty when reversed)."""
    start, end = iso_week_monday(first), iso_week_monday(last)
    return [iso_week(start + timedelta(weeks=n)) for n in range((end - start).days // 7 + 1)]


def last_complete_week(timezone: str = "UTC", now: datetime | None = None) -> str:
    """The ISO week before the current one, as a calendar in ``timezone`` sees it.

    On Monday 08:00 in Tokyo this is the week that ended on the Sunday just past, even
    though it is still Sunday in UTC.

    Args:
        timezone: An IANA zone (``schedules.timezone``).
        now: The moment (default: now); a naive one is read as UTC.
    """
    moment = now or datetime.now(ZoneInfo("UTC"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(ZoneInfo(timezone))
    return iso_week(local.date() - timedelta(days=7))


def is_complete(week: str, timezone: str = "UTC", now: datetime | None = None) -> bool:
    """Whether ``week`` has ended on the calendar of ``timezone`` (:func:`last_complete_week`)."""
    return iso_week_monday(week) <= iso_week_monday(last_complete_week(timezone, now))


def usual_volume(counts_before: list[int]) -> float | None:
    """The usual weekly volume: the median of the last :data:`USUAL_WEEKS` weeks with data.

    Args:
        counts_before: Records per week before the week judged, oldest first; weeks
            without data (0) are skipped.

    Returns:
        None when no week before has data.
    """
    with_data = [n for n in counts_before if n > 0][-USUAL_WEEKS:]
    return float(statistics.median(with_data)) if with_data else None


def is_thin(records: int, usual: float | None) -> bool:
    """A week with data, but under :data:`THIN_RATIO` of the usual volume."""
    return usual is not None and 0 < records < THIN_RATIO * usual


@dataclass(frozen=True)
class DefaultWeek:
    """The default week and what a reader should know about it.

    Attributes:
        week: The last complete week with data.
        records: Feedback records dated in it.
        usual: The usual weekly volume before it (:func:`usual_volume`); None without one.
        calendar_week: The calendar's last complete week (:func:`last_complete_week`).
        last_usual_week: The latest complete week at or above :data:`THIN_RATIO` of its
            usual volume (``week`` itself unless it is thin); None when there is none.
    """

    week: str
    records: int
    usual: float | None
    calendar_week: str
    last_usual_week: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def thin(self) -> bool:
        """Far below the usual volume (:func:`is_thin`)."""
        return is_thin(self.records, self.usual)

    @property
    def stale(self) -> bool:
        """No feedback is dated in the calendar's last complete week."""
        return self.week != self.calendar_week


def default_week(
    weekly_records: dict[str, int], timezone: str = "UTC", now: datetime | None = None
) -> DefaultWeek | None:
    """The last complete week with data (module docstring), with its notes.

    Args:
        weekly_records: Feedback records per ISO week (any order; weeks without data may be
            missing), e.g. :func:`voc.query.weekly_records`.
        timezone: ``schedules.timezone``: when a week is complete.
        now: The moment (default: now).

    Returns:
        None when no complete week has data (an empty store, or one holding only the week
        still running).
    """
    calendar = last_complete_week(timezone, now)
    horizon = iso_week_monday(calendar)
    complete = sorted(
        (iso_week_monday(week), int(n))
        for week, n in weekly_records.items()
        if n > 0 and iso_week_monday(week) <= horizon
    )
    if not complete:
        return None
    # Records per calendar week, with the weeks without data as 0, up to the default week.
    counts = dict(complete)
    first, last = complete[0][0], complete[-1][0]
    mondays = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    series = [counts.get(monday, 0) for monday in mondays]
    usual = usual_volume(series[:-1])
    last_usual = None
    for index in range(len(series) - 1, -1, -1):
        if series[index] > 0 and not is_thin(series[index], usual_volume(series[:index])):
            last_usual = iso_week(mondays[index])
            break
    week, records = iso_week(last), series[-1]
    notes = []
    if week != calendar:
        notes.append(
            f"no feedback is dated after {week}: the last complete week, {calendar}, has "
            "none (check that the sources still run: `voc runs`)"
        )
    if usual is not None and is_thin(records, usual):
        notes.append(
            f"{week} holds {records} records, {records / usual:.0%} of the usual "
            f"{usual:,.0f} a week (median of the {USUAL_WEEKS} weeks with data before): "
            "read its ranking with care"
            + (
                f"; the last week at the usual volume is {last_usual} (--week {last_usual})"
                if last_usual is not None and last_usual != week
                else ""
            )
        )
    return DefaultWeek(
        week=week,
        records=records,
        usual=usual,
        calendar_week=calendar,
        last_usual_week=last_usual,
        notes=notes,
    )
