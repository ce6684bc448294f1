from __future__ import annotations

from datetime import datetime

import pytest

from voc.config import SourceConfig, apply_preset
from voc.sources.mapping import RowMapper, RowProblem

NOW = datetime(2026, 11, 20, 12, 0, 0)


def _mapper(**keys) -> RowMapper:
    base = {"name": "s", "path": "x", "channel": "survey", "text_col": "text"}
    return RowMapper(apply_preset(SourceConfig.model_validate({**base, **keys})))


@pytest.mark.parametrize(
    ("scale", "good", "bad"),
    [
        ("nps", ["0", "10", "7"], ["11", "-1", "7.5"]),
        ("stars5", ["1", "5", 4.5], ["0", "6"]),
        ("csat", ["1", "5"], ["0", "6"]),
        ("ces", ["1", "7"], ["8", "0"]),
    ],
)
def test_ratings_outside_their_scale_are_impossible(scale: str, good: list, bad: list) -> None:
    mapper = _mapper(rating_col="r", rating_scale=scale)
    for value in good:
        assert mapper.parse_rating(value) == float(value)
    for value in bad:
        with pytest.raises(RowProblem) as problem:
            mapper.parse_rating(value)
        assert problem.value.reason == "impossible_rating"
    assert mapper.parse_rating("") is None
    with pytest.raises(RowProblem, match="not a number"):
        mapper.parse_rating("ten")


def test_timestamps_are_read_in_their_zone_and_stored_in_utc() -> None:
    tokyo = _mapper(time_col="t", timezone="Asia/Tokyo")
    assert tokyo.parse_time("2026/10/05 09:12", NOW, 24) == datetime(2026, 10, 5, 0, 12)
    assert tokyo.parse_time("2026-10-05T09:12:44-07:00", NOW, 24) == datetime(
        2026, 10, 5, 16, 12, 44
    )
    assert tokyo.parse_time("2026-10-05T03:12:44.000Z", NOW, 24) == datetime(2026, 10, 5, 3, 12, 44)
    assert tokyo.parse_time(1791000000000, NOW, 24) == datetime(2026, 10, 3, 4, 0)


def test_a_declared_time_format_is_used() -> None:
    mapper = _mapper(time_col="t", time_format="%d/%m/%y")
    assert mapper.parse_time("15/01/16", NOW, 24) == datetime(2016, 1, 15)
    with pytest.raises(RowProblem, match="unparseable_timestamp"):
        mapper.parse_time("2016-01-15", NOW, 24)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("next tuesday", "unparseable_timestamp"),
        ("2031-01-01", "future_timestamp"),
        ("", "missing_timestamp"),
    ],
)
def test_bad_timestamps_are_problems(value: str, reason: str) -> None:
    with pytest.raises(RowProblem) as problem:
        _mapper(time_col="t").parse_time(value, NOW, 24)
    assert problem.value.reason == reason


def test_title_and_body_are_joined_and_nested_fields_are_reached() -> None:
    mapper = _mapper(text_col=["title", "body"], metadata_cols=["author.plan", "tags"])
    row = mapper.map(
        {
            "title": "Late",
            "body": "Parcel came a week late",
            "author": {"plan": "plus"},
            "tags": ["a"],
        }
    )
    assert row.text == "Late\nParcel came a week late"
    assert row.metadata == {"author.plan": "plus", "tags": ["a"]}


def test_only_the_customers_messages_of_a_conversation_are_text() -> None:
    mapper = RowMapper(apply_preset(SourceConfig(name="t", path="x", preset="support_tickets")))
    ticket = {
        "id": 7,
        "created_at": "2026-10-05T09:12:44Z",
        "comments": [
            {"author_role": "end-user", "body": "My refund never arrived."},
            {"author_role": "agent", "body": "Thank you for contacting us!"},
            {"author_role": "end-user", "body": "Still waiting."},
        ],
    }
    row = mapper.map(ticket)
    assert row.text == "My refund never arrived.\nStill waiting."
    assert row.native_id == "7" and row.channel == "support"


def test_a_row_without_text_is_a_problem() -> None:
    with pytest.raises(RowProblem) as problem:
        _mapper().map({"text": "   "})
    assert problem.value.reason == "missing_text"
