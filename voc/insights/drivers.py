"""Why did NPS, CSAT or CES move: a week-over-week change split into its topics.

A survey score is the mean of one value per respondent (:mod:`voc.insights.painpoints`:
NPS +100 / 0 / -100, CSAT 100 / 0, CES the rating). :func:`explain_change` splits the
change of that mean between two weeks into one part per topic of the respondents'
comments, each part itself split into **mix** (the topic's share of respondents changed)
and **rate** (the topic's own score changed), and the parts add up to the change exactly.

Groups and weights
    A respondent belongs to the topics of its sentences (``sentence_topics``), each with
    the same fractional weight: a respondent mentioning two topics counts 1/2 in each, so
    every respondent weighs 1 in total and the weighted groups partition the respondents.
    Topic -1 ("other", sentences close to no topic) is a group only for respondents with
    no real topic: a comment about payment errors and something vague is about payment
    errors. Respondents with no sentence in any topic (a score without a comment, a
    record not analysed yet) form the **remainder** group, ``(no topic)``
    (:data:`NO_TOPIC`), shown as its own row, so nothing is left unexplained.

    With ``W_k`` a group's weight and ``S_k`` the sum of its members' points (each times
    its weight) in a week of ``N`` respondents, its share is ``s_k = W_k / N`` and its
    score ``r_k = S_k / W_k``; the week's score is exactly ``M = sum_k s_k r_k``.

The split (midpoint, or Shapley, decomposition)
    Between the week before (0) and the week (1), with ``c = (M0 + M1) / 2``::

        mix_k  = (s1_k - s0_k) x ((r0_k + r1_k) / 2 - c)
        rate_k = (s0_k + s1_k) / 2 x (r1_k - r0_k)
        contribution_k = mix_k + rate_k,      sum_k contribution_k = M1 - M0  (exactly)

    ``mix`` is "more respondents talked about it, and it scores below (or above) the
    average": subtracting ``c`` changes no sum (the shares add to 1 in both weeks) and
    makes a growing topic that scores at the average contribute nothing. A group absent
    from one week takes its score from the other (its ``rate`` is 0: there is no second
    score to compare with); the sum stays exact. There is no interaction term: the
    midpoint weights share it evenly between mix and rate.

Confidence intervals
    Percentile bootstrap: respondents are resampled with replacement within each week
    (``n_boot`` times, seeded), the whole split recomputed on every resample, and the
    2.5th and 97.5th percentiles of the change and of each contribution reported. The
    resampling is vectorised (each resample is a vector of draw counts per respondent,
    times the respondent-by-group weight matrix), so 1000 resamples of a demo week take a
    few milliseconds and of a 1000-respondent week about a tenth of a second. A topic's interval
    says how much of the change could be that topic, given how few respondents mention it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from voc.errors import UserError
from voc.insights.rules import OTHER_TOPIC
from voc.store import drivers as store_drivers
from voc.store.topics import topic_labels
from voc.store.warehouse import Warehouse
from voc.weeks import iso_week, iso_week_monday

__all__ = [
    "METRICS",
    "NO_TOPIC",
    "DriverResult",
    "decompose",
    "explain_change",
]

#: The metrics explained, by ``rating_scale``.
METRICS = ("nps", "csat", "ces")
#: The group id of respondents with no sentence in any topic (the remainder row).
NO_TOPIC = -2
_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
_DIGITS = {"nps": 1, "csat": 1, "ces": 2}
#: Resamples drawn per block: bounds memory (block x respondents counts) on big weeks.
_BLOCK = 200
CONTRIBUTION_COLUMNS = [
    "topic_id", "label", "kind", "respondents_before", "respondents_after",
    "share_before", "share_after", "score_before", "score_after",
    "mix", "rate", "contribution", "ci_low", "ci_high",
]  # fmt: skip


@dataclass(frozen=True)
class DriverResult:
    """A survey score's week-over-week change, split into topics (module docstring).

    Attributes:
        metric: ``nps``, ``csat`` or ``ces``.
        week, previous_week: The weeks compared (``YYYY-Www``).
        current, previous: The score in each (the mean of the respondents' points).
        change: ``current - previous``.
        respondents: ``(now, before)``: respondents in ``week`` and ``previous_week``.
        change_ci: The 95 % bootstrap interval of the change.
        contributions: One row per group, largest absolute contribution first, the
            remainder (``topic_id`` :data:`NO_TOPIC`) last: ``topic_id``, ``label``,
            ``kind`` (``topic``, ``other`` or ``no topic``), ``respondents_before`` and
            ``respondents_after`` (weighted), ``share_before``, ``share_after`` (0..1),
            ``score_before``, ``score_after`` (NaN when absent that week), ``mix``,
            ``rate``, ``contribution`` (their sum; the column sums to ``change``),
            ``ci_low``, ``ci_high`` (95 % bootstrap interval of ``contribution``).
        remainder: The remainder row's contribution (respondents with no topic).
        channel, touchpoint: The filter applied (None: every one).
        n_boot, seed: The bootstrap's resamples and seed.
    """

    metric: str
    week: str
    previous_week: str
    current: float
    previous: float
    change: float
    respondents: tuple[int, int]
    change_ci: tuple[float, float]
    contributions: pd.DataFrame = field(repr=False)
    remainder: float = 0.0
    channel: str | None = None
    touchpoint: str | None = None
    n_boot: int = 1000
    seed: int = 0

    def lead(self) -> pd.Series | None:
        """The topic that moved the score most in the direction it moved (None when no
        topic moved it that way, or the score did not move); "other" and the remainder
        are not topics and never lead."""
        if self.change == 0:
            return None
        topics = self.contributions[self.contributions["kind"] == "topic"]
        same_way = topics[np.sign(topics["contribution"]) == np.sign(self.change)]
        if same_way.empty:
            return None
        return same_way.loc[same_way["contribution"].abs().idxmax()]

    def sentence(self, language: str = "en") -> str:
        """The one-glance line: "NPS fell 6.2 points (95% CI 3.1–9.0), 4.1 of them from
        "checkout payment errors" (95% CI 2.0–6.3)." in ``en`` or ``ja``."""
        if language not in ("en", "ja"):
            raise ValueError(f"language {language!r}: write en or ja")
        name, digits = _NAMES[self.metric], _DIGITS[self.metric]
        size = abs(round(self.change, digits))
        total_ci = _ci_text(self.change_ci, self.change, digits, language)
        noise = _covers_zero(self.change_ci)
        if size == 0:
            if language == "ja":
                return f"{name}は{self.previous_week}から横ばい（{self.current:.{digits}f}）。"
            return f"{name} held at {self.current:.{digits}f} (as in {self.previous_week})."
        lead = self.lead()
        if language == "ja":
            verb = "上昇" if self.change > 0 else "低下"
            line = (
                f"{name}は{self.previous_week}から{size:.{digits}f}ポイント{verb}"
                f"（{self.previous:.{digits}f}→{self.current:.{digits}f}、95%信頼区間 "
                f"{total_ci}{'、誤差の範囲内' if noise else ''}）。"
            )
            if lead is not None:
                part = abs(float(lead["contribution"]))
                part_ci = _ci_text(
                    (lead["ci_low"], lead["ci_high"]), float(lead["contribution"]), digits, language
                )
                line += (
                    f"うち{part:.{digits}f}ポイントは「{lead['label']}」によるもの"
                    f"（95%信頼区間 {part_ci}）。"
                )
            return line
        verb = "rose" if self.change > 0 else "fell"
        line = (
            f"{name} {verb} {size:.{digits}f} points since {self.previous_week} "
            f"({self.previous:.{digits}f} → {self.current:.{digits}f}; 95% CI {total_ci}"
            f"{': within noise' if noise else ''})"
        )
        if lead is None:
            return line + "."
        part = abs(float(lead["contribution"]))
        part_ci = _ci_text(
            (lead["ci_low"], lead["ci_high"]), float(lead["contribution"]), digits, language
        )
        return line + f", {part:.{digits}f} of them from “{lead['label']}” (95% CI {part_ci})."


def _covers_zero(ci: tuple[float, float]) -> bool:
    return bool(ci[0] <= 0 <= ci[1])


def _ci_text(ci: tuple[float, float], value: float, digits: int, language: str) -> str:
    """An interval as magnitudes in the direction of ``value`` ("3.1–9.0" for a fall from
    -9.0 to -3.1), or signed when it crosses zero ("-2.0 to +4.1")."""
    # round() then + 0.0: a bound of -0.04 reads 0.0, not -0.0.
    low, high = round(float(ci[0]), digits) + 0.0, round(float(ci[1]), digits) + 0.0
    dash = "〜" if language == "ja" else "–"
    if value < 0 and high < 0:
        return f"{-high:.{digits}f}{dash}{-low:.{digits}f}"
    if value > 0 and low > 0:
        return f"{low:.{digits}f}{dash}{high:.{digits}f}"
    joiner = dash if language == "ja" else " to "
    return f"{low:+.{digits}f}{joiner}{high:+.{digits}f}"


# -- the split, on arrays ---------------------------------------------------------------------
def _split(
    w0: np.ndarray, s0: np.ndarray, n0: float, w1: np.ndarray, s1: np.ndarray, n1: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mix and rate per group from each week's group weights ``w`` and weighted point
    sums ``s`` (shape ``(..., groups)``) and respondents ``n``.

    Returns:
        ``(mix, rate, previous score, current score)``, the first two ``(..., groups)``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        share0, share1 = w0 / n0, w1 / n1
        score0 = np.where(w0 > 0, s0 / np.where(w0 > 0, w0, 1), np.nan)
        score1 = np.where(w1 > 0, s1 / np.where(w1 > 0, w1, 1), np.nan)
    # A group absent from one week takes its score from the other: its rate is 0.
    filled0 = np.where(np.isnan(score0), score1, score0)
    filled1 = np.where(np.isnan(score1), filled0, score1)
    # Absent from both: no share either way, so nothing to contribute.
    filled0 = np.nan_to_num(filled0)
    filled1 = np.nan_to_num(filled1)
    previous = s0.sum(axis=-1) / n0
    current = s1.sum(axis=-1) / n1
    centre = ((previous + current) / 2)[..., None]
    mix = (share1 - share0) * ((filled0 + filled1) / 2 - centre)
    rate = (share0 + share1) / 2 * (filled1 - filled0)
    return mix, rate, previous, current


def _resample_counts(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """How many times each of ``n`` respondents is drawn in ``size`` resamples of ``n``
    with replacement, shape ``(size, n)``: one bincount over offset draws (six times
    faster than ``rng.multinomial`` for a thousand respondents)."""
    draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)


def _memberships(topic_lists: list[list[int]], groups: list[int]) -> np.ndarray:
    """The respondent x group weight matrix: 1/k in each of a respondent's k topics
    ("other" only without a real topic; :data:`NO_TOPIC` without any)."""
    index = {g: j for j, g in enumerate(groups)}
    matrix = np.zeros((len(topic_lists), len(groups)))
    for i, topics in enumerate(topic_lists):
        members = _groups_of(topics)
        for g in members:
            matrix[i, index[g]] = 1.0 / len(members)
    return matrix


def _groups_of(topics: list[int]) -> list[int]:
    real = [int(t) for t in topics if int(t) != OTHER_TOPIC]
    if real:
        return real
    return [OTHER_TOPIC] if len(topics) else [NO_TOPIC]


def decompose(
    points_before: np.ndarray,
    topics_before: list[list[int]],
    points_after: np.ndarray,
    topics_after: list[list[int]],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, object]:
    """The split of one change on plain arrays (what :func:`explain_change` reads).

    Args:
        points_before, points_after: Each respondent's points, shape ``(n,)``.
        topics_before, topics_after: Each respondent's topic ids (any order; may be
            empty), one list per respondent.
        n_boot: Bootstrap resamples (0: no intervals, NaN).
        seed: The bootstrap's seed: the same inputs and seed give the same intervals.

    Returns:
        ``previous``, ``current``, ``change``, ``change_ci`` and ``groups``: a frame with
        ``topic_id``, ``respondents_before``, ``respondents_after``, ``share_before``,
        ``share_after``, ``score_before``, ``score_after``, ``mix``, ``rate``,
        ``contribution``, ``ci_low``, ``ci_high``, one row per group (unordered).

    Raises:
        ValueError: A week without respondents.
    """
    p0 = np.asarray(points_before, dtype=float)
    p1 = np.asarray(points_after, dtype=float)
    if len(p0) == 0 or len(p1) == 0:
        raise ValueError("both weeks need at least one respondent")
    groups = sorted({g for topics in (*topics_before, *topics_after) for g in _groups_of(topics)})
    m0, m1 = _memberships(topics_before, groups), _memberships(topics_after, groups)
    n0, n1 = float(len(p0)), float(len(p1))
    w0, w1 = m0.sum(axis=0), m1.sum(axis=0)
    s0, s1 = p0 @ m0, p1 @ m1
    mix, rate, previous, current = _split(w0, s0, n0, w1, s1, n1)
    contribution = mix + rate
    change = float(current - previous)
    ci_low = np.full(len(groups), np.nan)
    ci_high = np.full(len(groups), np.nan)
    change_ci = (np.nan, np.nan)
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        # One product per week gives each resample's group weights and point sums.
        stacked0 = np.hstack([m0, m0 * p0[:, None]])
        stacked1 = np.hstack([m1, m1 * p1[:, None]])
        width = len(groups)
        changes, parts = [], []
        for start in range(0, n_boot, _BLOCK):
            size = min(_BLOCK, n_boot - start)
            c0, c1 = _resample_counts(rng, len(p0), size), _resample_counts(rng, len(p1), size)
            sums0, sums1 = c0 @ stacked0, c1 @ stacked1
            b_mix, b_rate, b_prev, b_cur = _split(
                sums0[:, :width], sums0[:, width:], n0, sums1[:, :width], sums1[:, width:], n1
            )
            changes.append(b_cur - b_prev)
            parts.append(b_mix + b_rate)
        boot_change = np.concatenate(changes)
        boot_parts = np.concatenate(parts)
        low, high = np.percentile(boot_change, [2.5, 97.5])
        change_ci = (float(low), float(high))
        ci_low, ci_high = np.percentile(boot_parts, [2.5, 97.5], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame(
            {
                "topic_id": groups,
                "respondents_before": w0,
                "respondents_after": w1,
                "share_before": w0 / n0,
                "share_after": w1 / n1,
                "score_before": np.where(w0 > 0, s0 / np.where(w0 > 0, w0, 1), np.nan),
                "score_after": np.where(w1 > 0, s1 / np.where(w1 > 0, w1, 1), np.nan),
                "mix": mix,
                "rate": rate,
                "contribution": contribution,
                "ci_low": ci_low,
                "ci_high": ci_high,
            }
        )
    return {
        "previous": float(previous),
        "current": float(current),
        "change": change,
        "change_ci": change_ci,
        "groups": frame,
    }


# -- from the store ----------------------------------------------------------------------------
def explain_change(
    store: Warehouse,
    metric: str,
    week: str | None = None,
    *,
    previous_week: str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    language: str | None = None,
) -> DriverResult:
    """Split the change of ``metric`` from ``previous_week`` to ``week`` into topics.

    Definitions (weights, mix, rate, remainder, intervals) are in the module docstring.

    Args:
        store: An open store (read-only is fine).
        metric: ``nps``, ``csat`` or ``ces``.
        week: ISO week ``YYYY-Www``; None for the newest week with respondents.
        previous_week: The week compared with (default: the week before ``week``).
        channel: Only respondents of this channel.
        touchpoint: Only respondents tagged with this touchpoint.
        n_boot: Bootstrap resamples (0: no intervals).
        seed: The bootstrap's seed.
        language: Topic labels in this language when a topic has one (as the digest);
            ``ja`` also names the remainder and "other" in Japanese.

    Returns:
        The :class:`DriverResult`.

    Raises:
        UserError: An unknown metric or week, or a week without respondents (the message
            says which and how many each week has).
    """
    if metric not in METRICS:
        raise UserError(f"metric {metric!r}: write nps, csat or ces")
    if week is None:
        week = store_drivers.latest_survey_week(store, metric)
        if week is None:
            raise UserError(f"no {_NAMES[metric]} respondent in the store: nothing to explain")
    try:
        monday = iso_week_monday(week)
        before = (
            iso_week_monday(previous_week)
            if previous_week is not None
            else monday - timedelta(weeks=1)
        )
    except ValueError as e:
        raise UserError(str(e)) from e
    week, previous_week = iso_week(monday), iso_week(before)
    rows = store_drivers.respondent_topics(
        store, metric, [before, monday], channel=channel, touchpoint=touchpoint
    )
    now = rows[rows["week"] == week]
    then = rows[rows["week"] == previous_week]
    if now.empty or then.empty:
        where = "".join(
            f", {k} {v}" for k, v in (("channel", channel), ("touchpoint", touchpoint)) if v
        )
        raise UserError(
            f"{_NAMES[metric]}{where}: {len(now)} respondent(s) in {week}, {len(then)} in "
            f"{previous_week}; both weeks need respondents to explain a change"
        )
    split = decompose(
        then["points"].to_numpy(),
        [list(t) for t in then["topic_ids"]],
        now["points"].to_numpy(),
        [list(t) for t in now["topic_ids"]],
        n_boot=n_boot,
        seed=seed,
    )
    frame: pd.DataFrame = split["groups"]  # type: ignore[assignment]
    labels = topic_labels(store, language)
    frame.insert(1, "label", [_label(int(t), labels, language) for t in frame["topic_id"]])
    frame.insert(
        2,
        "kind",
        [
            "no topic" if t == NO_TOPIC else "other" if t == OTHER_TOPIC else "topic"
            for t in frame["topic_id"]
        ],
    )
    order = frame["contribution"].abs().rank(ascending=False, method="first")
    order[frame["topic_id"] == NO_TOPIC] = len(frame) + 1
    frame = frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    remainder = frame.loc[frame["topic_id"] == NO_TOPIC, "contribution"]
    return DriverResult(
        metric=metric,
        week=week,
        previous_week=previous_week,
        current=split["current"],  # type: ignore[arg-type]
        previous=split["previous"],  # type: ignore[arg-type]
        change=split["change"],  # type: ignore[arg-type]
        respondents=(len(now), len(then)),
        change_ci=split["change_ci"],  # type: ignore[arg-type]
        contributions=frame[CONTRIBUTION_COLUMNS],
        remainder=float(remainder.iloc[0]) if len(remainder) else 0.0,
        channel=channel,
        touchpoint=touchpoint,
        n_boot=n_boot,
        seed=seed,
    )


def _label(topic_id: int, labels: dict[int, str], language: str | None) -> str:
    japanese = language == "ja"
    if topic_id == NO_TOPIC:
        return "（話題なし）" if japanese else "(no topic)"
    if topic_id == OTHER_TOPIC:
        return labels.get(topic_id, "その他" if japanese else "other")
    return labels.get(topic_id, f"話題 {topic_id}" if japanese else f"topic {topic_id}")
