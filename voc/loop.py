"""Closing the loop: who owns a pain point, what was done about it, and alerts to owners.

A CX lead's loop (docs/loop.md): feedback comes in, the team that owns the touchpoint is
told when a pain point flares up, records what it does about it, and later checks whether
the fix worked. This module holds the rules; the tables are in :mod:`voc.store.loop`.

Owners
    A touchpoint of the taxonomy may name an ``owner`` (:class:`voc.taxonomy.Owner`). A
    pain point of a week is owned by the owners of the touchpoints where it was heard:
    every owned touchpoint holding at least ``min_share`` of its records that week, and
    the touchpoint holding most of them whatever its share (``'(none)'``, records without
    a touchpoint, is skipped). A team is listed once, at its largest touchpoint.

Status
    A topic's status is its latest recorded action (:func:`voc.store.loop.latest_actions`).

Alerts (:func:`find_alerts`, :func:`send_alerts`)
    After each daily run, the whole-week pain point rows of the latest ``alerts.weeks``
    weeks with data are checked. A topic alerts in a week when it is a pain point there
    (at least half of its sentences negative) with at least ``alerts.min_negative``
    complaints (records x negative share), and either

    - it is ``emerging`` that week (new, or a spike over its baseline:
      :mod:`voc.insights.painpoints`), or
    - its complaints are at least ``alerts.negative_jump`` times those of the week before
      (a week without the topic counts as 1 complaint, so 0 -> 5 is a jump).

    An alert goes to each owner of the pain point, by each of the owner's channels
    (Slack webhook, e-mail), once per ISO week: a channel that delivered is never sent the
    same topic and week again; one that failed is recorded ``failed`` and tried again at
    the next run. A pain point without a reachable owner is recorded once as ``no-owner``
    (or, with ``alerts.fallback: digest``, sent to the digest's own Slack / e-mail).
    Every alert carries its figures and up to three of the week's complaints, redacted
    (:func:`voc.insights.quotes.week_quotes`), and is recorded in ``alerts_sent``.
"""

from __future__ import annotations

import csv
import html
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from voc.config import DeliveryConfig, SlackConfig, VocConfig
from voc.digest.delivery import DeliveryResult, deliver
from voc.errors import UserError
from voc.insights.quotes import week_quotes
from voc.insights.rules import ALL, MIN_NEGATIVE_SHARE, NO_TOUCHPOINT, OTHER_TOPIC
from voc.store import insights as store_insights
from voc.store import loop as store_loop
from voc.store.warehouse import Warehouse
from voc.taxonomy import Owner, Taxonomy
from voc.weeks import iso_week, iso_week_monday

__all__ = [
    "DIGEST_TEAM",
    "Alert",
    "OwnerRoute",
    "action_text",
    "alert_message",
    "figures_of",
    "find_alerts",
    "pain_point_owners",
    "read_events_csv",
    "send_alerts",
    "topic_status",
    "with_owner_and_status",
]

logger = logging.getLogger(__name__)

#: The pseudo-team of an alert sent to the digest's channels (``alerts.fallback: digest``).
DIGEST_TEAM = "(digest recipients)"


@dataclass(frozen=True)
class OwnerRoute:
    """An owner of a pain point, and the touchpoint that makes it the owner."""

    touchpoint: str
    owner: Owner
    share: float


@dataclass(frozen=True)
class Alert:
    """A pain point that flared up in a week, with what to tell its owners."""

    week: str
    topic_id: int
    label: str
    reason: str
    figures: dict[str, Any]
    quotes: list[str] = field(default_factory=list)
    routes: list[OwnerRoute] = field(default_factory=list)


# -- owners and status ---------------------------------------------------------------------
def pain_point_owners(
    store: Warehouse,
    week: str,
    topic_ids: list[int],
    owners: Mapping[str, Owner],
    min_share: float = 0.25,
) -> dict[int, list[OwnerRoute]]:
    """The owners of each topic's pain point in ``week`` (module docstring).

    Args:
        store: An open store (read-only is fine).
        week: ISO week ``YYYY-Www``.
        topic_ids: The topics.
        owners: Touchpoint name -> owner (:attr:`voc.taxonomy.Taxonomy.owners`).
        min_share: The share of the topic's records a touchpoint needs for its owner.

    Returns:
        ``{topic_id: [OwnerRoute, ...]}``, largest touchpoint first; an empty list for a
        topic no owner hears of.
    """
    out: dict[int, list[OwnerRoute]] = {int(t): [] for t in topic_ids}
    if not owners or not topic_ids:
        return out
    frame = store_loop.topic_touchpoints(store, week, [int(t) for t in topic_ids], ALL)
    frame = frame[frame["touchpoint"] != NO_TOUCHPOINT]
    for topic_id, group in frame.groupby("topic_id", sort=False):
        routes = out[int(str(topic_id))]
        teams: set[str] = set()
        rows = zip(group["touchpoint"].astype(str), group["share"].astype(float), strict=True)
        for index, (touchpoint, share) in enumerate(rows):
            owner = owners.get(touchpoint)
            if owner is None or (index > 0 and share < min_share) or owner.team in teams:
                continue
            teams.add(owner.team)
            routes.append(OwnerRoute(touchpoint, owner, round(share, 3)))
    return out


def topic_status(store: Warehouse) -> dict[int, dict[str, Any]]:
    """Each topic's latest action: ``{topic_id: {"status", "action_date", "note", "actor"}}``."""
    latest = store_loop.latest_actions(store)
    return {
        int(row["topic_id"]): {
            "status": str(row["status"]),
            "action_date": pd.Timestamp(row["action_date"]).date(),
            "note": None if pd.isna(row["note"]) else str(row["note"]),
            "actor": str(row["actor"]),
        }
        for row in latest.to_dict("records")
    }


def action_text(status: Mapping[str, Any] | None) -> str:
    """A status as one cell: ``fix-shipped 2026-11-20``; empty when none is recorded."""
    if not status:
        return ""
    return f"{status['status']} {status['action_date']}"


def with_owner_and_status(
    store: Warehouse, frame: pd.DataFrame, owners: Mapping[str, Owner], week: str | None = None
) -> pd.DataFrame:
    """``frame`` (one row per pain point: ``topic_id``, and ``week`` unless given) with
    ``owner`` (the owning teams, ``", "``-joined; empty: none) and ``action`` (the latest
    status and its date, :func:`action_text`) added after ``label``. A new frame; attrs kept.
    """
    out = frame.copy()
    owner_cells: list[str] = []
    statuses = topic_status(store)
    if not out.empty:
        weeks = [week] * len(out) if week is not None else out["week"].astype(str).tolist()
        routes: dict[tuple[str, int], list[OwnerRoute]] = {}
        for each in sorted(set(weeks)):
            ids = [int(t) for t, w in zip(out["topic_id"], weeks, strict=True) if w == each]
            for topic_id, found in pain_point_owners(store, each, ids, owners).items():
                routes[(each, topic_id)] = found
        owner_cells = [
            ", ".join(r.owner.team for r in routes.get((w, int(t)), []))
            for t, w in zip(out["topic_id"], weeks, strict=True)
        ]
    columns = list(out.columns)
    at = columns.index("label") + 1 if "label" in columns else len(columns)
    out.insert(at, "owner", owner_cells)
    out.insert(at + 1, "action", [action_text(statuses.get(int(t))) for t in out["topic_id"]])
    out.attrs = dict(frame.attrs)
    return out


# -- alerts --------------------------------------------------------------------------------
def _weeks_checked(store: Warehouse, count: int) -> list[str]:
    latest = store_insights.latest_pain_point_week(store)
    if latest is None:
        return []
    monday = iso_week_monday(str(latest))
    return [iso_week(monday - timedelta(weeks=n)) for n in range(count)]


def find_alerts(
    store: Warehouse,
    config: VocConfig,
    taxonomy: Taxonomy,
    weeks: list[str] | None = None,
) -> list[Alert]:
    """The pain points that flare up in ``weeks`` (default: the latest ``alerts.weeks``
    weeks with data), each with its owners and quotes (module docstring).

    Args:
        store: An open store (read-only is fine).
        config: ``alerts`` (thresholds, weeks) is read; pain points are named in
            ``digest.language``, as the digest names them.
        taxonomy: Its touchpoints' owners route the alerts.
        weeks: ISO weeks to check instead of the latest ones.

    Returns:
        Alerts, oldest week first, then the most complaints first.
    """
    settings = config.alerts
    checked = weeks if weeks is not None else _weeks_checked(store, settings.weeks)
    alerts: list[Alert] = []
    for week in sorted(checked):
        previous = iso_week(iso_week_monday(week) - timedelta(weeks=1))
        rows = store_loop.alert_candidates(
            store, week, previous, OTHER_TOPIC, ALL, config.digest.language
        )
        rows = rows[
            (rows["negative_share"] >= MIN_NEGATIVE_SHARE)
            & (rows["complaints"] >= settings.min_negative)
        ]
        found: list[tuple[int, str, str, dict[str, Any]]] = []
        for row in rows.to_dict("records"):
            complaints = float(row["complaints"])
            before = float(row["previous_complaints"])
            jump = complaints / max(before, 1.0)
            reasons = []
            if bool(row["emerging"]):
                reasons.append(
                    f"emerging: {int(row['volume'])} records against a usual "
                    f"{float(row['baseline_mean']):.1f} a week"
                )
            if jump >= settings.negative_jump:
                reasons.append(
                    f"complaints up x{jump:.1f}: {complaints:.0f} against {before:.0f} the "
                    f"week before (alerts at x{settings.negative_jump:g})"
                )
            if not reasons:
                continue
            figures = {
                "week": week,
                "topic_id": int(row["topic_id"]),
                "label": str(row["label"]),
                "volume": int(row["volume"]),
                "previous_volume": int(row["previous_volume"]),
                "negative_share": round(float(row["negative_share"]), 3),
                "complaints": round(complaints, 1),
                "previous_complaints": round(before, 1),
                "complaints_ratio": round(jump, 2),
                "baseline_mean": round(float(row["baseline_mean"]), 2),
                "emerging": bool(row["emerging"]),
            }
            found.append((int(row["topic_id"]), str(row["label"]), "; ".join(reasons), figures))
        if not found:
            continue
        found.sort(key=lambda f: -f[3]["complaints"])
        ids = [topic_id for topic_id, *_ in found]
        quotes = week_quotes(store, week, ids, 3, "negative")
        routes = pain_point_owners(store, week, ids, taxonomy.owners, settings.min_touchpoint_share)
        heard = store_loop.topic_touchpoints(store, week, ids, ALL)
        heard = heard[heard["touchpoint"] != NO_TOUCHPOINT]
        for topic_id, label, reason, figures in found:
            texts = [q.text for q in quotes.get(topic_id, [])]
            mine = heard[heard["topic_id"] == topic_id].head(3)
            where = [
                {"touchpoint": str(t), "share": round(float(share), 3)}
                for t, share in zip(mine["touchpoint"], mine["share"], strict=True)
            ]
            figures = {**figures, "touchpoints": where, "quotes": texts}
            alerts.append(
                Alert(week, topic_id, label, reason, figures, texts, routes.get(topic_id, []))
            )
    return alerts


def alert_message(alert: Alert, team: str, touchpoint: str) -> tuple[str, str, str]:
    """The alert as ``(subject, markdown, html)`` for one owner."""
    f = alert.figures
    subject = f"voc alert {alert.week}: {alert.label} ({team})"
    where = f"on {touchpoint.replace('_', ' ')}" if touchpoint else "(no owner)"
    lines = [
        f"# {alert.label}: flaring up in {alert.week}",
        "",
        f"**{team}**: a pain point {where} needs a look.",
        "",
        f"- why: {alert.reason}",
        f"- {f['volume']} records ({f['previous_volume']} the week before), "
        f"{100 * f['negative_share']:.0f}% of sentences negative, "
        f"{f['complaints']:.0f} complaints ({f['previous_complaints']:.0f} the week before)",
        f"- topic {alert.topic_id}: `voc topics show {alert.topic_id}`; say what you do: "
        f'`voc action {alert.topic_id} --status acknowledged --note "..."`',
        "",
    ]
    lines += [f"> “{quote}”" for quote in alert.quotes] or ["(no quotable complaint)"]
    markdown = "\n".join(lines) + "\n"
    quotes_html = (
        "".join(f"<blockquote>“{html.escape(q)}”</blockquote>" for q in alert.quotes)
        or "<p>(no quotable complaint)</p>"
    )
    body = (
        f"<html><body><h1>{html.escape(alert.label)}: flaring up in {alert.week}</h1>"
        f"<p><b>{html.escape(team)}</b>: a pain point {html.escape(where)} needs a look.</p>"
        f"<ul><li>why: {html.escape(alert.reason)}</li>"
        f"<li>{f['volume']} records ({f['previous_volume']} the week before), "
        f"{100 * f['negative_share']:.0f}% of sentences negative, {f['complaints']:.0f} "
        f"complaints ({f['previous_complaints']:.0f} the week before)</li>"
        f"<li>topic {alert.topic_id}: <code>voc topics show {alert.topic_id}</code>; say what "
        f"you do: <code>voc action {alert.topic_id} --status acknowledged</code></li></ul>"
        f"{quotes_html}</body></html>"
    )
    return subject, markdown, body


def _owner_delivery(
    owner: Owner, config: VocConfig, channels: set[str]
) -> tuple[DeliveryConfig, str | None]:
    """The delivery settings that reach ``owner`` on ``channels``, and why e-mail cannot
    (None when it can or is not asked for)."""
    settings = config.alerts
    slack = (
        SlackConfig(webhook_env=owner.slack_webhook_env)
        if "slack" in channels and owner.slack_webhook_env
        else None
    )
    email = None
    problem = None
    if "email" in channels and owner.email:
        server = config.digest.delivery.email
        if server is None:
            problem = (
                f"team {owner.team} has e-mail addresses but no SMTP server is configured: "
                "set digest.delivery.email (host, port, sender) in the config"
            )
        else:
            email = server.model_copy(update={"to": list(owner.email)})
    delivery = DeliveryConfig(
        slack=slack,
        email=email,
        retries=settings.retries,
        retry_delay_seconds=settings.retry_delay_seconds,
    )
    return delivery, problem


def _channels_of(owner: Owner) -> list[str]:
    return [c for c, on in (("slack", owner.slack_webhook_env), ("email", owner.email)) if on]


def send_alerts(
    store: Warehouse,
    config: VocConfig,
    taxonomy: Taxonomy,
    *,
    weeks: list[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    log: logging.Logger | logging.LoggerAdapter | None = None,
) -> dict[str, Any]:
    """Find the week's alerts, send each one not sent yet, record every try; never raises
    on a failed delivery (it is recorded ``failed`` and tried again next run).

    Args:
        store: An open, writable store.
        config: ``alerts`` and ``digest.delivery`` (the SMTP server, the fallback).
        taxonomy: The owners.
        weeks: ISO weeks to check (default: the latest ``alerts.weeks`` with data).
        sleep: Waits between retries (tests pass a no-op).
        log: Where each outcome is logged.

    Returns:
        ``weeks`` checked; ``alerts`` (topic-weeks that flared up); ``sent``, ``failed``
        (channel tries), ``already_sent`` (owners told before); ``no_owner``: the alerts
        nobody could be sent (``week``, ``topic_id``, ``label``, ``why``); ``failures``:
        ``team/channel: error`` lines.
    """
    log = log if log is not None else logger
    checked = weeks if weeks is not None else _weeks_checked(store, config.alerts.weeks)
    summary: dict[str, Any] = {
        "weeks": checked,
        "alerts": 0,
        "sent": 0,
        "failed": 0,
        "already_sent": 0,
        "no_owner": [],
        "failures": [],
    }
    if not checked:
        return summary
    alerts = find_alerts(store, config, taxonomy, checked)
    summary["alerts"] = len(alerts)
    done = store_loop.delivered_alerts(store, checked)
    earlier = store_loop.alerts_sent(store)
    noted = {
        (str(w), int(t), str(team))
        for w, t, team, s in zip(
            earlier["week"], earlier["topic_id"], earlier["team"], earlier["status"], strict=True
        )
        if s == "no-owner"
    }

    def record(alert: Alert, route: str, team: str, channel: str, status: str, error: str | None):
        store_loop.record_alert(
            store,
            alert.week,
            alert.topic_id,
            route,
            team,
            channel,
            alert.reason,
            alert.figures,
            status,
            error=error,
        )

    def send(alert: Alert, team: str, touchpoint: str, delivery: DeliveryConfig) -> None:
        subject, markdown, body = alert_message(alert, team, touchpoint)
        results: list[DeliveryResult] = deliver(
            delivery, subject=subject, markdown=markdown, html=body, sleep=sleep, logger=log
        )
        for result in results:
            status = "sent" if result.ok else "failed"
            summary[status] += 1
            if not result.ok:
                summary["failures"].append(f"{team}/{result.channel}: {result.error}")
            record(alert, touchpoint, team, result.channel, status, result.error)

    fallback = config.digest.delivery if config.alerts.fallback == "digest" else None
    for alert in alerts:
        reachable = [r for r in alert.routes if r.owner.reachable]
        if not reachable:
            owners = ", ".join(sorted({r.owner.team for r in alert.routes}))
            heard = ", ".join(
                f"{w['touchpoint']} {100 * w['share']:.0f}%"
                for w in alert.figures.get("touchpoints", [])
            )
            why = (
                f"team {owners} has no slack_webhook_env or email in the taxonomy"
                if owners
                else "no touchpoint of it has an owner in the taxonomy"
                + (f" (heard at {heard}: give one an owner)" if heard else "")
            )
            if fallback is not None and (fallback.slack or fallback.email):
                due = {c for c in ("slack", "email") if getattr(fallback, c) is not None}
                due -= {c for c in due if (alert.week, alert.topic_id, DIGEST_TEAM, c) in done}
                if not due:
                    summary["already_sent"] += 1
                    continue
                delivery = fallback.model_copy(
                    update={
                        "slack": fallback.slack if "slack" in due else None,
                        "email": fallback.email if "email" in due else None,
                        "retries": config.alerts.retries,
                        "retry_delay_seconds": config.alerts.retry_delay_seconds,
                    }
                )
                send(alert, DIGEST_TEAM, "", delivery)
                continue
            summary["no_owner"].append(
                {"week": alert.week, "topic_id": alert.topic_id, "label": alert.label, "why": why}
            )
            team = owners
            if (alert.week, alert.topic_id, team) not in noted:
                touchpoint = alert.routes[0].touchpoint if alert.routes else ""
                record(alert, touchpoint, team, "", "no-owner", why)
                noted.add((alert.week, alert.topic_id, team))
            continue
        for route in reachable:
            team = route.owner.team
            due = {
                c
                for c in _channels_of(route.owner)
                if (alert.week, alert.topic_id, team, c) not in done
            }
            if not due:
                summary["already_sent"] += 1
                continue
            delivery, problem = _owner_delivery(route.owner, config, due)
            if problem is not None:
                summary["failed"] += 1
                summary["failures"].append(f"{team}/email: {problem}")
                record(alert, route.touchpoint, team, "email", "failed", problem)
            if delivery.slack is not None or delivery.email is not None:
                send(alert, team, route.touchpoint, delivery)
    log.info(
        "alerts: %d flared up in %s; %d sent, %d failed, %d told before, %d without owner",
        summary["alerts"],
        ", ".join(checked),
        summary["sent"],
        summary["failed"],
        summary["already_sent"],
        len(summary["no_owner"]),
    )
    return summary


def figures_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``figures`` JSON of an ``alerts_sent`` row, parsed ({} when unreadable)."""
    try:
        value = json.loads(str(row.get("figures") or "{}"))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


# -- events --------------------------------------------------------------------------------
def read_events_csv(path: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The events of a CSV file (columns ``date``, ``title``, optional ``kind``, ``note``;
    names case-insensitive; UTF-8, a BOM is fine).

    Returns:
        The good rows (``date`` as a ``date``, ``title``, ``kind``, ``note``) and one line
        per bad row: ``line N: why`` (line 1 is the header), never dropped silently.

    Raises:
        UserError: The file cannot be read, or lacks a ``date`` or ``title`` column.
    """
    from voc.store.loop import EVENT_KINDS

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise UserError(f"{path}: no such file") from e
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path} cannot be read as UTF-8 text: {e}") from e
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("date", "title") if c not in header]
    if missing:
        raise UserError(
            f"{path}: no {' or '.join(missing)} column; the first line must name the columns "
            f"date,title[,kind,note] (it has: {', '.join(header) or 'nothing'})"
        )
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line is not a row
        if len(cells) > len(header):
            problems.append(
                f"line {line}: {len(cells)} cells for {len(header)} columns (quote a title "
                'or note holding a comma: "a, b")'
            )
            continue
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            problems.append(f"line {line}: date {row['date']!r} is not a date: write YYYY-MM-DD")
            continue
        title = " ".join(row["title"].split())
        if not title:
            problems.append(f"line {line}: the title is empty")
            continue
        kind = (row.get("kind") or "other").lower()
        if kind not in EVENT_KINDS:
            problems.append(
                f"line {line}: kind {row.get('kind')!r} is not one of {', '.join(EVENT_KINDS)}"
            )
            continue
        rows.append({"date": day, "title": title, "kind": kind, "note": row.get("note") or None})
    return rows, problems
