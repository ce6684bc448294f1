"""Topics on the move in a week: emerging (new, or a spike over the trailing baseline) and
falling away (a topic's share of the week's records fell to at most :data:`FALLING_RATIO`
of what it was). The digest lists both (:func:`voc.digest.data.gather`).

- **Emerging** topics are those the insights step flagged in ``pain_points``
  (:mod:`voc.insights.painpoints`: new this week, or a spike over the trailing baseline).
- **Falling away** are topics heard at least :data:`FALLING_MIN_BASELINE` times a week
  before whose share of the week's records fell to at most :data:`FALLING_RATIO` of what
  it was: shares, not counts, so a quiet week (a holiday, a source that stopped) does not
  make every topic look like it is fading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from voc.insights.painpoints import BASELINE_WEEKS
from voc.store import insights as store_insights
from voc.store.warehouse import Warehouse

__all__ = ["FALLING_MIN_BASELINE", "FALLING_RATIO", "TopicMove", "emerging", "falling"]

#: A topic falls away when its share of the week's records is at most this part of before.
FALLING_RATIO = 0.5
#: ... and it was heard at least this many times a week before (fewer is noise).
FALLING_MIN_BASELINE = 3.0
#: Most topics listed as falling away.
FALLING_TOP = 6


@dataclass(frozen=True)
class TopicMove:
    """A topic that is emerging or falling away, with the figures behind the call."""

    topic_id: int
    label: str
    volume: int
    baseline: float
    new: bool = False
    share: float | None = None
    baseline_share: float | None = None


def emerging(store: Warehouse, week: str) -> list[TopicMove]:
    """The week's emerging topics, as the insights step flagged them."""
    rows = store_insights.emerging_topics(store, week)
    return [
        TopicMove(topic_id=int(t), label=str(label), volume=int(v), baseline=float(b), new=bool(n))
        for t, label, v, b, n in rows
    ]


def falling(store: Warehouse, week: str, monday: date, records: int) -> list[TopicMove]:
    """Topics whose share of the week's ``records`` fell to at most FALLING_RATIO of before,
    the steepest falls first (at most :data:`FALLING_TOP`)."""
    first = monday - timedelta(weeks=BASELINE_WEEKS)
    rows = store_insights.topic_shares_before(store, week, first, monday)
    moves = []
    for topic_id, label, volume, baseline, baseline_share in rows:
        share = int(volume) / records if records else 0.0
        if float(baseline) >= FALLING_MIN_BASELINE and share <= FALLING_RATIO * baseline_share:
            moves.append(
                TopicMove(
                    topic_id=int(topic_id),
                    label=str(label),
                    volume=int(volume),
                    baseline=float(baseline),
                    share=share,
                    baseline_share=float(baseline_share),
                )
            )
    moves.sort(key=lambda m: (m.share or 0) / (m.baseline_share or 1) - m.baseline / 1e6)
    return moves[:FALLING_TOP]
