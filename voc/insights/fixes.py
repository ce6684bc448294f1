"""Did the fix work? A pain point before and after the date its fix shipped.

For every topic whose latest action (:func:`voc.store.loop.latest_actions`) is
``fix-shipped`` on a date, :func:`evaluate_fixes` compares the weeks before the fix's
ISO week with the weeks after it (the fix week itself is left out: it mixes both), on
two questions:

1. **Is the topic heard less?** Its share of feedback: records mentioning the topic per
   record that could have mentioned one (a record with at least one sentence in a topic,
   "other" included). Counts are Poisson with the records as exposure, so the test is
   the **rate ratio** ``RR = (x1 / E1) / (x0 / E0)`` with its exact conditional test:
   given ``n = x0 + x1`` mentions, ``x1`` is binomial with ``p = E1 RR / (E0 + E1 RR)``;
   the Clopper-Pearson interval of ``p`` turned back into ``RR`` is the 95 % interval
   (exact, and finite at 0 mentions after). ``RR < 1``: heard less.
2. **Is it less negative?** Its negative share: of the records mentioning it, the share
   with a negative sentence in the topic. Two proportions: the difference ``after -
   before`` with Newcombe's hybrid score interval (Wilson intervals of each side; good
   with small counts), and the pooled z-test's p-value.

Verdict (both intervals at 95 %)
    - ``too early to tell``: fewer than ``after_weeks`` full weeks after the fix week
      have ended (on the calendar, and with feedback dated in them), or the topic has
      fewer than ``min_records`` mentions in the weeks before (a halving of fewer
      mentions is rarely distinguishable from chance). The reason says which.
    - ``fixed``: the share's interval is below 1 or the negative share's below 0, and
      neither is significantly worse.
    - ``worse``: the share's interval is above 1 or the negative share's above 0, and
      neither is significantly better.
    - both at once (heard less but more negative, or the reverse): the complaints'
      rate ratio (negative mentions per record) decides; ``no change`` when it is
      inconclusive.
    - ``no change``: neither is significant, and the share's interval lies inside
      :data:`NO_CHANGE_RATIOS` (0.5 to 2): the data rule out a halving and a doubling.
    - ``too early to tell`` again when neither is significant but the interval still
      allows a halving or a doubling: "no change" would read as "the fix failed" when
      the data cannot say (at 30 mentions before a fix, a real halving is missed about
      4 times in 10).

    ``early_because`` says which rule made it too early: ``weeks``, ``records`` or
    ``interval``.

Two tests at 95 % each: a topic that did not change is called fixed about 4 % of the
time (the measured rates are in ``docs/loop-stats.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from voc.store import drivers as store_drivers
from voc.store.topics import topic_labels
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week, iso_week_monday, last_complete_week

__all__ = [
    "FIX_COLUMNS",
    "NO_CHANGE_RATIOS",
    "VERDICTS",
    "FixTest",
    "evaluate_fixes",
    "fix_series",
    "judge_fix",
    "proportion_difference",
    "rate_ratio",
]

#: The verdicts, best first.
VERDICTS = ("fixed", "no change", "worse", "too early to tell")
#: "no change" needs the rate ratio's interval inside these bounds (module docstring).
NO_CHANGE_RATIOS = (0.5, 2.0)
FIX_COLUMNS = [
    "topic_id", "label", "fix_date", "fix_week", "note", "actor",
    "before_from", "before_to", "after_from", "after_to", "weeks_after",
    "records_before", "records_after", "mentions_before", "mentions_after",
    "share_before", "share_after", "rate_ratio", "rate_ratio_low", "rate_ratio_high",
    "rate_ratio_p", "negative_before", "negative_after", "negative_share_before",
    "negative_share_after", "negative_change", "negative_change_low",
    "negative_change_high", "negative_change_p", "verdict", "early_because", "reason",
]  # fmt: skip
_Z = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class FixTest:
    """A rate ratio or a difference of proportions, with its 95 % interval."""

    estimate: float
    low: float
    high: float
    p_value: float

    @property
    def below(self) -> bool:
        """Significantly below the null (1 for a ratio, 0 for a difference)."""
        return self.high < self.null

    @property
    def above(self) -> bool:
        return self.low > self.null

    #: The value of no change: 1 for a ratio, 0 for a difference.
    null: float = 1.0


def rate_ratio(x0: int, exposure0: float, x1: int, exposure1: float) -> FixTest:
    """The Poisson rate ratio ``(x1 / exposure1) / (x0 / exposure0)`` with its exact
    conditional 95 % interval (Clopper-Pearson on ``x1`` of ``x0 + x1``) and the exact
    binomial test's two-sided p-value (module docstring).

    Raises:
        ValueError: An exposure that is not positive.
    """
    if exposure0 <= 0 or exposure1 <= 0:
        raise ValueError("both windows need records (exposure > 0)")
    n = x0 + x1
    odds = exposure0 / exposure1
    if n == 0:
        return FixTest(math.nan, 0.0, math.inf, 1.0)
    expected = exposure1 / (exposure0 + exposure1)
    test = stats.binomtest(int(x1), int(n), expected)
    ci = test.proportion_ci(0.95, method="exact")

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * odds

    estimate = math.inf if x0 == 0 else (x1 / exposure1) / (x0 / exposure0)
    return FixTest(estimate, to_ratio(ci.low), to_ratio(ci.high), float(test.pvalue))


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + _Z**2 / (2 * n)) / (1 + _Z**2 / n)
    half = _Z / (1 + _Z**2 / n) * math.sqrt(p * (1 - p) / n + _Z**2 / (4 * n * n))
    return centre - half, centre + half


def proportion_difference(k0: int, n0: int, k1: int, n1: int) -> FixTest:
    """``k1 / n1 - k0 / n0`` with Newcombe's hybrid score 95 % interval and the pooled
    two-proportion z-test's two-sided p-value; NaN with an infinite interval when a side
    has no trial."""
    if n0 == 0 or n1 == 0:
        return FixTest(math.nan, -math.inf, math.inf, 1.0, null=0.0)
    p0, p1 = k0 / n0, k1 / n1
    l0, u0 = _wilson(k0, n0)
    l1, u1 = _wilson(k1, n1)
    diff = p1 - p0
    low = diff - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = diff + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    pooled = (k0 + k1) / (n0 + n1)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    p_value = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(diff) / se))
    return FixTest(diff, low, high, p_value, null=0.0)


def judge_fix(
    *,
    mentions_before: int,
    records_before: int,
    negative_before: int,
    mentions_after: int,
    records_after: int,
    negative_after: int,
    weeks_after: int,
    after_weeks: int,
    min_records: int,
) -> dict[str, Any]:
    """The tests and the verdict of one fix from its window counts (module docstring).

    Returns:
        ``rate_ratio`` and ``negative_change`` (:class:`FixTest`; None without records
        on a side), ``verdict`` (one of :data:`VERDICTS`), ``early_because`` (``weeks``,
        ``records``, ``interval``; None unless too early) and ``reason`` (one line).
    """
    share = (
        rate_ratio(mentions_before, records_before, mentions_after, records_after)
        if records_before > 0 and records_after > 0
        else None
    )
    negative = proportion_difference(
        negative_before, mentions_before, negative_after, mentions_after
    )
    figures = _figures(
        share, negative, mentions_before, records_before, mentions_after, records_after,
        negative_before, negative_after,
    )  # fmt: skip
    if weeks_after < after_weeks:
        reason = (
            f"too early: {weeks_after} of the {after_weeks} weeks after the fix week have "
            "ended with feedback dated in them"
        )
        return {"rate_ratio": share, "negative_change": negative, "verdict": VERDICTS[3],
                "early_because": "weeks",
                "reason": reason + (f"; so far {figures}" if share else "")}  # fmt: skip
    if mentions_before < min_records or share is None:
        reason = (
            f"too few records: {mentions_before} mention(s) in the weeks before the fix, "
            f"{min_records} needed to tell a change from chance"
        )
        return {"rate_ratio": share, "negative_change": negative, "verdict": VERDICTS[3],
                "early_because": "records",
                "reason": reason + (f"; {figures}" if share else "")}  # fmt: skip
    better = share.below or negative.below
    worse = share.above or negative.above
    if better and worse:
        complaints = rate_ratio(negative_before, records_before, negative_after, records_after)
        verdict = "fixed" if complaints.below else "worse" if complaints.above else "no change"
        figures += (
            f"; complaints per record x{_ratio(complaints.estimate)} "
            f"(95% CI {_ratio(complaints.low)}–{_ratio(complaints.high)})"
        )
    elif better:
        verdict = "fixed"
    elif worse:
        verdict = "worse"
    elif NO_CHANGE_RATIOS[0] < share.low and share.high < NO_CHANGE_RATIOS[1]:
        verdict = "no change"
    else:
        return {"rate_ratio": share, "negative_change": negative, "verdict": VERDICTS[3],
                "early_because": "interval",
                "reason": "too few records: the rate ratio's interval still allows a halving "
                f"or a doubling; {figures}"}  # fmt: skip
    return {"rate_ratio": share, "negative_change": negative, "verdict": verdict,
            "early_because": None, "reason": figures}  # fmt: skip


def _ratio(value: float) -> str:
    return "∞" if math.isinf(value) else "–" if math.isnan(value) else f"{value:.2f}"


def _figures(
    share: FixTest | None,
    negative: FixTest,
    x0: int, e0: int, x1: int, e1: int, k0: int, k1: int,
) -> str:  # fmt: skip
    if share is None:
        return "no records on one side"
    line = (
        f"share of feedback {x0 / e0:.1%} → {x1 / e1:.1%} (rate ratio {_ratio(share.estimate)}, "
        f"95% CI {_ratio(share.low)}–{_ratio(share.high)})"
    )
    if x0 and x1:
        line += (
            f"; negative share {k0 / x0:.0%} → {k1 / x1:.0%} ({100 * negative.estimate:+.0f} "
            f"points, 95% CI {100 * negative.low:+.0f} to {100 * negative.high:+.0f})"
        )
    return line


def evaluate_fixes(
    store: Warehouse,
    *,
    before_weeks: int = 4,
    after_weeks: int = 4,
    min_records: int = 20,
    as_of: date | datetime | None = None,
    timezone: str = "UTC",
    actions: pd.DataFrame | None = None,
    language: str | None = None,
) -> pd.DataFrame:
    """For every topic whose latest action is ``fix-shipped``: before vs after the fix.

    Args:
        store: An open store (read-only is fine).
        before_weeks: Weeks compared before the fix's week (``fixes.before_weeks``).
        after_weeks: Full weeks needed after it (``fixes.after_weeks``).
        min_records: Mentions the topic needs in the weeks before (``fixes.min_records``).
        as_of: "Now", for which weeks have ended (default: the current time); a date
            means the end of that day (UTC).
        timezone: ``schedules.timezone``: when a week has ended.
        actions: The topics' latest actions (columns of
            :func:`voc.store.loop.latest_actions`); default: read them from the store.
        language: Topic labels in this language when a topic has one.

    Returns:
        One row per fix, newest fix first, columns :data:`FIX_COLUMNS`: the windows
        (``before_from``.. ``after_to``, ISO weeks; ``weeks_after`` full weeks after
        that have ended with data), records (exposure) and mentions per window, the
        shares, the rate ratio with its interval and p-value, negative mentions and
        shares with their difference (0..1 scale), interval and p-value, the
        ``verdict`` (:data:`VERDICTS`) and a one-line ``reason`` with the figures.
        Empty (with these columns) when no fix is recorded.
    """
    if actions is None:
        from voc.store.loop import latest_actions

        actions = latest_actions(store)
    shipped = actions[(actions["status"] == "fix-shipped") & actions["action_date"].notna()]
    if shipped.empty:
        return pd.DataFrame(columns=FIX_COLUMNS)
    now = as_of if isinstance(as_of, datetime) else (
        datetime.combine(as_of + timedelta(days=1), datetime.min.time())
        if isinstance(as_of, date) else None
    )  # fmt: skip
    ended = iso_week_monday(last_complete_week(timezone, now))
    last_data = store_drivers.last_feedback_week(store)
    last_usable = ended if last_data is None else min(ended, last_data)
    fixes = []
    for row in shipped.to_dict("records"):
        fix_monday = iso_week_monday(iso_week(pd.Timestamp(row["action_date"]).date()))
        fixes.append((int(row["topic_id"]), fix_monday, row))
    first = min(m for _, m, _ in fixes) - timedelta(weeks=before_weeks)
    last = max(m for _, m, _ in fixes) + timedelta(weeks=after_weeks)
    totals, mentions = store_drivers.topic_week_counts(
        store, sorted({t for t, _, _ in fixes}), first, last
    )
    records = dict(zip(totals["week"], totals["records"].astype(int), strict=True))
    heard = {
        (int(t), str(w)): (int(n), int(k))
        for w, t, n, k in mentions[["week", "topic_id", "records", "negative"]].itertuples(
            index=False
        )
    }
    labels = topic_labels(store, language)
    out = []
    for topic_id, fix_monday, row in fixes:
        before = [fix_monday - timedelta(weeks=n) for n in range(before_weeks, 0, -1)]
        after = [fix_monday + timedelta(weeks=n) for n in range(1, after_weeks + 1)]
        usable_after = [m for m in after if m <= last_usable]
        window = {"before": before, "after": usable_after}
        counts: dict[str, tuple[int, int, int]] = {}
        for side, mondays in window.items():
            weeks = [iso_week(m) for m in mondays]
            counts[side] = (
                sum(records.get(w, 0) for w in weeks),
                sum(heard.get((topic_id, w), (0, 0))[0] for w in weeks),
                sum(heard.get((topic_id, w), (0, 0))[1] for w in weeks),
            )
        (e0, x0, k0), (e1, x1, k1) = counts["before"], counts["after"]
        judged = judge_fix(
            mentions_before=x0, records_before=e0, negative_before=k0,
            mentions_after=x1, records_after=e1, negative_after=k1,
            weeks_after=len(usable_after), after_weeks=after_weeks, min_records=min_records,
        )  # fmt: skip
        share: FixTest | None = judged["rate_ratio"]
        negative: FixTest = judged["negative_change"]
        out.append(
            {
                "topic_id": topic_id,
                "label": labels.get(topic_id, f"topic {topic_id}"),
                "fix_date": pd.Timestamp(row["action_date"]).date(),
                "fix_week": iso_week(fix_monday),
                "note": row.get("note"),
                "actor": row.get("actor"),
                "before_from": iso_week(before[0]),
                "before_to": iso_week(before[-1]),
                "after_from": iso_week(after[0]),
                "after_to": iso_week(after[-1]),
                "weeks_after": len(usable_after),
                "records_before": e0,
                "records_after": e1,
                "mentions_before": x0,
                "mentions_after": x1,
                "share_before": x0 / e0 if e0 else np.nan,
                "share_after": x1 / e1 if e1 else np.nan,
                "rate_ratio": share.estimate if share else np.nan,
                "rate_ratio_low": share.low if share else np.nan,
                "rate_ratio_high": share.high if share else np.nan,
                "rate_ratio_p": share.p_value if share else np.nan,
                "negative_before": k0,
                "negative_after": k1,
                "negative_share_before": k0 / x0 if x0 else np.nan,
                "negative_share_after": k1 / x1 if x1 else np.nan,
                "negative_change": negative.estimate,
                "negative_change_low": negative.low,
                "negative_change_high": negative.high,
                "negative_change_p": negative.p_value,
                "verdict": judged["verdict"],
                "early_because": judged["early_because"],
                "reason": judged["reason"],
            }
        )
    frame = pd.DataFrame(out, columns=FIX_COLUMNS)
    return frame.sort_values(["fix_date", "topic_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def fix_series(
    store: Warehouse,
    topic_id: int,
    fix_date: date | datetime,
    *,
    before_weeks: int = 4,
    after_weeks: int = 4,
) -> pd.DataFrame:
    """A fix's weeks, for a chart: the topic's weekly share of feedback around the fix.

    Args:
        topic_id: The topic fixed.
        fix_date: The day the fix shipped.
        before_weeks, after_weeks: The windows (``fixes.before_weeks``, ``after_weeks``).

    Returns:
        One row per week from ``before_weeks`` before the fix's week to ``after_weeks``
        after it: ``week``, ``side`` (``before``, ``fix`` or ``after``), ``records``
        (with a topic sentence), ``mentions``, ``negative``, ``share`` (mentions /
        records; NaN without records) and ``negative_share`` (NaN without mentions).
    """
    fix_monday = iso_week_monday(iso_week(pd.Timestamp(fix_date).date()))
    mondays = [fix_monday + timedelta(weeks=n) for n in range(-before_weeks, after_weeks + 1)]
    totals, mentions = store_drivers.topic_week_counts(
        store, [int(topic_id)], mondays[0], mondays[-1]
    )
    records = dict(zip(totals["week"], totals["records"].astype(int), strict=True))
    heard = {
        str(w): (int(n), int(k))
        for w, n, k in mentions[["week", "records", "negative"]].itertuples(index=False)
    }
    rows = []
    for monday in mondays:
        week = iso_week(monday)
        n, k = heard.get(week, (0, 0))
        total = records.get(week, 0)
        rows.append(
            {
                "week": week,
                "side": "fix"
                if monday == fix_monday
                else "before"
                if monday < fix_monday
                else "after",
                "records": total,
                "mentions": n,
                "negative": k,
                "share": n / total if total else np.nan,
                "negative_share": k / n if n else np.nan,
            }
        )
    return pd.DataFrame(rows)
