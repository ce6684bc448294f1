"""The hand-written convention sets (data/sentiment/convention_{en,ja}.tsv) stay clean.

They are the only in-language 3-class training data for Japanese, so a row written twice
weighs double, and a row that repeats (or nearly repeats) a sentence of the hand-written
regression sets (tests/models/data/sentiment_regression_{en,ja}.tsv) would leak the test
into training. Near means: the same after NFKC, lower case and collapsed whitespace and
with punctuation and spaces dropped, or a character 5-gram Jaccard of 0.8 or more.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from voc.models.sentiment_data import CONVENTION_DIR, convention_set
from voc.models.train_v3 import regression_set

LABELS = {"negative", "neutral", "positive", "mixed"}
NEAR = 0.8
_NOT_WORD = re.compile(r"[\W_]+")


def _rows(language: str) -> list[tuple[int, str, str]]:
    """``(line number, label, text)`` of every data line, as written (no de-duplication)."""
    path = CONVENTION_DIR / f"convention_{language}.tsv"
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            label, _, text = line.partition("\t")
            rows.append((number, label, text))
    return rows


def _key(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def _grams(text: str) -> frozenset[str]:
    key = _key(text)
    return frozenset(key[i : i + 5] for i in range(max(1, len(key) - 4)))


def near_duplicates(named: list[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """Pairs of ``(name, text)`` whose keys match or whose 5-gram Jaccard is >= ``NEAR``.

    Jaccard >= t needs the smaller set to hold at least t of the larger one, so only
    pairs inside that size window are compared.
    """
    items = sorted(((len(g), name, g) for name, text in named for g in [_grams(text)]))
    pairs = []
    for i, (size_a, name_a, grams_a) in enumerate(items):
        for size_b, name_b, grams_b in items[i + 1 :]:
            if size_a < NEAR * size_b:
                break
            overlap = len(grams_a & grams_b) / len(grams_a | grams_b)
            if overlap >= NEAR:
                pairs.append((name_a, name_b, round(overlap, 2)))
    return pairs


def test_near_duplicates_finds_a_one_word_change_and_spares_different_sentences() -> None:
    found = near_duplicates(
        [
            ("a", "The tracking page says delivered but there is no parcel at my door."),
            ("b", "The tracking page says delivered, but there is no parcel at my door!"),
            ("c", "The tracking page says delivered but there is no parcel at my gate."),
            ("d", "How do I change my delivery address?"),
        ]
    )
    assert {(a, b) for a, b, _ in found} == {("a", "b"), ("a", "c"), ("b", "c")}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_convention_rows_carry_only_the_four_labels(language: str) -> None:
    bad = [(n, label) for n, label, text in _rows(language) if label not in LABELS]
    assert not bad, f"convention_{language}.tsv lines with another label: {bad[:10]}"
    assert {label for _, label, _ in _rows(language)} == LABELS
    assert all(text.strip() for _, _, text in _rows(language))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_convention_rows_do_not_nearly_repeat_each_other(language: str) -> None:
    named = [(f"line {n}", text) for n, _, text in _rows(language)]
    found = near_duplicates(named)
    assert not found, f"convention_{language}.tsv near-duplicate rows: {found[:20]}"


def test_convention_rows_do_not_nearly_repeat_the_regression_sets() -> None:
    named = [
        (f"convention_{language} line {n}", text)
        for language in ("en", "ja")
        for n, _, text in _rows(language)
    ]
    named += [
        (f"regression_{language}: {text}", text)
        for language in ("en", "ja")
        for _, _, text in regression_set(language)
    ]
    found = [
        (a, b, overlap)
        for a, b, overlap in near_duplicates(named)
        if a.startswith("regression") != b.startswith("regression")
    ]
    assert not found, f"convention rows that nearly repeat a regression row: {found[:20]}"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_split_holds_every_label(language: str) -> None:
    rows = convention_set(language)
    for split in ("train", "dev", "test"):
        chosen = rows.splits == split
        # Mixed rows are 0.5/0/0.5: argmax alone would call them negative.
        kinds = {
            "mixed" if target.max() < 0.6 else ("negative", "neutral", "positive")[target.argmax()]
            for target in rows.targets[chosen]
        }
        assert kinds == LABELS, (language, split, kinds)
