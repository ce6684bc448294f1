"""Keyword evidence of the touchpoint tagger: folding, inflections and one trie pattern
per touchpoint and language (see :mod:`voc.touchpoints` for the matching rules)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from voc.taxonomy import Taxonomy

# A character of a word: letters and digits of any script, not the underscore.
_WORD_CHAR = r"[^\W_]"
# Checked just after a keyword's first character: the character before that is not a word's.
_AFTER_FIRST = rf"(?<!{_WORD_CHAR}[\s\S])"
_AFTER_WORD = rf"(?!{_WORD_CHAR})"
# Apostrophes customers type, folded to ASCII so "can’t" matches "can't".
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
# A hyphen (or slash) between word characters reads as a space: e-mail = e mail.
_JOINER = re.compile(r"(?<=[^\W_])[-‐‑–/](?=[^\W_])")
_SPACES = re.compile(r"\s+")
# Languages written without spaces between words: substring matching.
_UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my"})
_VOWELS = frozenset("aeiou")
# Sentinel keys of the keyword trie: "a keyword ends here" (exactly / with any ending).
_END = "\x00end"
_END_ANY = "\x00any"


def _fold(text: str, unspaced: bool) -> str:
    """Text as keywords are matched against: NFKC, case-folded; see the module docstring."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    if unspaced:
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", _JOINER.sub(" ", text)).strip()


def _matching_keywords(text: str, language: str | None, touchpoint: Any) -> list[str]:
    """The keywords of ``touchpoint`` that match ``text`` (for explanations; slow path)."""
    base = (language or "").split("-")[0].split("_")[0].lower()
    codes = [c for c in touchpoint.keywords if c.split("-")[0] == base] or list(touchpoint.keywords)
    matched = []
    for code in codes:
        unspaced = code.split("-")[0] in _UNSPACED
        folded = _fold(text, unspaced)
        for keyword in touchpoint.keywords[code]:
            forms = _forms(keyword, unspaced) - {"", "*"}
            if forms and re.search(_trie_pattern(forms, bounded=not unspaced), folded):
                matched.append(keyword)
    return list(dict.fromkeys(matched))


def _compile_patterns(taxonomy: Taxonomy) -> dict[str, list[re.Pattern[str] | None]]:
    """Per base language code (``en-GB`` counts as ``en``), one pattern per touchpoint."""
    by_language: dict[str, list[set[str]]] = {}
    for code in taxonomy.languages:
        base = code.split("-")[0]
        forms_per_touchpoint = by_language.setdefault(base, [set() for _ in taxonomy.touchpoints])
        for forms, touchpoint in zip(forms_per_touchpoint, taxonomy.touchpoints, strict=True):
            for keyword in touchpoint.keywords.get(code, []):
                forms.update(_forms(keyword, base in _UNSPACED))
    patterns: dict[str, list[re.Pattern[str] | None]] = {}
    for base, forms_per_touchpoint in by_language.items():
        patterns[base] = [
            re.compile(_trie_pattern(forms, bounded=base not in _UNSPACED)) if forms else None
            for forms in (f - {"", "*"} for f in forms_per_touchpoint)
        ]
    return patterns


def keyword_patterns(taxonomy: Taxonomy) -> dict[str, list[list[tuple[str, re.Pattern[str]]]]]:
    """Per base language code, per touchpoint: each keyword (its ``*`` stripped, as
    :func:`voc.touchpoints.evidence.taxonomy_evidence` embeds it) with its own pattern.

    The slow path behind the per-touchpoint tries: run only where a touchpoint's trie
    matched, to tell which of its keywords did (the relevance model weighs a hit by how
    close the matched keyword is to the sentence and to the touchpoint).
    """
    out: dict[str, list[list[tuple[str, re.Pattern[str]]]]] = {}
    for code in taxonomy.languages:
        base = code.split("-")[0]
        unspaced = base in _UNSPACED
        per_touchpoint = out.setdefault(base, [[] for _ in taxonomy.touchpoints])
        for found, touchpoint in zip(per_touchpoint, taxonomy.touchpoints, strict=True):
            for keyword in touchpoint.keywords.get(code, []):
                forms = _forms(keyword, unspaced) - {"", "*"}
                if forms:
                    pattern = re.compile(_trie_pattern(forms, bounded=not unspaced))
                    found.append((keyword.rstrip("*"), pattern))
    return out


def _forms(keyword: str, unspaced: bool) -> set[str]:
    """The folded keyword and, for spaced languages, inflections of its last word."""
    wildcard = keyword.endswith("*")
    folded = _fold(keyword.rstrip("*"), unspaced)
    if unspaced or wildcard:
        return {folded + ("*" if wildcard else "")}
    head, _, last = folded.rpartition(" ")
    prefix = f"{head} " if head else ""
    return {prefix + form for form in _inflections(last)}


def _inflections(word: str) -> set[str]:
    """A word and its regular plural, -ed and -ing forms (words of 4+ letters only).

    Short words are left alone: their inflections collide with other words too often
    (fee -> feed, ad -> add). Over-generation is otherwise harmless: a form nobody writes
    never matches. Plural keywords are not reduced to their singular: too many plurals
    name something else than their singular (shorts, tights, goods, glasses).
    """
    forms = {word}
    if len(word) < 4 or not word.isalpha() or not word.isascii():
        return forms
    last, before = word[-1], word[-2]
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms |= {word + "es", word + "ed", word + "ing"}
    elif last == "y" and before not in _VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    elif last == "e":
        forms |= {word + "s", word + "d", word[:-1] + "ing"}
    else:
        forms |= {word + "s", word + "ed", word + "ing"}
        # Consonant-vowel-consonant endings double (ship -> shipped, cancel -> cancelled).
        doubles = last not in _VOWELS and last not in "wxy" and before in _VOWELS
        if doubles and word[-3] not in _VOWELS:
            forms |= {word + last + "ed", word + last + "ing"}
    return forms


def _trie_pattern(forms: Iterable[str], bounded: bool) -> str:
    """One regular expression matching any of ``forms``, longest first, built as a trie.

    A form ending in ``*`` matches any continuation of word characters. With ``bounded``,
    a form that starts (ends) with a word character must not be preceded (followed) by one.
    """
    trie: dict[str, Any] = {}
    for form in forms:
        wildcard = form.endswith("*")
        node = trie
        for char in form.rstrip("*"):
            node = node.setdefault(char, {})
        node[_END_ANY if wildcard else _END] = True

    def emit(node: dict[str, Any], previous: str) -> str:
        branches = [
            re.escape(char) + emit(child, char)
            for char, child in sorted(node.items())
            if char not in (_END, _END_ANY)
        ]
        word_end = bounded and bool(re.match(_WORD_CHAR, previous))
        if _END_ANY in node:
            branches.append(f"{_WORD_CHAR}*{_AFTER_WORD}" if bounded else "")
        if _END in node:
            branches.append(_AFTER_WORD if word_end else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    starts = []
    for char, child in sorted(trie.items()):
        # The "no word character before" guard goes after the first character, as a
        # two-character lookbehind: a pattern that starts with literals lets the regex
        # engine skip ahead to candidate first characters, about 10x faster.
        guard = _AFTER_FIRST if bounded and re.match(_WORD_CHAR, char) else ""
        starts.append(re.escape(char) + guard + emit(child, char))
    return "|".join(starts)
