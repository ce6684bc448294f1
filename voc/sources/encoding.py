"""Find out how a file's text is encoded, and say so, instead of guessing silently.

Feedback exports arrive as UTF-8 (with or without a BOM), as CP932/Shift_JIS (what Japanese
Excel writes) or as latin-1/cp1252 (what Western Excel writes). :func:`detect_encoding`
decides from the first bytes of a file and explains its choice; :func:`open_text` opens the
file as a text stream with that encoding for reading it row by row.

Bytes that do not decode are never replaced or dropped: the stream uses
``errors="surrogateescape"``, so each such byte becomes a lone surrogate (U+DC80..U+DCFF)
in the text, :func:`has_undecodable` finds it, and the caller quarantines exactly the rows
that hold one instead of the whole file.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from os import PathLike
from typing import TextIO

from voc.errors import ConfigError, SourceError

__all__ = [
    "MAX_BAD_UTF8_SHARE",
    "SUPPORTED_ENCODINGS",
    "EncodingGuess",
    "decode_file",
    "detect_encoding",
    "escape_undecodable",
    "has_undecodable",
    "open_text",
]

logger = logging.getLogger(__name__)

#: What detection can answer. ``cp1252`` is latin-1 with typographic quotes, dashes and €
#: in bytes 0x80-0x9F (Western Excel); it is only answered when such bytes occur, since
#: otherwise the two decode every byte alike.
SUPPORTED_ENCODINGS = ("utf-8-sig", "utf-8", "utf-16", "cp932", "cp1252", "latin-1")

#: A file stays UTF-8 when at most this share of its non-ASCII sequences (each valid
#: multi-byte character counts one, each byte that does not decode counts one) is invalid.
#: In a file that really is latin-1, cp1252 or CP932 nearly every non-ASCII byte is invalid
#: UTF-8 (valid sequences there are coincidences: a capital accented letter followed by a
#: symbol, a kanji whose bytes happen to fit), so its share is far above 50%; in a UTF-8 file
#: with a few corrupted rows it is near 0. The threshold sits low in that gap because the two
#: mistakes are not alike: reading a latin-1 file as UTF-8 quarantines its accented rows
#: loudly, while reading a slightly corrupt UTF-8 file as latin-1 turns every accented or
#: Japanese character in it into mojibake, silently.
MAX_BAD_UTF8_SHARE = 0.05

#: latin-1/cp1252 is plausible when at most this share of the characters are control
#: characters that no text contains (C0 other than tab/line breaks/form feed, DEL, C1).
#: Binary files run around 20%; CP932 read as latin-1 is full of bytes 0x81-0x9F.
MAX_CONTROL_SHARE = 0.01

_BOM_UTF8 = codecs.BOM_UTF8
_BOM_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPES = re.compile("[\udc80-\udcff]")
_FULL_WIDTH_KANA = re.compile("[\u3040-\u30ff]")
_JAPANESE = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
# Bytes cp1252 leaves undefined.
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
# Control characters no text holds: C0 but tab, line breaks and form feed; DEL; C1 (which
# only a latin-1 reading can produce).
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x9f]")
_C1_BYTES = re.compile(b"[\x80-\x9f]")


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding chosen for a file, and why.

    Attributes:
        encoding: Python codec name: one of :data:`SUPPORTED_ENCODINGS`, or the name set
            in the source config.
        reason: One sentence on why, for logs and for the ingest report.
        bad_byte_share: Share of the sample's bytes that do not decode with ``encoding``
            (0.0 for a clean file); those bytes reach the text as lone surrogates.
    """

    encoding: str
    reason: str
    bad_byte_share: float = 0.0


def _decode_sample(sample: bytes, encoding: str) -> str:
    """Decode ``sample`` keeping undecodable bytes as surrogates.

    A multi-byte character cut by the end of the sample is left out, not counted as bad:
    the sample is usually the first bytes of a longer file.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    return decoder.decode(sample, final=False)


def _count_escapes(text: str) -> int:
    return len(_SURROGATE_ESCAPES.findall(text)) if not text.isascii() else 0


def _count_non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", errors="ignore"))


def detect_encoding(sample: bytes) -> EncodingGuess:
    """Decide the encoding of a file from its first bytes.

    Order: a UTF-8 BOM gives ``utf-8-sig``. Then UTF-8, if it decodes, allowing at most
    :data:`MAX_BAD_UTF8_SHARE` (5%) of the non-ASCII sequences to be invalid (the rows
    holding them are for the caller to quarantine). Then ``cp932`` if it decodes with the
    same tolerance into text that has kana, since Japanese prose always has some. Then
    ``cp1252`` (when bytes 0x80-0x9F occur and all are defined in it) or ``latin-1``, if the
    result looks like text: at most :data:`MAX_CONTROL_SHARE` (1%) control characters.

    A multi-byte character cut by the end of the sample does not count against UTF-8 or
    CP932.

    Args:
        sample: The first bytes of the file (a mebibyte is plenty); may be empty.

    Returns:
        The encoding and the reason for it.

    Raises:
        SourceError: The bytes look like a binary file (a workbook, an archive, an image),
            like UTF-16, or like no supported encoding. The message says to set
            ``encoding:`` in the source config.
    """
    if sample.startswith(_BOM_UTF8):
        text = _decode_sample(sample[len(_BOM_UTF8) :], "utf-8")
        bad = _count_escapes(text)
        return EncodingGuess("utf-8-sig", "starts with a UTF-8 byte order mark", bad / len(sample))
    if sample.startswith(_BOM_UTF16):
        # Google Play Console's review exports and Excel's "Unicode Text" are UTF-16 with a
        # byte order mark: the mark makes this certain, and the codec consumes it.
        return EncodingGuess("utf-16", "starts with a UTF-16 byte order mark")
    if not sample:
        return EncodingGuess("utf-8", "the file is empty")
    if b"\x00" in sample:
        nul_share = sample.count(b"\x00") / len(sample)
        if nul_share > MAX_CONTROL_SHARE:
            raise SourceError(
                f"The file looks binary or UTF-16, not text: {nul_share:.0%} of its first "
                f"{len(sample):,} bytes are NUL. If it is a workbook, use `format: xlsx`; if "
                f"it is text, set `encoding:` in the source config to the file's encoding "
                f"(supported without it: {', '.join(SUPPORTED_ENCODINGS)})."
            )
    if sample.isascii():
        return EncodingGuess("utf-8", "all bytes are ASCII")

    text = _decode_sample(sample, "utf-8")
    bad = _count_escapes(text)
    if bad == 0:
        return EncodingGuess("utf-8", "decodes as UTF-8")
    non_ascii = _count_non_ascii(text)
    bad_share = bad / non_ascii
    if bad_share <= MAX_BAD_UTF8_SHARE:
        return EncodingGuess(
            "utf-8",
            f"decodes as UTF-8 but for {bad} byte(s), {bad_share:.2%} of the non-ASCII "
            f"sequences; rows holding them can be quarantined",
            bad / len(sample),
        )

    japanese = _decode_sample(sample, "cp932")
    bad = _count_escapes(japanese)
    non_ascii = _count_non_ascii(japanese)
    if bad <= MAX_BAD_UTF8_SHARE * non_ascii and _FULL_WIDTH_KANA.search(japanese):
        japanese_share = len(_JAPANESE.findall(japanese)) / non_ascii
        if japanese_share >= 0.5:
            reason = "decodes as CP932 (Shift_JIS) into Japanese text"
            if bad:
                reason += f", but for {bad} byte(s); rows holding them can be quarantined"
            return EncodingGuess("cp932", reason, bad / len(sample))

    if _C1_BYTES.search(sample) and not any(byte in sample for byte in _CP1252_UNDEFINED):
        encoding = "cp1252"
        text = sample.decode("cp1252")
    else:
        encoding = "latin-1"
        text = sample.decode("latin-1")
    controls = len(_TEXT_CONTROLS.findall(text))
    control_share = controls / len(text)
    if control_share <= MAX_CONTROL_SHARE:
        return EncodingGuess(
            encoding,
            "not UTF-8 and not Japanese; decodes as "
            + ("cp1252 (Western Windows)" if encoding == "cp1252" else "latin-1")
            + " into plausible text",
        )
    raise SourceError(
        f"Cannot tell the file's encoding: it is not UTF-8 ({bad_share:.0%} of its non-ASCII "
        f"sequences are invalid), not CP932 Japanese text, and read as {encoding} "
        f"{control_share:.1%} of it is control characters, so it looks binary. If it is "
        f"text, set `encoding:` in the source config (supported without it: "
        f"{', '.join(SUPPORTED_ENCODINGS)}; any Python codec name works there)."
    )


def _check_codec(encoding: str) -> str:
    advice = (
        f"Use 'auto' to detect it, or one of {', '.join(SUPPORTED_ENCODINGS)} (any Python "
        f"text codec name works)."
    )
    try:
        info = codecs.lookup(encoding)
    except LookupError as e:
        raise ConfigError(f"encoding: {encoding!r} is not a known text encoding. {advice}") from e
    # codecs.lookup also knows bytes-to-bytes transforms ("base64", "rot13") that open()
    # refuses; the flag that tells them apart is private, hence getattr.
    if not getattr(info, "_is_text_encoding", True):
        raise ConfigError(f"encoding: {encoding!r} is a transform, not a text encoding. {advice}")
    return info.name


def _read_head(path: str | PathLike[str], size: int) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(size)
    except FileNotFoundError as e:
        raise SourceError(f"File not found: {path}. Check `path:` in the source config.") from e
    except IsADirectoryError as e:
        raise SourceError(f"{path} is a folder, not a file. Point `path:` at a file.") from e
    except PermissionError as e:
        raise SourceError(f"Cannot read {path}: permission denied.") from e


def _guess(sample: bytes, encoding: str) -> EncodingGuess:
    if encoding == "auto":
        return detect_encoding(sample)
    name = _check_codec(encoding)
    text = _decode_sample(sample, name)
    bad = _count_escapes(text)
    return EncodingGuess(encoding, "set in the source config", bad / len(sample) if sample else 0.0)


def open_text(
    path: str | PathLike[str], encoding: str = "auto", sample_size: int = 1 << 20
) -> tuple[TextIO, EncodingGuess]:
    """Open a file as a text stream in its encoding, for reading it row by row.

    The stream has ``errors="surrogateescape"`` (bytes that do not decode become lone
    surrogates U+DC80..U+DCFF; see :func:`has_undecodable`) and ``newline=""`` (what the
    ``csv`` module needs, and quoted fields keep their own line breaks). A UTF-8 BOM is
    skipped. Only the first ``sample_size`` bytes are read for detection, so a file whose
    first mebibyte is ASCII is opened as UTF-8 and any latin-1 bytes further on come
    through as surrogates, to be quarantined by row.

    Args:
        path: The file.
        encoding: ``"auto"`` to detect, or a codec name from the source config (used as
            given; any name Python knows, e.g. ``"utf-16"``, ``"euc-jp"``).
        sample_size: Bytes read for detection.

    Returns:
        The open stream (the caller closes it; it is a context manager) and the guess.

    Raises:
        ConfigError: ``encoding`` is not a codec name Python knows.
        SourceError: The file cannot be read, or its encoding cannot be detected.
    """
    guess = _guess(_read_head(path, sample_size), encoding)
    logger.info("Reading %s as %s: %s", path, guess.encoding, guess.reason)
    try:
        # No `with`: the stream is handed to the caller, who closes it.
        stream = open(path, encoding=guess.encoding, errors="surrogateescape", newline="")  # noqa: SIM115
    except OSError as e:  # the file went away or changed since the sample was read
        raise SourceError(f"Cannot open {path}: {e}. Check `path:` in the source config.") from e
    return stream, guess


def decode_file(path: str | PathLike[str], encoding: str = "auto") -> tuple[str, EncodingGuess]:
    """Read a whole small file into one string.

    Detection sees the whole file. For large files use :func:`open_text` and stream.

    Args:
        path: The file.
        encoding: ``"auto"`` to detect, or a codec name from the source config.

    Returns:
        The file's text (undecodable bytes as lone surrogates, line endings as written)
        and the guess.

    Raises:
        ConfigError: ``encoding`` is not a codec name Python knows.
        SourceError: The file cannot be read, or its encoding cannot be detected.
    """
    data = _read_head(path, -1)
    guess = _guess(data, encoding)
    logger.info("Read %s as %s: %s", path, guess.encoding, guess.reason)
    return data.decode(guess.encoding, errors="surrogateescape"), guess


def has_undecodable(text: str) -> bool:
    """Tell whether a text holds bytes that did not decode.

    Those are lone surrogates U+DC80..U+DCFF, as ``errors="surrogateescape"`` writes them;
    any other lone surrogate counts too. Such a text cannot be written as UTF-8: quarantine
    its row.

    Args:
        text: Text read through :func:`open_text` or :func:`decode_file`.

    Returns:
        True if at least one undecodable byte is present.
    """
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


def escape_undecodable(text: str) -> str:
    """The text with each undecodable byte written as a ``\\xNN`` escape.

    Such a text can be written as UTF-8 (to the store's quarantine, to an output file), and
    a person still sees which bytes were wrong. Text without undecodable bytes comes back
    unchanged.

    Args:
        text: Text read through :func:`open_text` or :func:`decode_file`.

    Returns:
        The text, each undecodable byte replaced by ``\\xNN`` (any other lone surrogate,
        as a JSON ``"\\ud83d"`` escape gives, by ``\\uNNNN``).
    """
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub(_escape_surrogate, text)


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
