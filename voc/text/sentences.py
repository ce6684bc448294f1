"""Sentence segmentation for English and Japanese feedback, with character offsets.

Per-sentence analysis is what lets "fast delivery but the box was crushed. Support never
answered." count one judgement per sentence. Customer feedback is informal: missing
capitals after a full stop, runs of "!!!", emoji, line breaks between a title and a body,
lists. The splitter is rule-based (tens of microseconds per review) rather than a parser:

- A line break always ends a sentence (titles, list items, chat turns).
- Japanese: 。！？ (and their ASCII forms after NFKC) end a sentence, as do closing
  brackets that follow them (「…。」).
- English: ``.``, ``!``, ``?`` and ``…`` followed by white space end a sentence, unless the
  word before the full stop is a known abbreviation (Mr., e.g., approx., No.) or a single
  letter (initials, "U.S."), or the full stop sits inside a number (2.5, v1.2.3).
- Fragments with no letter or digit (a lone emoji, "!!!") join the sentence before them
  on the same line; a text of nothing but symbols is one sentence.
- No sentence is longer than :data:`MAX_SENTENCE_CHARS`: a longer run (a rant without a
  full stop, a pasted log) is cut at its last comma, semicolon or 、 in the window, else
  at its last space, else hard. The models downstream read each sentence whole, and some
  of their parts are quadratic in a sentence's length (VADER's idiom check), so a 5 MB
  review with no full stop would otherwise stall the analysis. Every step here is linear
  in the text's length.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "approx",
        "appt",
        "apt",
        "dept",
        "est",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "nos",
        "vol",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "min",
        "max",
        "misc",
        "ref",
        "tel",
        "ext",
        "av",
        "ave",
        "blvd",
        "rd",
        "hr",
        "hrs",
        "mins",
        "sec",
        "secs",
        "oz",
        "lb",
        "lbs",
        "ft",
        "qty",
        "pcs",
    ]
)
_JA_TERMINATORS = "。！？!?"
_CLOSERS = "」』）)】〉》\"'”’"
# An English boundary: terminators, optional closing quotes/brackets, then white space.
# Only from the start of a run of terminators (the look-behind): tried from inside a long
# run ("!!!!…" with no space after) every start would rescan the run, quadratic in it.
_EN_BOUNDARY = re.compile(r"(?<![.!?…])([.!?…]+)([\"'”’)\]]*)(\s+)")
_JA_BOUNDARY = re.compile(rf"([{_JA_TERMINATORS}]+[{re.escape(_CLOSERS)}]*)")
_HAS_CONTENT = re.compile(r"[^\W_]", re.UNICODE)
_LEADING_SYMBOLS = re.compile(r"([^\w\s]+)\s+", re.UNICODE)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# Looking further back than this for the word before a full stop changes nothing (no
# abbreviation is longer) and keeps a line of a million full stops linear.
_LOOK_BACK_CHARS = 64

#: The longest sentence (or clause) handed to the models, in characters.
MAX_SENTENCE_CHARS = 1_000
_SOFT_CUT = re.compile(r"[,;、，；]\s*")
_SPACE_CUT = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a text.

    Attributes:
        text: The sentence, stripped of surrounding white space.
        start: Offset of its first character in the original text.
        end: Offset just past its last character (``text == original[start:end]``).
    """

    text: str
    start: int
    end: int


def split_sentences(text: str, language: str = "en") -> list[Sentence]:
    """Split a text into sentences, keeping offsets into ``text``.

    Args:
        text: A normalised feedback text.
        language: ISO 639-1 code; ``ja`` (and ``zh``) use Japanese punctuation rules.
            Mixed texts work either way: Japanese terminators always end a sentence.

    Returns:
        The sentences in order; an empty list for a text with no content.
    """
    pieces: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text):
        for start, end in _split_line(text, line_start, line_end):
            pieces.append((start, end))
    return _bounded(text, _merge_contentless(text, pieces), MAX_SENTENCE_CHARS)


def _bounded(text: str, sentences: list[Sentence], max_chars: int) -> list[Sentence]:
    """Sentences longer than ``max_chars`` cut into pieces no longer (see the module
    docstring); every other sentence as it was."""
    if all(sentence.end - sentence.start <= max_chars for sentence in sentences):
        return sentences
    out: list[Sentence] = []
    for sentence in sentences:
        start, end = sentence.start, sentence.end
        while end - start > max_chars:
            window_end = start + max_chars
            cut = window_end
            for pattern in (_SOFT_CUT, _SPACE_CUT):
                last = None
                # The window's second half only: a cut near its start makes tiny pieces.
                for match in pattern.finditer(text, start + max_chars // 2, window_end):
                    last = match
                if last is not None:
                    cut = last.end()
                    break
            span = _strip(text, start, cut)
            if span is not None:
                out.append(Sentence(text[span[0] : span[1]], span[0], span[1]))
            start = cut
        span = _strip(text, start, end)
        if span is not None:
            out.append(Sentence(text[span[0] : span[1]], span[0], span[1]))
    return out


def bounded_prefix(text: str, max_chars: int) -> str:
    """The start of ``text``, at most ``max_chars`` long, cut after a sentence end, else at
    a space, in the last tenth of the window; ``text`` itself when it is short enough."""
    if len(text) <= max_chars:
        return text
    window_start = max_chars - max_chars // 10
    for pattern in (re.compile(r"[.!?…。！？]\s+|\n"), _SPACE_CUT):
        last = None
        for match in pattern.finditer(text, window_start, max_chars):
            last = match
        if last is not None:
            return text[: last.start() + (1 if pattern is not _SPACE_CUT else 0)]
    return text[:max_chars]


def _lines(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in re.finditer(r"\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = {start, end}
    line = text[start:end]
    for match in _JA_BOUNDARY.finditer(line):
        cuts.add(start + match.end())
    for match in _EN_BOUNDARY.finditer(line):
        if _is_english_boundary(line, match):
            cuts.add(start + match.end(2))
    ordered = sorted(cuts)
    spans = []
    for left, right in itertools.pairwise(ordered):
        stripped = _strip(text, left, right)
        if stripped is not None:
            spans.append(stripped)
    return spans


def _is_english_boundary(line: str, match: re.Match[str]) -> bool:
    terminator = match.group(1)
    if terminator != ".":
        return True  # "!", "?", "...", "…": always a boundary before white space
    before = line[max(0, match.start(1) - _LOOK_BACK_CHARS) : match.start(1)]
    word = _WORD_BEFORE.search(before)
    if word is None:
        return True  # "$49.99." or ":)." : a number or symbol ends the sentence
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "J. Smith", "U.S. customers"
    return not ("." in token and len(token) <= 5)  # "e.g", "a.m", "p.m"


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _merge_contentless(text: str, spans: list[tuple[int, int]]) -> list[Sentence]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        lead = _LEADING_SYMBOLS.match(text, start, end)
        if lead and merged and "\n" not in text[merged[-1][1] : start] and lead.end() < end:
            # "Love it!!! 😍 Will buy again.": the emoji closes the sentence before it.
            merged[-1] = (merged[-1][0], lead.end(1))
            start = lead.end()
        if _HAS_CONTENT.search(text[start:end]):
            merged.append((start, end))
        elif merged and "\n" not in text[merged[-1][1] : start]:
            merged[-1] = (merged[-1][0], end)  # "Love it!!! 😍": the emoji stays with its sentence
    if not merged and spans:
        # Only symbols ("👍", "10/10" has digits so it has content): one sentence for all,
        # so an emoji-only review still gets a judgement.
        merged = [(spans[0][0], spans[-1][1])]
    return [Sentence(text[start:end], start, end) for start, end in merged]


# -- clauses ------------------------------------------------------------------------------

# English: a contrast word that opens a new judgement inside a sentence, after a comma or
# a plain space ("fast delivery but the box was crushed", "nice fit, however the zip
# broke"). "but" at the very start of a sentence opens nothing new.
_EN_CONTRAST = re.compile(
    r"(?:,|;|\s)\s*(?=(?:but|however|although|though|whereas|except that|unfortunately)\b)",
    re.IGNORECASE,
)
# Japanese: conjunctive が with its comma (配送は早かったが、箱が…), けど/けれど(も), のに,
# and しかし/でも/ただ after a comma. A bare が is the subject particle (配送が早い) and
# is left alone.
_JA_CONTRAST = re.compile(
    r"(?:が|けど|けれど|けれども|のに)[、,]"  # 早かったが、/ 安いけど、
    r"|(?:けど|けれど)(?=\S)"  # 安いけど品質が悪い
    r"|[、,](?=(?:しかし|でも|ただ)、?)"  # 良い、でも色が違う
)
_MIN_CLAUSE_WORDS = 2
_MIN_CLAUSE_CHARS_JA = 3


def split_clauses(text: str, language: str = "en") -> list[Sentence]:
    """Sentences, further split where a contrast word starts a second judgement.

    "Fast delivery but the box was crushed." becomes "Fast delivery" and "but the box was
    crushed.", so each side gets its own sentiment; "配送は早かったが、箱が潰れていた" splits
    after "が、". A piece is only cut off when both sides keep at least two words (three
    characters in Japanese), so "Nothing but praise" stays whole. Offsets index ``text``
    as in :func:`split_sentences`.
    """
    clauses: list[Sentence] = []
    for sentence in split_sentences(text, language):
        clauses.extend(_split_sentence_clauses(text, sentence))
    return clauses


def _split_sentence_clauses(text: str, sentence: Sentence) -> list[Sentence]:
    cuts = [0]
    body = sentence.text
    for match in _EN_CONTRAST.finditer(body):
        left, right = body[cuts[-1] : match.start()], body[match.end() :]
        if len(left.split()) >= _MIN_CLAUSE_WORDS and len(right.split()) >= _MIN_CLAUSE_WORDS:
            cuts.append(match.end())
    for match in _JA_CONTRAST.finditer(body):
        left, right = body[cuts[-1] : match.end()], body[match.end() :]
        if (
            match.end() > cuts[-1]
            and len(left.strip()) >= _MIN_CLAUSE_CHARS_JA
            and len(_strip_symbols(right)) >= _MIN_CLAUSE_CHARS_JA
        ):
            cuts.append(match.end())
    cuts = sorted(set(cuts))
    if len(cuts) == 1:
        return [sentence]
    pieces = []
    for cut, next_cut in itertools.pairwise([*cuts, len(body)]):
        span = _strip(text, sentence.start + cut, sentence.start + next_cut)
        if span is not None:
            start, end = span
            if end > start and text[end - 1] in ",;、":
                end -= 1
            pieces.append(Sentence(text[start:end], start, end))
    return pieces


def _strip_symbols(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())
