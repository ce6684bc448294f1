"""What redaction produces (:class:`Redaction`) and the bookkeeping of the spans found in
one text: the first claim on a stretch of text wins."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


KINDS = ("EMAIL", "PHONE", "CARD", "POSTCODE", "ADDRESS", "ACCOUNT_ID", "HANDLE", "PERSON")
"""Every placeholder kind, in the order :attr:`Redaction.counts` lists them."""


@dataclass(frozen=True)
class Redaction:
    """The result of redacting one text.

    Attributes:
        text: The text with every piece of personal data replaced by ``[KIND]``.
        counts: Placeholder kind -> how many were put in, e.g. ``{"EMAIL": 1}``; kinds
            with none are absent.
    """

    text: str
    counts: dict[str, int]


class _Spans:
    """The spans found in one text; the first claim on a stretch of text wins.

    Both lists stay sorted and free of overlaps, so a new span need only be compared with
    its two neighbours: a long text with thousands of matches stays linear-ish.
    """

    __slots__ = ("blocked", "found")

    def __init__(self) -> None:
        self.found: list[tuple[int, int, str]] = []
        # URLs: the weak patterns (addresses, ZIP and UK postcodes) must not fire inside them.
        self.blocked: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, kind: str, weak: bool = False) -> bool:
        if _overlaps(self.found, start, end) or (weak and _overlaps(self.blocked, start, end)):
            return False
        bisect.insort(self.found, (start, end, kind))
        return True

    def block(self, start: int, end: int) -> None:
        if not _overlaps(self.blocked, start, end):
            bisect.insort(self.blocked, (start, end, ""))


def _overlaps(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    index = bisect.bisect_left(spans, (start,))
    if index < len(spans) and spans[index][0] < end:
        return True
    return index > 0 and spans[index - 1][1] > start


def _apply(text: str, spans: _Spans) -> Redaction:
    if not spans.found:
        return Redaction(text, {})
    pieces: list[str] = []
    position = 0
    for start, end, kind in spans.found:
        pieces.append(text[position:start])
        pieces.append(f"[{kind}]")
        position = end
    pieces.append(text[position:])
    counts = Counter(kind for _, _, kind in spans.found)
    return Redaction("".join(pieces), {kind: counts[kind] for kind in KINDS if kind in counts})
