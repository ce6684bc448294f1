"""Trends: volume, negative share and mean sentiment per period (ISO week or month).

:func:`period_table` turns the store's per-period sentiment counts
(:func:`voc.store.sentences.sentiment_by_period`) into the table ``voc trends`` prints:
every period from the first to the last with data, the empty ones with volume 0.
:func:`voc.query.trends` resolves the topic and the filters, then calls it.
"""

from __future__ import annotations

import pandas as pd

from voc.errors import VocError
from voc.weeks import iso_week

__all__ = ["PERIODS", "TREND_COLUMNS", "period_table"]

#: Period name -> (the store's unit, its label format, the pandas frequency of its starts).
PERIODS = {"week": ("week", "%G-W%V", "7D"), "month": ("month", "%Y-%m", "MS")}
#: The columns of a trend table, in order.
TREND_COLUMNS = [
    "period",
    "period_start",
    "volume",
    "sentences",
    "negative_share",
    "mean_sentiment",
]


def period_table(frame: pd.DataFrame, by: str = "week") -> pd.DataFrame:
    """One row per period from the first to the last with data, oldest first.

    Args:
        frame: Per period with data: ``period_start``, ``volume`` (records),
            ``sentences``, ``negative`` (negative sentences) and ``mean_sentiment``.
            Not changed.
        by: ``"week"`` (ISO weeks) or ``"month"``.

    Returns:
        ``period`` (``YYYY-Www`` or ``YYYY-MM``), ``period_start`` (its first day),
        ``volume``, ``sentences``, ``negative_share`` (NULL without sentences) and
        ``mean_sentiment``; periods in between without data have volume 0.

    Raises:
        VocError: ``by`` is neither week nor month.
    """
    if by not in PERIODS:
        raise VocError(f"by={by!r}: choose 'week' or 'month'")
    _, label_format, frequency = PERIODS[by]
    if frame.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    frame = frame.assign(period_start=pd.to_datetime(frame["period_start"]))
    starts = pd.date_range(frame["period_start"].min(), frame["period_start"].max(), freq=frequency)
    frame = frame.set_index("period_start").reindex(starts)
    frame.index.name = "period_start"
    frame = frame.reset_index()
    for column in ("volume", "sentences", "negative"):
        frame[column] = frame[column].fillna(0).astype("int64")
    negative_share = frame["negative"] / frame["sentences"].where(frame["sentences"] > 0)
    return pd.DataFrame(
        {
            "period": frame["period_start"].dt.strftime(label_format)
            if by == "month"
            else [iso_week(d) for d in frame["period_start"]],
            "period_start": frame["period_start"].dt.date,
            "volume": frame["volume"],
            "sentences": frame["sentences"],
            "negative_share": negative_share.astype("float64"),
            "mean_sentiment": frame["mean_sentiment"].astype("float64"),
        }
    )
