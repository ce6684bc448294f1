"""voc.weeks: ISO weeks, "complete" in the schedule's zone, and the one default week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from voc.errors import ConfigError
from voc.weeks import (
    default_week,
    is_complete,
    is_thin,
    iso_week,
    iso_week_monday,
    last_complete_week,
    parse_week,
    usual_volume,
    weeks_between,
)

# Wednesday of 2026-W12: 2026-W11 is the calendar's last complete week.
WEDNESDAY = datetime(2026, 3, 18, 12, tzinfo=UTC)


def test_iso_weeks_round_trip_across_a_53_week_year() -> None:
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert iso_week_monday("2026-W53") == date(2026, 12, 28)
    assert weeks_between("2026-W52", "2027-W01") == ["2026-W52", "2026-W53", "2027-W01"]
    with pytest.raises(ValueError, match="does not exist"):
        iso_week_monday("2025-W53")
    assert parse_week("2026-w05") == "2026-W05" and parse_week("2026-10-01") == "2026-W40"
    with pytest.raises(ConfigError, match="write an ISO week such as 2026-W40"):
        parse_week("2026-40", "--since")


def test_a_week_is_complete_once_it_ended_in_the_schedule_zone() -> None:
    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 08:30 in Tokyo
    assert last_complete_week("Asia/Tokyo", sunday_night_utc) == "2026-W47"
    assert last_complete_week("UTC", sunday_night_utc) == "2026-W46"
    assert is_complete("2026-W47", "Asia/Tokyo", sunday_night_utc)
    assert not is_complete("2026-W47", "UTC", sunday_night_utc)


def test_the_default_week_is_the_last_complete_week_with_data() -> None:
    usual = {f"2026-W{n:02d}": 100 for n in range(1, 11)}
    # 2026-W12 is still running: never the default, however much it holds.
    chosen = default_week({**usual, "2026-W11": 90, "2026-W12": 500}, now=WEDNESDAY)
    assert chosen is not None and chosen.week == "2026-W11" and chosen.records == 90
    assert chosen.notes == [] and not chosen.thin and not chosen.stale
    assert chosen.last_usual_week == "2026-W11"
    # An empty last complete week is skipped (a source stopped), with a note saying so.
    chosen = default_week(usual, now=WEDNESDAY)
    assert chosen is not None and chosen.week == "2026-W10" and chosen.stale
    assert chosen.calendar_week == "2026-W11"
    assert "no feedback is dated after 2026-W10" in chosen.notes[0]
    assert "voc runs" in chosen.notes[0]


def test_a_default_week_far_below_the_usual_volume_carries_a_note() -> None:
    counts = {f"2026-W{n:02d}": 100 for n in range(1, 11)} | {"2026-W11": 3}
    chosen = default_week(counts, now=WEDNESDAY)
    assert chosen is not None and chosen.week == "2026-W11" and chosen.thin
    assert chosen.usual == 100 and chosen.last_usual_week == "2026-W10"
    (note,) = chosen.notes
    assert "3 records, 3% of the usual 100" in note and "--week 2026-W10" in note
    # A quarter of the usual is the line: 25 is not thin, 24 is.
    assert not is_thin(25, 100) and is_thin(24, 100) and not is_thin(0, 100)
    # The usual volume is a median over weeks with data: one burst does not lift it.
    assert usual_volume([100, 0, 100, 1000, 100]) == 100
    assert usual_volume([0, 0]) is None


def test_no_default_week_without_a_complete_week_with_data() -> None:
    assert default_week({}, now=WEDNESDAY) is None
    assert default_week({"2026-W12": 40}, now=WEDNESDAY) is None
