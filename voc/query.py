# About 600 lines, not split: one responsibility, the product manager's questions over the
# store (trends, pain points, love, topics), each a short function over voc/insights and
# voc/store sharing the filter checks, topic resolution and the definitions below.
"""The product manager's questions, answered from the store.

Every function takes an open :class:`~voc.store.warehouse.Warehouse` (read-only is fine:
nothing here writes) and returns a pandas DataFrame (:func:`topic_detail` a dict of them).

Definitions shared by the questions:

- **Periods** are ISO weeks (``YYYY-Www``, from ``strftime(created_at, '%G-W%V')``, as in
  ``pain_points``) or calendar months (``YYYY-MM``) of ``feedback.created_at`` (UTC).
  Records without ``created_at`` belong to no period and are left out of trends.
- **Volume** counts records (feedback items), each once per period: every record when no
  topic is asked for, else the records with at least one sentence in the topic (the
  ``volume`` of ``pain_points``).
- **Negative share** and **mean sentiment** are over sentences: every sentence of the
  records counted, or only the topic's sentences when a topic is asked for (again as in
  ``pain_points``). A period whose records have no analysed sentence has them NULL.
- **Touchpoints** of a record are its ``analysis.touchpoints`` (the inferred ones plus the
  one the source gave, record level), not the per-sentence ``sentences.touchpoints``, so a
  touchpoint filter gives the same records as the ``pain_points`` rows of that touchpoint.
  A record without any (or not analysed yet) has the touchpoint ``'(none)'``.
- **Weeks** and the default week (the last complete week with data, in the schedule's time
  zone, with notes when it is stale or thin) come from :mod:`voc.weeks`, as for the digest.
- **Quotes** come from the one picker, :func:`voc.insights.quotes.week_quotes` (a week's
  sentences, redacted; a pain point's are its complaints of the week).
- **Topics** are named by their id (an int, or a string of digits) or by text matched
  case-insensitively against the registry: an exact label, then an exact other name (its
  label in the other language, its pain point's), then an exact keyword, then a
  label containing the text, then a keyword containing it; several topics in the first
  tier that matches go to the active one, then the largest. Nothing matching raises
  :class:`~voc.errors.VocError` with the closest labels.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from voc.digest.text import channel_name
from voc.digest.text import text as words
from voc.errors import VocError
from voc.insights.painpoints import (
    MIN_COMPLAINTS,
    MIN_NEGATIVE_SHARE,
    NO_TOUCHPOINT,
    OTHER_TOPIC,
    top_pain_points,
)
from voc.insights.praise import top_praise
from voc.insights.quotes import week_quotes
from voc.insights.trends import PERIODS, period_table
from voc.search import search
from voc.store import feedback as store_feedback
from voc.store import sentences as store_sentences
from voc.store import topics as store_topics
from voc.store.warehouse import Warehouse
from voc.weeks import DefaultWeek, iso_week, iso_week_monday

__all__ = [
    "default_week",
    "love",
    "pain_points",
    "resolve_topic",
    "search",
    "topic_detail",
    "topics",
    "trends",
    "weekly_records",
]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_PAIN_COLUMNS = [
    "rank",
    "week",
    "topic_id",
    "label",
    "volume",
    "negative_share",
    "previous_volume",
    "wow_change",
    "trend",
    "emerging",
    "where",
    "quote",
    "score",
]
#: ``topic_detail`` looks for quotes in at most this many of the topic's latest weeks.
QUOTE_WEEKS = 8
_LOVE_COLUMNS = ["rank", "week", "topic_id", "label", "volume", "positive_share", "quote"]


# -- helpers -------------------------------------------------------------------------------
def _require_schema(store: Warehouse, version: int) -> None:
    """Refuse, with what to do, a store opened read-only before its migrations ran."""
    have = store.schema_version
    if have < version:
        raise VocError(
            f"the store {store.path} has schema version {have}, and this question needs "
            f"{version} (analysis, topics and pain points): open it once writable (run "
            "`voc analyse`, or any command that writes) so the migrations run, then ask again"
        )


def _check_filters(store: Warehouse, channel: str | None, touchpoint: str | None) -> None:
    """A channel or touchpoint the store has never seen is a typo, not an empty answer.

    Raises:
        VocError: naming the known values, closest first.
    """
    checks = []
    if channel is not None:
        known = store_feedback.channels(store)
        checks.append(("channel", channel, known))
    if touchpoint is not None and touchpoint != NO_TOUCHPOINT:
        known = store_sentences.touchpoints(store)
        checks.append(("touchpoint", touchpoint, [*known, NO_TOUCHPOINT]))
    for what, value, known in checks:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=3, cutoff=0.3)
            rest = sorted(set(known) - set(close))
            raise VocError(
                f"no feedback has the {what} {value!r}; "
                + (f"did you mean {', '.join(close)}? " if close else "")
                + f"known: {', '.join([*close, *rest])}"
            )


def _since(since: str | date | datetime | None) -> datetime | None:
    """``since`` as a timestamp: an ISO date, an ISO week (its Monday) or a month (its 1st)."""
    if since is None:
        return None
    if isinstance(since, datetime):
        return since
    if isinstance(since, date):
        return datetime.combine(since, datetime.min.time())
    text = str(since).strip()
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
        elif "W" in text.upper():
            day = iso_week_monday(text.upper())
        elif _MONTH.fullmatch(text):
            day = date.fromisoformat(f"{text}-01")
        else:
            raise ValueError("unrecognised")
    except ValueError as e:
        raise VocError(
            f"since={since!r} is not a date: write an ISO date (2026-03-02), an ISO week "
            f"(2026-W10) or a month (2026-03) ({e})"
        ) from e
    return datetime.combine(day, datetime.min.time())


def _topic_table(store: Warehouse) -> pd.DataFrame:
    frame = store_topics.topic_table(store)
    frame["keywords"] = frame["keywords"].map(lambda k: [str(w) for w in k])
    return frame


def _topic_names(store: Warehouse) -> dict[int, set[str]]:
    """Each topic's names as a reader may have seen them, lower-cased: its label and its
    pain point's, in each language it has (:func:`voc.store.topics.label_sql`)."""
    names: dict[int, set[str]] = {}
    for language in ("en", "ja"):
        for pain_points in (False, True):
            for topic_id, label in store_topics.topic_labels(store, language, pain_points).items():
                names.setdefault(topic_id, set()).add(label.lower())
    return names


def resolve_topic(store: Warehouse, topic: int | str) -> tuple[int, str]:
    """The topic named by ``topic`` (module docstring), as ``(topic_id, label)``.

    Raises:
        VocError: No topic matches; the message lists the closest labels.
    """
    table = _topic_table(store)
    labels = dict(zip(table["topic_id"].astype(int), table["label"].astype(str), strict=True))
    labels.setdefault(OTHER_TOPIC, "other")
    if isinstance(topic, (int, np.integer)) or str(topic).strip().lstrip("-").isdigit():
        topic_id = int(topic)
        if topic_id not in labels:
            known = ", ".join(f"{i} ({label})" for i, label in list(labels.items())[:10])
            raise VocError(f"no topic with id {topic_id}; known topics: {known}")
        return topic_id, labels[topic_id]
    wanted = str(topic).strip().lower()
    if not wanted:
        raise VocError("name a topic: its id, or words of its label or keywords")
    label_l = table["label"].str.lower()
    keywords_l = table["keywords"].map(lambda ks: [k.lower() for k in ks])
    # A topic is read under other names too: its label in the other language, its pain
    # point's (the Japanese digest shows 決済エラー where the English one shows "billing
    # address doesn't match").
    other_names = _topic_names(store)
    tiers = [
        label_l == wanted,
        table["topic_id"].map(lambda t: wanted in other_names.get(int(t), set())),
        keywords_l.map(lambda ks: wanted in ks),
        label_l.str.contains(wanted, regex=False),
        keywords_l.map(lambda ks: any(wanted in k for k in ks)),
    ]
    for tier in tiers:
        found = table[tier.to_numpy(dtype=bool)]
        if not found.empty:
            best = found.assign(active=found["status"] == "active").sort_values(
                ["active", "size", "topic_id"], ascending=[False, False, True]
            )
            return int(best["topic_id"].tolist()[0]), str(best["label"].tolist()[0])
    if wanted == "other":
        return OTHER_TOPIC, "other"
    # Nothing matched: the labels closest to the text (by label or by one of its keywords).
    names: dict[str, str] = {}
    for label, keywords in zip(
        table["label"].astype(str).tolist(), table["keywords"].tolist(), strict=True
    ):
        names[label.lower()] = label
        for keyword in keywords:
            names.setdefault(str(keyword).lower(), label)
    close = difflib.get_close_matches(wanted, list(names), n=10, cutoff=0.4)
    suggestions = list(dict.fromkeys(names[c] for c in close))[:5]
    if not suggestions:
        active = table[table["status"] == "active"].sort_values("size", ascending=False)
        suggestions = active["label"].astype(str).head(5).tolist()
    hint = "; ".join(repr(s) for s in suggestions) if suggestions else "(no topics stored yet)"
    raise VocError(f"no topic matches {topic!r}. Close labels: {hint}")


# -- trends --------------------------------------------------------------------------------
def trends(
    store: Warehouse,
    topic: int | str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    since: str | date | datetime | None = None,
    by: str = "week",
) -> pd.DataFrame:
    """Volume and sentiment per period, for one topic or all feedback.

    Args:
        store: An open store.
        topic: A topic id or text naming one (module docstring); None for all feedback.
        channel: Only records of this channel.
        touchpoint: Only records with this touchpoint in ``analysis.touchpoints``
            (``'(none)'``: records without one).
        since: Only records created on or after this ISO date (``2026-03-02``), the Monday
            of this ISO week (``2026-W10``) or the first of this month (``2026-03``).
        by: ``"week"`` (ISO weeks) or ``"month"``.

    Returns:
        One row per period from the first to the last with data (periods in between
        without data have volume 0), oldest first: ``period`` (``YYYY-Www`` or
        ``YYYY-MM``), ``period_start`` (its first day), ``volume`` (records),
        ``sentences`` (counted for the sentiment), ``negative_share``, ``mean_sentiment``.
        ``attrs["topic"]`` holds ``(topic_id, label)`` when a topic was asked for.

    Raises:
        VocError: Unknown topic, bad ``since`` or ``by``.
    """
    if by not in PERIODS:
        raise VocError(f"by={by!r}: choose 'week' or 'month'")
    _require_schema(store, 2 if topic is None else 3)
    _check_filters(store, channel, touchpoint)
    resolved = resolve_topic(store, topic) if topic is not None else None
    frame = store_sentences.sentiment_by_period(
        store,
        PERIODS[by][0],
        NO_TOUCHPOINT,
        since=_since(since),
        channel=channel,
        touchpoint=touchpoint,
        topic_id=resolved[0] if resolved is not None else None,
    )
    out = period_table(frame, by)
    if resolved is not None:
        out.attrs["topic"] = resolved
    return out


# -- pain points ---------------------------------------------------------------------------
def weekly_records(store: Warehouse) -> dict[str, int]:
    """Feedback records per ISO week of ``created_at`` (weeks without data are absent)."""
    return store_feedback.weekly_records(store)


def default_week(
    store: Warehouse, timezone: str = "UTC", as_of: datetime | None = None
) -> DefaultWeek | None:
    """The default week of ``voc pain-points``, ``voc love``, ``voc digest`` and the
    notebook: the last complete week with data (:func:`voc.weeks.default_week`).

    Args:
        store: An open store.
        timezone: ``schedules.timezone``: when a week is complete.
        as_of: "Now" (default: the current time).

    Returns:
        The week with its ``notes`` (stale, thin); None when no complete week has data.
    """
    from voc.weeks import default_week as choose

    return choose(weekly_records(store), timezone, as_of)


def _trend_text(volume: int, previous: int, change: float | None, language: str = "en") -> str:
    """``up +25% (8 -> 10)``, ``new (5)``; in ``language``'s words (``ja``: 増加 +25% (8 -> 10))."""
    if previous == 0:
        if not volume:
            return "-"
        return (
            f"new ({volume})" if language == "en" else words(language, "new_trend", volume=volume)
        )
    arrow = "up" if volume > previous else "down" if volume < previous else "flat"
    if language != "en":
        arrow = words(language, f"trend_{arrow}")
    return f"{arrow} {change:+.0%} ({previous} -> {volume})"


def _where_text(
    breakdown: list[dict[str, Any]],
    top: int = 3,
    language: str = "en",
    touchpoint_names: dict[str, str] | None = None,
) -> str:
    """The channel / touchpoint cells with most records; in ``language`` the channels'
    names are the digest's and the touchpoints' ``touchpoint_names`` (the taxonomy's
    labels), falling back to the stored names."""
    cells = sorted(breakdown, key=lambda c: (-int(c["volume"]), c["channel"], c["touchpoint"]))

    def channel(name: str) -> str:
        return name if language == "en" else channel_name(language, name)

    def touchpoint(name: str) -> str:
        if language == "en":
            return name
        if name == NO_TOUCHPOINT:
            return words(language, "no_touchpoint")
        return (touchpoint_names or {}).get(name, name)

    parts = [
        f"{channel(c['channel'])} / {touchpoint(c['touchpoint'])} ({int(c['volume'])})"
        for c in cells[:top]
    ]
    if len(cells) > top:
        more = len(cells) - top
        parts.append(
            f"+{more} more" if language == "en" else words(language, "where_more", count=more)
        )
    return ", ".join(parts)


def _week_or_default(
    store: Warehouse, week: str | None, timezone: str, as_of: datetime | None
) -> tuple[str | None, list[str]]:
    """The week asked for (normalised), or the default week with its notes."""
    if week is not None:
        try:
            return iso_week(iso_week_monday(week)), []
        except ValueError as e:
            raise VocError(f"week {week!r}: write an ISO week such as 2026-W45") from e
    chosen = default_week(store, timezone, as_of)
    return (None, []) if chosen is None else (chosen.week, list(chosen.notes))


def pain_points(
    store: Warehouse,
    week: str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    limit: int = 10,
    as_of: datetime | None = None,
    timezone: str = "UTC",
    min_negative_share: float = MIN_NEGATIVE_SHARE,
    min_complaints: float = MIN_COMPLAINTS,
    language: str | None = None,
    text_language: str = "en",
    touchpoint_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The week's ranked pain points (:func:`voc.insights.painpoints.top_pain_points`), readable.

    Only topics that are mostly complaints that week are pain points (at least
    ``min_negative_share`` of their sentences negative, ``min_complaints`` complaints);
    :func:`love` lists the praised ones.

    Args:
        store: An open store.
        week: ISO week ``YYYY-Www``; None for :func:`default_week` (the last complete
            week with data, as the digest).
        channel: Only this channel.
        touchpoint: Only this touchpoint (``analysis.touchpoints``; ``'(none)'``).
        limit: At most this many pain points.
        as_of: "Now" for the default week's rule (default: the current time).
        timezone: ``schedules.timezone``, for the default week's rule.
        min_negative_share: The floor on a pain point's negative share (default 0.5).
        min_complaints: The floor on its complaints, records x negative share (default 3).
        language: Label topics in this language where they have a label in it (their
            alias), as the digest in that language does; None: their own labels.
        text_language: The words of the ``trend`` and ``where`` cells (``en``, ``ja``: the
            digest's words and channel names); the figures are the same.
        touchpoint_names: The touchpoints' names in ``text_language`` (the taxonomy's
            ``labels``) for ``where``; None: the stored names.

    Returns:
        Best first: ``rank``, ``week``, ``topic_id``, ``label``, ``volume`` (records),
        ``negative_share``, ``previous_volume``, ``wow_change``, ``trend`` (vs the previous
        week, as text: ``up +25% (8 -> 10)``, ``new (5)``), ``emerging``, ``where``
        (the channel / touchpoint cells with most records), ``quote`` (the topic's most
        negative sentence of the week, the digest's first quote), ``score``.
        ``attrs["week"]`` is the week shown, ``attrs["notes"]`` what to know about a
        default week (:class:`voc.weeks.DefaultWeek`).
    """
    _require_schema(store, 7)  # 7: the topics' complaint labels name the pain points
    week, notes = _week_or_default(store, week, timezone, as_of)
    if week is None:
        return pd.DataFrame(columns=_PAIN_COLUMNS)
    _check_filters(store, channel, touchpoint)
    top = top_pain_points(
        store,
        week,
        limit=limit,
        channel=channel,
        touchpoint=touchpoint,
        min_negative_share=min_negative_share,
        min_complaints=min_complaints,
        quotes=1,
    )
    if top.empty:
        out = pd.DataFrame(columns=_PAIN_COLUMNS)
    else:
        out = pd.DataFrame(
            {
                "rank": top["rank"].astype("int64"),
                "week": top["week"],
                "topic_id": top["topic_id"].astype("int64"),
                "label": _labels_in(store, top, language, pain_points=True),
                "volume": top["volume"].astype("int64"),
                "negative_share": top["negative_share"].astype("float64").round(3),
                "previous_volume": top["previous_volume"].astype("int64"),
                "wow_change": top["wow_change"].astype("float64"),
                "trend": [
                    _trend_text(int(v), int(p), None if pd.isna(c) else float(c), text_language)
                    for v, p, c in zip(
                        top["volume"], top["previous_volume"], top["wow_change"], strict=True
                    )
                ],
                "emerging": top["emerging"].astype(bool),
                "where": top["breakdown"].map(
                    lambda b: _where_text(
                        b, language=text_language, touchpoint_names=touchpoint_names
                    )
                ),
                "quote": top["quotes"].map(lambda q: q[0].text if q else ""),
                "score": top["score"].astype("float64").round(3),
            }
        )
    out.attrs["week"] = week
    out.attrs["notes"] = notes
    return out


def love(
    store: Warehouse,
    week: str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    limit: int = 5,
    as_of: datetime | None = None,
    timezone: str = "UTC",
    language: str | None = None,
) -> pd.DataFrame:
    """What customers love: the week's most praised topics
    (:func:`voc.insights.praise.top_praise`), readable.

    Args:
        store: An open store.
        week: ISO week ``YYYY-Www``; None for :func:`default_week` (as :func:`pain_points`).
        channel: Only this channel.
        touchpoint: Only this touchpoint (``'(none)'``: records without one).
        limit: At most this many topics.
        as_of: "Now" for the default week's rule (default: the current time).
        timezone: ``schedules.timezone``, for the default week's rule.
        language: Label topics in this language (as :func:`pain_points`).

    Returns:
        Best first: ``rank``, ``week``, ``topic_id``, ``label``, ``volume`` (records),
        ``positive_share`` (of the topic's sentences that week), ``quote`` (its most
        positive sentence of the week). ``attrs`` as :func:`pain_points`.
    """
    _require_schema(store, 3)
    week, notes = _week_or_default(store, week, timezone, as_of)
    if week is None:
        return pd.DataFrame(columns=_LOVE_COLUMNS)
    _check_filters(store, channel, touchpoint)
    praised = top_praise(store, week, limit=limit, channel=channel, touchpoint=touchpoint)
    out = pd.DataFrame(
        {
            "rank": praised["rank"].astype("int64"),
            "week": praised["week"].astype(str),
            "topic_id": praised["topic_id"].astype("int64"),
            "label": _labels_in(store, praised, language).astype(str),
            "volume": praised["volume"].astype("int64"),
            "positive_share": praised["positive_share"].astype("float64").round(3),
            "quote": praised["quotes"].map(lambda q: q[0].text if q else "").astype(str),
        },
        columns=_LOVE_COLUMNS,
    )
    out.attrs["week"] = week
    out.attrs["notes"] = notes
    return out


def _labels_in(
    store: Warehouse, frame: pd.DataFrame, language: str | None, pain_points: bool = False
) -> pd.Series:
    """``frame``'s ``label`` column, each topic's label in ``language`` where it has one
    (with ``pain_points``, its complaints' label: what its pain point is called)."""
    if language is None or frame.empty:
        return frame["label"]
    labels = store_topics.topic_labels(store, language, pain_points)
    return pd.Series(
        [
            labels.get(int(t), label)
            for t, label in zip(frame["topic_id"], frame["label"], strict=True)
        ],
        index=frame.index,
        dtype=frame["label"].dtype,
    )


# -- topics --------------------------------------------------------------------------------
def topics(store: Warehouse, language: str | None = None) -> pd.DataFrame:
    """The active topics, largest first, labelled in ``language`` where they have a label
    in it (:func:`voc.store.topics.label_sql`; None: their stored labels).

    Returns:
        ``topic_id``, ``label``, ``keywords`` (list, best first), ``size`` (sentences in
        the latest fit), ``first_seen``, ``last_seen`` (ISO weeks), ``sentences`` (assigned
        now, fit and later assignments), ``negative_share`` (of those sentences).
    """
    _require_schema(store, 3)
    frame = store_topics.active_topics(store, OTHER_TOPIC)
    frame["label"] = _labels_in(store, frame, language)
    frame["keywords"] = frame["keywords"].map(lambda k: [str(w) for w in k])
    frame["negative_share"] = frame["negative_share"].astype("float64")
    return frame


def topic_detail(store: Warehouse, topic_id: int | str, quotes: int = 3) -> dict[str, Any]:
    """Everything about one topic.

    Args:
        store: An open store.
        topic_id: Its id (or text naming it, as in :func:`trends`).
        quotes: How many quotes.

    Returns:
        A dict: ``topic_id``, ``label``, ``keywords``, ``status``, ``size``, ``first_seen``,
        ``last_seen``; ``weekly`` (:func:`trends` of the topic by week: ``period``,
        ``volume``, ``negative_share``, ...); ``quotes`` (texts from
        :func:`voc.insights.quotes.week_quotes`, complaints first: the topic's latest week
        with data, topped up from the weeks before) and ``quotes_week`` (that week);
        ``breakdown``
        (``channel``, ``touchpoint``, ``volume``, ``negative_share``, most records first;
        touchpoints from ``analysis.touchpoints``, so a record may count in two rows;
        dated records only, like ``weekly``);
        ``matrix`` (the breakdown's volumes, channels x touchpoints).

    Raises:
        VocError: Unknown topic.
    """
    _require_schema(store, 3)
    resolved_id, label = resolve_topic(store, topic_id)
    row = store_topics.topic_row(store, resolved_id)
    info: dict[str, Any] = {"topic_id": resolved_id, "label": label}
    if row.empty:  # "other" has no registry row
        info.update(keywords=[], status="other", size=None, first_seen=None, last_seen=None)
    else:
        r = row.iloc[0]
        info.update(
            keywords=[str(k) for k in r["keywords"]],
            status=str(r["status"]),
            size=int(r["size"]),
            first_seen=r["first_seen"],
            last_seen=r["last_seen"],
        )
    info["weekly"] = trends(store, topic=resolved_id, by="week")
    # The one quote picker, complaints first: the topic's latest week with data, topped up
    # from the weeks before it (at most QUOTE_WEEKS of them) when that week has too few.
    chosen: list[str] = []
    heard = info["weekly"][info["weekly"]["volume"] > 0]["period"].tolist()
    for week in reversed(heard[-QUOTE_WEEKS:]):
        for quote in week_quotes(store, week, [resolved_id], quotes, sentiment=None)[resolved_id]:
            if quote.text not in chosen and len(chosen) < quotes:
                chosen.append(quote.text)
                info.setdefault("quotes_week", week)
        if len(chosen) >= quotes:
            break
    info.setdefault("quotes_week", None)
    info["quotes"] = chosen
    breakdown = store_topics.topic_breakdown(store, resolved_id, NO_TOUCHPOINT)
    if breakdown.empty:
        info["breakdown"] = pd.DataFrame(
            columns=["channel", "touchpoint", "volume", "negative_share"]
        )
        info["matrix"] = pd.DataFrame()
    else:
        grouped = (
            breakdown.groupby(["channel", "touchpoint"], as_index=False)
            .agg(volume=("n", "size"), sentences=("n", "sum"), negative=("negative", "sum"))
            .assign(negative_share=lambda g: g["negative"] / g["sentences"])
            .sort_values(["volume", "channel", "touchpoint"], ascending=[False, True, True])
            .reset_index(drop=True)
        )
        info["breakdown"] = grouped[["channel", "touchpoint", "volume", "negative_share"]]
        info["matrix"] = grouped.pivot_table(
            index="channel", columns="touchpoint", values="volume", aggfunc="sum", fill_value=0
        )
    return info
