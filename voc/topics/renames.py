"""Labels a person gave, carried over a refit that retires their topic (issue 11).

A rename (``voc topics rename``, the config's ``topics.labels``) is kept by topic id and
put back after every refit, which the registry makes keep the id while a new cluster
matches the topic. When a refit retires a renamed topic instead (no cluster matches it,
or the registry merged it into another), the label goes to the topic that took most of
its sentences (their topics before the refit against their topics after it), when that
topic is clear:

- it took at least :data:`CARRY_SHARE` of the retired topic's sentences (those that fell
  to "other" count against it), and
- it has no label a person gave, nor one carried to it earlier in the same refit: of two
  renamed topics that end up in one, the one that gave it more sentences keeps its label
  there, and the other is reported.

Otherwise the rename stays recorded on the retired topic, not carried, and is said so:
in the refit's summary (``voc analyze``, ``voc run``, the flow's log) and under
``voc topics`` until a person names a topic with it or drops it. Either way the refit
writes a ``topic_events`` row (``label_carried`` on the successor, ``label_not_carried``
on the retired topic), so the topics' history says where a label came from.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voc.errors import VocError
from voc.store import topic_renames as rename_rows
from voc.store import topics as topic_rows
from voc.store.topic_renames import LABEL_CARRIED, LABEL_NOT_CARRIED, RenameCarry
from voc.topics.model import OTHER

logger = logging.getLogger(__name__)

__all__ = [
    "CARRY_SHARE",
    "RENAME_HINT",
    "RenameOutcome",
    "carry_renames",
    "label_history",
    "rename_carry",
    "rename_topic",
    "renames_not_shown",
    "set_config_labels",
]

#: The share of a retired topic's sentences a topic must take to be given its label.
CARRY_SHARE = 0.5

#: What a person can do about a label no topic shows (after :func:`renames_not_shown`).
RENAME_HINT = (
    'give such a label to a topic with `voc topics rename ID "label"`, and drop it from the '
    'retired one with `voc topics rename OLD_ID ""`, which ends this line'
)


@dataclass(frozen=True)
class RenameOutcome:
    """What a refit did with the label a person gave a topic it retired.

    Attributes:
        topic_id: The retired topic.
        label: The label the person gave it.
        sentences: Its sentences before the refit.
        shares: ``(topic id, share of those sentences)`` after the refit, largest first;
            ``-1`` is other.
        carried_to: The topic the label went to; None when it was not carried.
        blocked_by: When a topic took enough of the sentences but has a label a person
            gave (or one carried to it in this refit): that label.
    """

    topic_id: int
    label: str
    sentences: int
    shares: tuple[tuple[int, float], ...]
    carried_to: int | None = None
    blocked_by: str | None = None

    @property
    def message(self) -> str:
        """One line for a person: where the label went, or why it stayed."""
        head = f"rename {self.label!r} of topic {self.topic_id}"
        if self.carried_to is not None:
            share = dict(self.shares)[self.carried_to]
            return (
                f"{head} carried to topic {self.carried_to}, which took {_percent(share)} of its "
                "sentences (the refit retired it)"
            )
        if not self.sentences:
            return f"{head} not carried: the refit retired it and it held no sentences"
        if self.blocked_by is not None:
            successor, share = self._top[0]
            return (
                f"{head} not carried: topic {successor}, which took {_percent(share)} of its "
                f"sentences, has the label {self.blocked_by!r}"
            )
        parts = ", ".join(
            f"{'other' if topic == OTHER else topic} ({_percent(share)})"
            for topic, share in self.shares[:3]
        )
        more = f" and {len(self.shares) - 3} more" if len(self.shares) > 3 else ""
        return f"{head} not carried: its sentences split across {parts}{more}"

    @property
    def _top(self) -> list[tuple[int, float]]:
        return [(topic, share) for topic, share in self.shares if topic != OTHER]

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict (the refit summary's ``renames``)."""
        return {
            "topic_id": self.topic_id,
            "label": self.label,
            "carried_to": self.carried_to,
            "message": self.message,
        }

    def event(self) -> dict[str, Any]:
        """Its ``topic_events`` row but ``run_id`` and ``occurred_at``: ``label_carried`` on
        the successor (``related``: the retired topic), else ``label_not_carried`` on the
        retired topic (``related``: the topics its sentences went to)."""
        if self.carried_to is not None:
            return {
                "event": LABEL_CARRIED,
                "topic_id": self.carried_to,
                "related": [self.topic_id],
                "detail": self.message,
            }
        return {
            "event": LABEL_NOT_CARRIED,
            "topic_id": self.topic_id,
            "related": [topic for topic, _ in self._top[:3]],
            "detail": self.message,
        }


def _percent(share: float) -> str:
    """A share as a whole percent rounded down: 49.7 % of the sentences, short of the
    half a carry needs, must not read "50%"."""
    return f"{int(share * 100 + 1e-9)}%"


def carry_renames(
    retired: dict[int, str],
    overlap: Iterable[tuple[int, int, int]],
    given: dict[int, str],
    active: set[int],
) -> list[RenameOutcome]:
    """Decide where the labels of renamed topics a refit retired go (module docstring).

    Args:
        retired: The renamed topics the refit retired: id -> the label a person gave.
        overlap: ``(retired id, topic id after the refit, sentences)``: where the retired
            topics' sentences went; ``-1`` is other.
        given: Every label a person gave, by topic id (the retired ones included).
        active: The topics active after the refit.

    Returns:
        One outcome per retired topic, those whose best successor took more sentences
        first (the order the labels were given out in).
    """
    counts: dict[int, dict[int, int]] = {topic_id: {} for topic_id in retired}
    for old, new, n in overlap:
        if int(old) in counts and int(n) > 0:
            bucket = counts[int(old)]
            new = int(new) if int(new) in active else OTHER
            bucket[new] = bucket.get(new, 0) + int(n)

    def best(topic_id: int) -> tuple[int, int]:
        named = [(n, -t) for t, n in counts[topic_id].items() if t != OTHER]
        n, negative = max(named, default=(0, -OTHER))
        return -negative, n

    labels = {topic_id: label for topic_id, label in given.items() if topic_id not in retired}
    outcomes = []
    for topic_id in sorted(retired, key=lambda t: (-best(t)[1], t)):
        total = sum(counts[topic_id].values())
        shares = tuple(
            (t, n / total) for t, n in sorted(counts[topic_id].items(), key=lambda p: (-p[1], p[0]))
        )
        successor, n = best(topic_id)
        outcome = RenameOutcome(topic_id, retired[topic_id], total, shares)
        if total and n / total >= CARRY_SHARE:
            if successor in labels:
                outcome = RenameOutcome(
                    topic_id, retired[topic_id], total, shares, blocked_by=labels[successor]
                )
            else:
                outcome = RenameOutcome(
                    topic_id, retired[topic_id], total, shares, carried_to=successor
                )
                labels[successor] = retired[topic_id]
        outcomes.append(outcome)
    return outcomes


def rename_carry(run_id: str, at: datetime, outcomes: list[RenameOutcome]) -> RenameCarry:
    """What a refit passes :func:`voc.store.topics.replace_topics`: decides with
    :func:`carry_renames`, adds the outcomes to ``outcomes`` (the refit's summary) and
    gives back their ``topic_events`` rows, recorded under ``run_id`` at ``at``."""

    def carry(
        retired: dict[int, str],
        overlap: list[tuple[int, int, int]],
        given: dict[int, str],
        active: set[int],
    ) -> list[dict[str, Any]]:
        decided = carry_renames(retired, overlap, given, active)
        outcomes.extend(decided)
        return [{"run_id": run_id, **o.event(), "occurred_at": at} for o in decided]

    return carry


def renames_not_shown(store: Any) -> list[str]:
    """One line per label a person gave that no active topic shows (a refit retired its
    topic and could not carry it on): the refit's reason, as ``voc topics`` prints it."""
    rows = rename_rows.orphaned_renames(store)
    return [
        detail
        if isinstance(detail, str)
        else f"rename {label!r} of topic {topic_id} not shown: the topic is {status}"
        for topic_id, label, status, detail in rows.itertuples(index=False, name=None)
    ]


def label_history(store: Any, topic_id: int) -> list[dict[str, Any]]:
    """What refits did with labels a person gave, about ``topic_id``, oldest first:
    ``at`` (ISO time), ``run_id``, ``event`` (``label_carried``, ``label_not_carried``),
    ``detail`` (the line a person reads)."""
    rows = rename_rows.label_history(store, topic_id)
    return [
        {"at": str(at), "run_id": run_id, "event": event, "detail": detail}
        for at, run_id, event, detail in rows.itertuples(index=False, name=None)
    ]


def rename_topic(
    store: Any, topic_id: int, label: str, source: str = "cli", language: str = "en"
) -> str:
    """Name a topic: the label is kept in ``topic_renames`` and put on the topic now and
    after every refit (the registry keeps the id, so the name follows the topic).

    Args:
        store: A :class:`voc.store.warehouse.Warehouse` open for writing.
        topic_id: The topic's id.
        label: The new label; an empty one gives the topic back its own label (the one
            its fit found, in ``language`` when it has one there) now, and the next
            refits keep that one.
        source: ``cli``, ``config`` or ``ui``.
        language: The digest's language (``digest.language``), for an empty ``label``.

    Returns:
        The label the topic had before.

    Raises:
        VocError: No such topic, or a label too long to read as one (over 80 characters).
    """
    label = " ".join(label.split())
    if len(label) > 80:
        raise VocError(f"a topic label of {len(label)} characters is too long: keep it under 80")
    found = topic_rows.topic_label(store, int(topic_id))
    if found is None or int(topic_id) == OTHER:
        raise VocError(
            f"no topic {topic_id} in the store: `voc topics` lists the topics and their ids"
        )
    from voc.store.warehouse import utcnow

    topic_rows.set_given_label(store, int(topic_id), label, source, utcnow())
    if not label:
        # The person's label was written over the topic's own (which a refit keeps as it
        # keeps any label): put the own one back, or it would stay for good.
        topic_rows.restore_own_label(store, int(topic_id), language)
    return found


def set_config_labels(store: Any, labels: dict[int, str]) -> int:
    """Apply the config's ``topics.labels`` (id -> label). The config wins over a label
    given with ``voc topics rename`` for the topics it names. Unknown ids are skipped with
    a warning. A topic a refit retired after carrying its label on
    (:mod:`voc.topics.renames`) stands for the topic that has the label now, with a
    warning to name that one, unless the config names that one itself. Returns how many
    labels changed."""
    given = topic_rows.given_labels(store)
    known = topic_rows.topic_ids(store)
    carried = rename_rows.carried_labels(store)
    changed = 0
    for topic_id, label in labels.items():
        if int(topic_id) not in known:
            logger.warning(
                "topics.labels: no topic %s in the store (voc topics lists them)", topic_id
            )
            continue
        target, seen = int(topic_id), {int(topic_id)}
        while target in carried and target not in given and carried[target] not in seen:
            target = carried[target]
            seen.add(target)
        if target != int(topic_id):
            named = target in {int(t) for t in labels}
            logger.warning(
                "topics.labels: a refit retired topic %s and carried its label to topic %s; %s",
                topic_id,
                target,
                f"the config's label for {target} wins"
                if named
                else f"write {target} for it in the config",
            )
            if named:
                continue
        if given.get(target) != " ".join(label.split()):
            rename_topic(store, target, label, source="config")
            changed += 1
    return changed
