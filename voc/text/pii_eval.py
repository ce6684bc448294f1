"""Measure a PII redactor on a corpus of planted personal data and ordinary sentences.

A corpus is a list of cases (``tests/text/pii_cases.yaml`` is one)::

    - text: "Call me on +1 415 555 0134 after 6pm."
      language: en
      expect: [{kind: PHONE, value: "+1 415 555 0134"}]
    - {text: "Paid $49.99, arrived 2026-11-03.", language: en, expect: []}

A case with ``expect: []`` is a *survivor*: nothing in it is personal, so it must come out
unchanged. Two figures come out of :func:`evaluate`:

* **recall**: planted values removed / planted values. A value counts as removed when it
  no longer occurs in the redacted text and the placeholder of its kind (``[PHONE]``) does.
* **over-redaction**: survivors changed / survivors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from voc.errors import VocError
from voc.text.pii import KINDS, Redaction

__all__ = ["Miss", "PiiReport", "RedactsMany", "evaluate", "load_cases"]


class RedactsMany(Protocol):
    """Anything with :meth:`voc.text.pii.Redactor.redact_many`'s signature."""

    def redact_many(self, texts: Sequence[str], languages: Sequence[str]) -> list[Redaction]:
        """Redact a batch of texts, one language code per text."""
        ...


@dataclass(frozen=True)
class Miss:
    """A planted value the redactor left in, or a survivor it changed.

    Attributes:
        text: The case's text.
        language: The case's language.
        kind: The planted value's kind; empty for a changed survivor.
        value: The planted value; empty for a changed survivor.
        redacted: What the redactor made of the text.
    """

    text: str
    language: str
    kind: str
    value: str
    redacted: str


@dataclass(frozen=True)
class PiiReport:
    """How well a redactor did on a corpus.

    Attributes:
        recall: Planted values removed / planted values (1.0 when nothing was planted).
        over_redaction: Survivors changed / survivors (0.0 when there were none).
        per_kind_recall: Recall for each kind that was planted, e.g. ``{"PHONE": 1.0}``.
        misses: The planted values left in (or replaced by the wrong placeholder).
        over_redacted: The survivors that came out changed.
        planted: How many values were planted.
        survivors: How many survivor sentences there were.
    """

    recall: float
    over_redaction: float
    per_kind_recall: dict[str, float]
    misses: tuple[Miss, ...]
    over_redacted: tuple[Miss, ...] = ()
    planted: int = 0
    survivors: int = 0


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a YAML corpus of cases.

    Args:
        path: A YAML file holding a list of ``{text, language, expect}`` mappings.

    Returns:
        The cases, each with ``expect`` as a list of ``{kind, value}`` mappings.

    Raises:
        VocError: The file is unreadable or a case is malformed (the message names it).
    """
    try:
        cases = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise VocError(f"cannot read the PII corpus {path}: {e}") from e
    if not isinstance(cases, list):
        raise VocError(f"{path} must hold a list of cases, not {type(cases).__name__}")
    for number, case in enumerate(cases, start=1):
        where = f"{path}, case {number}"
        if not isinstance(case, dict) or not isinstance(case.get("text"), str):
            raise VocError(f"{where}: every case needs a `text` string")
        if not isinstance(case.get("language"), str):
            raise VocError(f"{where}: every case needs a `language` such as en or ja")
        expect = case.get("expect")
        if not isinstance(expect, list):
            raise VocError(f"{where}: `expect` must be a list ([] for a survivor)")
        for item in expect:
            if not isinstance(item, dict) or item.get("kind") not in KINDS:
                raise VocError(f"{where}: each expected item needs a `kind` among {KINDS}")
            if not isinstance(item.get("value"), str) or item["value"] not in case["text"]:
                raise VocError(f"{where}: the value {item.get('value')!r} is not in the text")
    return cases


def evaluate(cases: Sequence[dict[str, Any]], redactor: RedactsMany) -> PiiReport:
    """Run a redactor over a corpus and measure recall and over-redaction.

    Args:
        cases: Cases as :func:`load_cases` returns them.
        redactor: A :class:`voc.text.pii.Redactor` (or anything with ``redact_many``).

    Returns:
        The figures, with every miss and every changed survivor for inspection.
    """
    redactions = redactor.redact_many(
        [case["text"] for case in cases], [case["language"] for case in cases]
    )
    planted: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    misses: list[Miss] = []
    over_redacted: list[Miss] = []
    survivors = 0
    for case, redaction in zip(cases, redactions, strict=True):
        text, language = case["text"], case["language"]
        if not case["expect"]:
            survivors += 1
            if redaction.text != text:
                over_redacted.append(Miss(text, language, "", "", redaction.text))
            continue
        for item in case["expect"]:
            kind, value = item["kind"], item["value"]
            planted[kind] += 1
            if value not in redaction.text and f"[{kind}]" in redaction.text:
                removed[kind] += 1
            else:
                misses.append(Miss(text, language, kind, value, redaction.text))
    total = sum(planted.values())
    return PiiReport(
        recall=sum(removed.values()) / total if total else 1.0,
        over_redaction=len(over_redacted) / survivors if survivors else 0.0,
        per_kind_recall={kind: removed[kind] / planted[kind] for kind in KINDS if planted[kind]},
        misses=tuple(misses),
        over_redacted=tuple(over_redacted),
        planted=total,
        survivors=survivors,
    )
