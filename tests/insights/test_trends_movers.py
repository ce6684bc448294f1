"""Trends and movers live in voc/insights/; the digest and `voc trends` use them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from voc.errors import VocError
from voc.insights.trends import TREND_COLUMNS, period_table


def _counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": ["2026-09-28", "2026-10-12"],  # W40 and W42; W41 has no data
            "volume": [4, 2],
            "sentences": [10, 0],
            "negative": [5, 0],
            "mean_sentiment": [0.1, None],
        }
    )


def test_a_trend_has_every_week_between_the_first_and_the_last() -> None:
    counts = _counts()
    before = counts.copy()
    table = period_table(counts, "week")
    assert list(table.columns) == TREND_COLUMNS
    assert table["period"].tolist() == ["2026-W40", "2026-W41", "2026-W42"]
    assert table["volume"].tolist() == [4, 0, 2]
    assert table["negative_share"].iloc[0] == 0.5
    assert math.isnan(table["negative_share"].iloc[2])  # records, but no sentence analysed
    pd.testing.assert_frame_equal(counts, before)  # the input is not changed


def test_a_monthly_trend_is_labelled_by_month_and_an_unknown_period_is_refused() -> None:
    counts = pd.DataFrame(
        {"period_start": ["2026-08-01", "2026-10-01"], "volume": [1, 3], "sentences": [2, 3],
         "negative": [0, 3], "mean_sentiment": [0.5, -0.6]}
    )  # fmt: skip
    assert period_table(counts, "month")["period"].tolist() == ["2026-08", "2026-09", "2026-10"]
    assert period_table(counts.iloc[0:0], "month").empty
    with pytest.raises(VocError, match="choose 'week' or 'month'"):
        period_table(counts, "day")


def test_the_digest_reads_movers_from_insights() -> None:
    from voc.digest import data
    from voc.insights import movers

    assert data.TopicMove is movers.TopicMove
    assert (data.FALLING_RATIO, data.FALLING_MIN_BASELINE) == (0.5, 3.0)
    assert data._emerging is movers.emerging and data._falling is movers.falling
