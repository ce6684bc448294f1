"""Clean raw feedback text and recognise garbage and reposts.

Three functions, each a few microseconds for a typical ~300-character review:

* :func:`normalize_text` gives every later stage the same form of a text (NFKC, no HTML,
  no control or zero-width characters, one space between words, one ``\\n`` between lines).
* :func:`looks_like_mojibake` flags text that is decoding garbage, so it can be quarantined
  instead of analysed. Call it on the text as read, before :func:`normalize_text`, which
  drops the C1 control characters that some garbage is made of.
* :func:`content_key` gives near-duplicates (the same post with another URL, @handle, order
  number, case, punctuation or emoji) the same key.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

__all__ = ["content_key", "looks_like_mojibake", "normalize_text"]

# --- normalize_text ---------------------------------------------------------------------

# Block-level tags end a line; inline tags (<b>, <span>, <a>) just disappear, so
# "<b>slow</b> delivery" stays "slow delivery". Only real HTML element names count as tags,
# so that "I <3 it", "a < b" and "<sigh>" survive.
_BLOCK_TAG = re.compile(
    r"</?(?:address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]"
    r"|header|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|big|body|button|caption|center|cite|code|col|colgroup|del"
    r"|details|dfn|em|font|form|head|html|i|iframe|img|input|ins|kbd|label|link|mark|meta"
    r"|o:p|picture|q|s|samp|small|source|span|strike|strong|sub|summary|sup|svg|time|title"
    r"|tt|u|var|wbr)(?:\s[^<>]*)?/?>|<!DOCTYPE[^<>]*>",
    re.IGNORECASE,
)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

# Removed outright: C0 controls other than white space, DEL, C1 controls other than NEL
# (\x85, a line break), soft hyphen, zero-width space/joiners, bidi marks and embeddings,
# word joiner and invisible operators, and the BOM / zero-width no-break space.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]+"
)
_UNICODE_LINE_BREAKS = ("\u2028", "\u2029", "\x85")
# The same for ASCII text, as a bytes table (several times faster than a regex): controls
# deleted, tab/VT/FF/file-group-record-unit separators turned into spaces, \n and \r kept.
_ASCII_SPACES = b"\t\x0b\x0c\x1c\x1d\x1e\x1f"
_ASCII_SPACE_TABLE = bytes.maketrans(_ASCII_SPACES, b" " * len(_ASCII_SPACES))
_ASCII_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0E, 0x1C), 0x7F])


def _strip_html(text: str) -> str:
    if "<" in text:
        text = _COMMENT.sub(" ", text)
        text = _SCRIPT_OR_STYLE.sub(" ", text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _INLINE_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def normalize_text(text: str) -> str:
    """Return the canonical form of one feedback text.

    Steps, in order:

    1. HTML: comments, ``<script>``/``<style>`` blocks and tags are removed; block tags
       (``<br>``, ``<p>``, ``<div>``, ``<li>``...) become line breaks, inline tags vanish;
       entities are unescaped (``&amp;`` -> ``&``, ``&#39;`` -> ``'``, ``&nbsp;`` -> space).
       Skipped when the text has no ``<`` or ``&``.
    2. Unicode NFKC: full-width ``ＡＢＣ１２３`` -> ``ABC123``, half-width katakana
       ``ｶﾞ`` -> ``ガ``, ideographic space U+3000 -> space. Skipped for ASCII text, which
       NFKC leaves unchanged.
    3. Control characters, zero-width characters, bidi marks and BOMs are removed.
    4. White space: each line is stripped and its runs of spaces, tabs and other white
       space become one space; blank lines are dropped, so lines are joined by exactly one
       ``\\n`` (line breaks are kept because sentence boundaries matter later). ``\\r\\n``,
       ``\\r``, U+2028/U+2029 and NEL count as line breaks.

    Args:
        text: Raw text as read from a source.

    Returns:
        The normalised text; ``""`` when nothing but white space or markup remains.
    """
    if "<" in text or "&" in text:
        text = _strip_html(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    # Printable text has no control, invisible or line-break character and no white space
    # but " ": the common case, and the fast one.
    if text.isprintable():
        return _collapse_spaces(text)
    if text.isascii():
        text = text.encode().translate(_ASCII_SPACE_TABLE, _ASCII_CONTROLS).decode()
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _collapse_spaces(text)
    text = _INVISIBLE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for line_break in _UNICODE_LINE_BREAKS:
        if line_break in text:
            text = text.replace(line_break, "\n")
    # str.split() with no argument collapses every other kind of white space (tabs, \v, \f,
    # U+1680...); NFKC has already made U+3000 and the other wide spaces plain spaces.
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _collapse_spaces(text: str) -> str:
    """Collapse runs of spaces and of line breaks, and strip each line.

    ``text`` must hold no white space other than ``" "`` and ``"\\n"``. Built from
    ``str.replace`` because it runs in C: a regex or ``" ".join(text.split())`` costs
    several microseconds on a 300-character review.
    """
    while "  " in text:
        text = text.replace("  ", " ")
    if "\n" not in text:
        return text.strip(" ")
    # Spaces come singly now, so one pass removes those around every line break.
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    while "\n\n" in text:
        text = text.replace("\n\n", "\n")
    return text.strip(" \n")


# --- looks_like_mojibake ----------------------------------------------------------------

# One UTF-8 sequence decoded as latin-1 or cp1252: a lead byte read as a letter (Â-ß for
# two-byte, à-ï for three-byte, ð-ô for four-byte sequences) followed by continuation bytes
# 0x80-0xBF, which latin-1 reads as C1 controls or symbols (©, «, ¼...) and cp1252 reads as
# € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ. "Ã©" is é, "â€™" is ’,
# "ã\x81\x82" is あ, "ð\x9f\x98\x80" is 😀. U+FFFD stands in for the five bytes cp1252
# leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) when the text was decoded with "replace".
_CONT = (
    "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd]"
)
_UTF8_AS_LATIN1 = re.compile(
    f"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}}"
)
_C1_CONTROL = re.compile("[\u0080-\u0084\u0086-\u009f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Every garbled text has one of these (a lead byte read as latin-1 is in U+00C2..U+00F4);
# Japanese text has none.
_SUSPECT = re.compile("[\u0080-\u00ff\ufffd\ud800-\udfff]")

#: A text is garbage when at least this share of the characters the customer typed are
#: unreadable. Each UTF-8 sequence read as latin-1 ("Ã©", "â€™", "ð\x9f\x98\x80") counts
#: as the one character it was, as do each U+FFFD replacement character and each stray C1
#: control; white space does not count. At one half, "more garbage than text", a review with
#: a few "Ã©"/"Ã£" or a couple of garbled emoji stays (the app review data has such
#: reviews, and their words are still readable: analysing them is better than losing them),
#: while Japanese or emoji-only text read with the wrong encoding, nearly all garbage, goes.
MOJIBAKE_SHARE = 0.5
#: ...and at least this many characters are unreadable, so that "cafÃ©" or a lone "�" in a
#: two-word text does not condemn it.
MOJIBAKE_MIN_CHARS = 3


def looks_like_mojibake(text: str) -> bool:
    """Tell whether a text is decoding garbage rather than something a customer wrote.

    True when the text holds a lone surrogate (a byte that did not decode, kept by
    ``errors="surrogateescape"``: the text cannot even be stored as UTF-8), or when at
    least :data:`MOJIBAKE_SHARE` (half) of its non-space characters, and at least
    :data:`MOJIBAKE_MIN_CHARS` (3), are unreadable: U+FFFD replacement characters, stray
    C1 control characters, or UTF-8 sequences read as latin-1/cp1252 (``Ã©`` for é,
    ``â€™`` for ’, ``ã\x81\x82`` for あ), each sequence counting as the one character it
    stands for. A readable review with a few such characters is kept.

    Call it on the text as read, before :func:`normalize_text` (which removes C1 controls).

    Args:
        text: Raw text.

    Returns:
        True if the text should be quarantined as garbage.
    """
    if text.isascii() or not _SUSPECT.search(text):
        return False
    if _LONE_SURROGATE.search(text):
        return True
    rest, sequences = _UTF8_AS_LATIN1.subn("", text)
    # U+FFFD and C1 controls outside those sequences (e.g. "\x89ªÁ" from a MacRoman round
    # trip) are garbage too.
    bad = sequences + rest.count("\ufffd") + len(_C1_CONTROL.findall(rest))
    if bad < MOJIBAKE_MIN_CHARS:
        return False
    # Visible characters as typed: what is left plus one per garbled sequence.
    typed = len("".join(rest.split())) + sequences
    return bad >= MOJIBAKE_SHARE * typed


# --- content_key ------------------------------------------------------------------------

# [EMAIL], [PHONE], [CARD_NUMBER]: placeholders left by PII redaction, matched before
# lower-casing so that an ordinary "[sic]" is not taken for one.
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
# After lower-casing: URLs, e-mail addresses (which redaction may have missed) and @handles.
# They are ASCII: stopping at the first non-ASCII character keeps Japanese text written
# straight after one.
_URL_OR_HANDLE = re.compile(r"(?:https?://|www\.)[!-~]+|[a-z0-9._%+-]*@[a-z0-9_.-]+")
_URL_OR_HANDLE_BYTES = re.compile(rb"(?:https?://|www\.)[!-~]+|[a-z0-9._%+-]*@[a-z0-9_.-]+")
# Letters only: digits, "_", punctuation, symbols, emoji and white space all go. ASCII text
# goes through bytes.translate, which is about ten times faster than the regex.
_NOT_LETTER = re.compile(r"[\W\d_]+")
_ASCII_NOT_LETTER = bytes(byte for byte in range(256) if not 0x61 <= byte <= 0x7A)

#: Texts with fewer letters than this get no key: two "great app" reviews are two
#: customers, not a repost. Counted in characters, so a Japanese text needs 20 kana/kanji
#: (a full sentence) where an English one needs four or five words.
MIN_KEY_LETTERS = 20


def content_key(text: str) -> str:
    """Return the key under which near-duplicate texts collide.

    The text is NFKC-normalised and lower-cased; URLs, e-mail addresses, @handles, PII
    placeholders such as ``[EMAIL]``, digits, punctuation, symbols, emoji and white space
    are removed, leaving letters (of any script) only; the result is hashed with BLAKE2b
    (16 bytes, hex).

    Digits are removed on purpose: a repost that differs only in an order number, a date,
    a price or a version ("crashes on 4.2.1" / "crashes on 4.2.2") is still the same post.
    The cost is that two long texts differing only in a number ("waited 3 days" / "waited
    30 days") also collide, which is rare enough at :data:`MIN_KEY_LETTERS` letters and up.

    Args:
        text: Raw or normalised text.

    Returns:
        32 hex characters, or ``""`` when fewer than :data:`MIN_KEY_LETTERS` (20) letters
        remain: short texts such as "great app!" are written independently by many people
        and must never be flagged as reposts of each other.
    """
    if "[" in text:
        text = _PLACEHOLDER.sub(" ", text)
    if text.isascii():
        data = text.encode().lower()
        if b"@" in data or b"http" in data or b"www." in data:
            data = _URL_OR_HANDLE_BYTES.sub(b" ", data)
        letters = data.translate(None, _ASCII_NOT_LETTER)
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        if "@" in text or "http" in text or "www." in text:
            text = _URL_OR_HANDLE.sub(" ", text)
        # Same bytes as the ASCII branch for the same letters, so "Great fit!" and
        # "Great fit 😍" get one key.
        letter_text = _NOT_LETTER.sub("", text)
        if len(letter_text) < MIN_KEY_LETTERS:
            return ""
        letters = letter_text.encode()
    if len(letters) < MIN_KEY_LETTERS:
        return ""
    return hashlib.blake2b(letters, digest_size=16).hexdigest()
