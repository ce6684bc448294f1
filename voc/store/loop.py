"""Reads and writes of the loop's tables: ``actions``, ``events`` and ``alerts_sent``.

All three are append-only (migration 005): a correction is a new row, so who said what
and when stays on record. A topic's status is its latest action (the last one recorded).

Every read works on a read-only store or its snapshot too (the CLI and the UI read them
while a run writes), and on a store whose schema predates the tables: then it answers
with an empty frame of the documented columns.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import date, datetime
from typing import Any

import pandas as pd

from voc.errors import VocError
from voc.store.topics import label_sql
from voc.store.warehouse import Warehouse, utcnow

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_STATUSES",
    "ALERT_COLUMNS",
    "ALERT_STATUSES",
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "action_history",
    "add_event",
    "alert_candidates",
    "alerts_sent",
    "current_actor",
    "delivered_alerts",
    "event_exists",
    "latest_actions",
    "list_events",
    "normalise_status",
    "record_action",
    "record_alert",
    "topic_touchpoints",
]

#: What a team can say it did about a pain point, in the order it usually happens.
ACTION_STATUSES = ("acknowledged", "investigating", "fix-shipped", "won't-fix")
#: What an event on the calendar was.
EVENT_KINDS = ("release", "incident", "campaign", "other")
#: What became of an alert: delivered, tried and failed (retried next run), or nobody to
#: send it to (the pain point's touchpoints have no owner with a Slack webhook or e-mail).
ALERT_STATUSES = ("sent", "failed", "no-owner")

ACTION_COLUMNS = ["topic_id", "status", "note", "actor", "action_date", "recorded_at"]
EVENT_COLUMNS = ["event_id", "event_date", "title", "kind", "note", "recorded_at"]
ALERT_COLUMNS = [
    "week",
    "topic_id",
    "touchpoint",
    "team",
    "channel",
    "reason",
    "figures",
    "status",
    "sent_at",
    "error",
]


# -- helpers -------------------------------------------------------------------------------
def _has_table(store: Warehouse, name: str) -> bool:
    rows = store._con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
    ).fetchall()
    return bool(rows and rows[0][0])


def _require_table(store: Warehouse, name: str) -> None:
    if not _has_table(store, name):
        raise VocError(
            f"the store {store.path} has no {name} table yet (schema version "
            f"{store.schema_version}); open it writable once (any `voc` command that "
            "writes, e.g. `voc analyze`) so its migrations run"
        )


def _dates(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A DATE column as ``datetime.date`` values (pandas reads DuckDB dates as midnight
    timestamps, which print with a time nobody recorded)."""
    frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]]
    return frame


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def _as_date(value: date | datetime | str | None, what: str) -> date:
    if value is None:
        return utcnow().date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as e:
        raise VocError(f"{what} {value!r} is not a date: write it as YYYY-MM-DD") from e


def normalise_status(status: str) -> str:
    """``status`` as stored: one of :data:`ACTION_STATUSES` (``wont-fix`` and ``wontfix``,
    easier to type in a shell, mean ``won't-fix``; case and ``_`` are forgiven).

    Raises:
        VocError: Not a status; the message lists them.
    """
    text = str(status).strip().lower().replace("_", "-").replace("’", "'")
    if text in ("wont-fix", "wontfix", "won't fix", "wont fix"):
        text = "won't-fix"
    if text == "fix shipped":
        text = "fix-shipped"
    if text not in ACTION_STATUSES:
        raise VocError(
            f"status {status!r} is not one of {', '.join(ACTION_STATUSES)} "
            "(wont-fix is accepted for won't-fix)"
        )
    return text


def current_actor() -> str:
    """Who is recording: ``$VOC_USER``, else the operating system's user name."""
    given = os.environ.get("VOC_USER", "").strip()
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


# -- actions -------------------------------------------------------------------------------
def record_action(
    store: Warehouse,
    topic_id: int,
    status: str,
    *,
    note: str | None = None,
    actor: str | None = None,
    action_date: date | datetime | str | None = None,
) -> None:
    """Append what a team did about a topic (a writable store).

    Args:
        store: An open, writable store.
        topic_id: A topic in the registry (``voc topics``); not -1 ("other").
        status: One of :data:`ACTION_STATUSES` (see :func:`normalise_status`).
        note: Free text (a ticket, what shipped); keep customers' personal data out of it.
        actor: Who; default :func:`current_actor`.
        action_date: When it happened (a ``date`` or ``YYYY-MM-DD``); default today (UTC).

    Raises:
        VocError: Unknown status, bad date, or no such topic.
    """
    _require_table(store, "actions")
    normalised = normalise_status(status)
    day = _as_date(action_date, "action date")
    known = store._con.execute(
        "SELECT count(*) FROM topics WHERE topic_id = ?", [int(topic_id)]
    ).fetchall()
    if not known or not known[0][0]:
        raise VocError(f"no topic with id {topic_id}; `voc topics` lists them")
    text = " ".join(str(note).split()) if note is not None else None
    with store.transaction() as con:
        con.execute(
            "INSERT INTO actions (action_id, topic_id, status, note, actor, action_date, "
            "recorded_at) SELECT coalesce(max(action_id), 0) + 1, ?, ?, ?, ?, ?, ? FROM actions",
            [
                int(topic_id),
                normalised,
                text or None,
                (actor or current_actor()).strip() or "unknown",
                day,
                utcnow(),
            ],
        )


def latest_actions(store: Warehouse) -> pd.DataFrame:
    """Each topic's status: its latest recorded action.

    Returns:
        One row per topic with an action: ``topic_id``, ``status``, ``note``, ``actor``,
        ``action_date``, ``recorded_at`` (topic id order).
    """
    if not _has_table(store, "actions"):
        return _empty(ACTION_COLUMNS)
    return _dates(
        store._con.execute(
            "SELECT topic_id, status, note, actor, action_date, recorded_at FROM actions "
            "QUALIFY row_number() OVER (PARTITION BY topic_id ORDER BY action_id DESC) = 1 "
            "ORDER BY topic_id"
        ).df(),
        "action_date",
    )


def action_history(store: Warehouse, topic_id: int | None = None) -> pd.DataFrame:
    """Every action recorded (of one topic, or all), oldest first.

    Returns:
        ``action_id``, ``topic_id``, ``label`` (the topic's label now), ``status``,
        ``note``, ``actor``, ``action_date``, ``recorded_at``.
    """
    columns = ["action_id", "topic_id", "label", *ACTION_COLUMNS[1:]]
    if not _has_table(store, "actions"):
        return _empty(columns)
    return _dates(
        store._con.execute(
            "SELECT a.action_id, a.topic_id, t.label, a.status, a.note, a.actor, a.action_date, "
            "a.recorded_at FROM actions a LEFT JOIN topics t USING (topic_id) "
            "WHERE $topic IS NULL OR a.topic_id = $topic ORDER BY a.action_id",
            {"topic": None if topic_id is None else int(topic_id)},
        ).df(),
        "action_date",
    )


# -- events --------------------------------------------------------------------------------
def event_exists(store: Warehouse, event_date: date | str, title: str) -> bool:
    """Whether an event with this date and title is recorded (imports skip it)."""
    if not _has_table(store, "events"):
        return False
    rows = store._con.execute(
        "SELECT count(*) FROM events WHERE event_date = ? AND title = ?",
        [_as_date(event_date, "event date"), " ".join(str(title).split())],
    ).fetchall()
    return bool(rows and rows[0][0])


def add_event(
    store: Warehouse,
    event_date: date | datetime | str,
    title: str,
    *,
    kind: str = "other",
    note: str | None = None,
) -> None:
    """Append an event (a release, an incident, a campaign) that trend charts mark.

    Raises:
        VocError: Bad date, empty title, or a kind not in :data:`EVENT_KINDS`.
    """
    _require_table(store, "events")
    day = _as_date(event_date, "event date")
    text = " ".join(str(title).split())
    if not text:
        raise VocError("an event needs a title, e.g. 'app 5.2 released'")
    kind_text = str(kind or "other").strip().lower()
    if kind_text not in EVENT_KINDS:
        raise VocError(f"event kind {kind!r} is not one of {', '.join(EVENT_KINDS)}")
    with store.transaction() as con:
        con.execute(
            "INSERT INTO events (event_id, event_date, title, kind, note, recorded_at) "
            "SELECT coalesce(max(event_id), 0) + 1, ?, ?, ?, ?, ? FROM events",
            [day, text, kind_text, (" ".join(note.split()) or None) if note else None, utcnow()],
        )


def list_events(
    store: Warehouse,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
) -> pd.DataFrame:
    """Events dated from ``start`` to ``end`` (both included; None: unbounded), by date.

    Returns:
        ``event_id``, ``event_date``, ``title``, ``kind``, ``note``, ``recorded_at``.
    """
    if not _has_table(store, "events"):
        return _empty(EVENT_COLUMNS)
    return _dates(
        store._con.execute(
            "SELECT event_id, event_date, title, kind, note, recorded_at FROM events "
            "WHERE ($start IS NULL OR event_date >= $start) "
            "AND ($end IS NULL OR event_date <= $end) "
            "ORDER BY event_date, event_id",
            {
                "start": None if start is None else _as_date(start, "start"),
                "end": None if end is None else _as_date(end, "end"),
            },
        ).df(),
        "event_date",
    )


# -- alerts --------------------------------------------------------------------------------
def record_alert(
    store: Warehouse,
    week: str,
    topic_id: int,
    touchpoint: str,
    team: str,
    channel: str,
    reason: str,
    figures: dict[str, Any] | str,
    status: str,
    *,
    error: str | None = None,
    sent_at: datetime | None = None,
) -> None:
    """Append one try at alerting an owner (or a ``no-owner`` note) to ``alerts_sent``.

    Args:
        figures: What the alert said (JSON-ready; quotes already redacted).
        status: One of :data:`ALERT_STATUSES`.
        error: Why the try failed (never a secret: the delivery's own message).
    """
    _require_table(store, "alerts_sent")
    if status not in ALERT_STATUSES:
        raise VocError(f"alert status {status!r} is not one of {', '.join(ALERT_STATUSES)}")
    payload = figures if isinstance(figures, str) else json.dumps(figures, ensure_ascii=False)
    with store.transaction() as con:
        con.execute(
            "INSERT INTO alerts_sent (week, topic_id, touchpoint, team, channel, reason, "
            "figures, status, sent_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                week,
                int(topic_id),
                touchpoint,
                team,
                channel,
                reason,
                payload,
                status,
                sent_at or utcnow(),
                error,
            ],
        )


def alerts_sent(store: Warehouse, week: str | None = None) -> pd.DataFrame:
    """Every alert try recorded (of one ISO week, or all), newest first.

    Returns:
        ``week``, ``topic_id``, ``touchpoint``, ``team``, ``channel``, ``reason``,
        ``figures`` (JSON text), ``status`` (:data:`ALERT_STATUSES`), ``sent_at``,
        ``error``.
    """
    if not _has_table(store, "alerts_sent"):
        return _empty(ALERT_COLUMNS)
    return store._con.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts_sent "
        "WHERE $week IS NULL OR week = $week ORDER BY sent_at DESC, topic_id",
        {"week": week},
    ).df()


def delivered_alerts(store: Warehouse, weeks: list[str]) -> set[tuple[str, int, str, str]]:
    """``(week, topic_id, team, channel)`` of every alert delivered in ``weeks``: those are
    never sent again that week."""
    if not _has_table(store, "alerts_sent") or not weeks:
        return set()
    rows = store._con.execute(
        "SELECT DISTINCT week, topic_id, team, channel FROM alerts_sent "
        "WHERE status = 'sent' AND list_contains(?, week)",
        [weeks],
    ).fetchall()
    return {(str(w), int(t), str(team), str(c)) for w, t, team, c in rows}


def alert_candidates(
    store: Warehouse,
    week: str,
    previous_week: str,
    other_topic: int,
    all_cells: str,
    language: str | None = None,
) -> pd.DataFrame:
    """Each topic's whole-week ``pain_points`` row of ``week`` beside the week before,
    labelled as its pain point is, in ``language`` where it has a label in it
    (:func:`voc.store.topics.label_sql`).

    Returns:
        ``topic_id``, ``label``, ``volume``, ``negative_share``, ``complaints`` (volume x
        negative share), ``previous_volume``, ``previous_complaints`` (0 when the topic
        had no row that week), ``baseline_mean``, ``emerging``, ``wow_change``.
    """
    return store._con.execute(
        f"""
        SELECT p.topic_id, coalesce({label_sql(language, pain_points=True)}, 'other') AS label,
               p.volume,
               p.negative_share,
               p.volume * p.negative_share AS complaints, p.previous_volume,
               coalesce(b.volume * b.negative_share, 0) AS previous_complaints,
               p.baseline_mean, p.emerging, p.wow_change
        FROM pain_points p
        LEFT JOIN topics t USING (topic_id)
        LEFT JOIN pain_points b
               ON b.week = $previous AND b.topic_id = p.topic_id
              AND b.channel = $all AND b.touchpoint = $all
        WHERE p.week = $week AND p.channel = $all AND p.touchpoint = $all
          AND p.topic_id <> $other
        ORDER BY p.topic_id
        """,
        {"week": week, "previous": previous_week, "all": all_cells, "other": other_topic},
    ).df()


def topic_touchpoints(
    store: Warehouse, week: str, topic_ids: list[int], all_cells: str
) -> pd.DataFrame:
    """Where each topic was heard in ``week``: its ``pain_points`` rows over every channel,
    per touchpoint.

    Returns:
        ``topic_id``, ``touchpoint``, ``volume``, ``negative_share``, ``share`` (of the
        topic's records that week; a record with two touchpoints counts in both), most
        records first within a topic.
    """
    columns = ["topic_id", "touchpoint", "volume", "negative_share", "share"]
    if not topic_ids:
        return _empty(columns)
    return store._con.execute(
        """
        SELECT p.topic_id, p.touchpoint, p.volume, p.negative_share,
               p.volume / w.volume AS share
        FROM pain_points p
        JOIN pain_points w
          ON w.week = p.week AND w.topic_id = p.topic_id
         AND w.channel = $all AND w.touchpoint = $all
        WHERE p.week = $week AND p.channel = $all AND p.touchpoint <> $all
          AND list_contains($topics, p.topic_id)
        ORDER BY p.topic_id, p.volume DESC, p.touchpoint
        """,
        {"week": week, "all": all_cells, "topics": [int(t) for t in topic_ids]},
    ).df()
