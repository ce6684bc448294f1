"""Tell which language a feedback text is written in.

Script decides first, because it is certain and costs nothing: kana is Japanese, kanji
alone is Japanese unless Chinese is configured too, and with the default English/Japanese
set anything without CJK characters is English. Only the texts script cannot settle go to
lingua (a statistical detector), restricted to the configured languages and built on first
use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from voc.errors import ConfigError

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["UNDETERMINED", "LanguageIdentifier"]

logger = logging.getLogger(__name__)

#: ISO 639-2 "undetermined": text with no letters at all (emoji, digits, punctuation).
UNDETERMINED = "und"

# Hiragana, katakana (with phonetic extensions) and half-width katakana.
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
# Kana, CJK ideographs (unified, extension A, compatibility, extension B and up) and Hangul.
_CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"
)
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_ASCII_LETTER = re.compile("[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")
# Languages written in CJK scripts: the only ones a text without CJK characters can't be.
_CJK_LANGUAGES = frozenset({"ja", "zh", "ko"})


class LanguageIdentifier:
    """Identify the language of texts among a configured set.

    Args:
        languages: ISO 639-1 codes of the languages feedback is expected in, e.g.
            ``("en", "ja")``. Stored as given; checked on first use (an unknown code raises
            :class:`~voc.errors.ConfigError`).

    Rules, in order:

    1. No letters at all (emoji, digits, punctuation only): ``"und"``.
    2. Kana present: ``"ja"``, even when Japanese is not configured, because kana is
       unambiguous and calling it anything else would be wrong; callers treat an
       unconfigured language as "other".
    3. Kanji without kana: ``"ja"`` when ``"ja"`` is configured and ``"zh"`` is not.
    4. Only one language configured: that language.
    5. No CJK character, and exactly one configured language written in another script
       than CJK (e.g. the default ``("en", "ja")``): that language, without calling any
       detector. This fast path is what lets an English review cost well under a
       microsecond; its price is that with ``("en", "ja")`` a French or Spanish review is
       called English, which is the right answer for a shop that configured only English
       and Japanese.
    6. Otherwise lingua, restricted to the configured languages; ``"und"`` when it cannot
       decide.
    """

    def __init__(self, languages: Sequence[str] = ("en", "ja")) -> None:
        self.languages = languages
        self._detector: LanguageDetector | None = None
        self._codes: frozenset[str] | None = None
        self._non_cjk_language: str | None = None

    def _configured(self) -> frozenset[str]:
        """Check the configured codes once and return them, lower-cased."""
        if self._codes is None:
            from lingua import Language

            if isinstance(self.languages, str):
                raise ConfigError(
                    f"languages: expected a list of ISO 639-1 codes, got the string "
                    f"{self.languages!r}. Write e.g. [en, ja]."
                )
            codes = [code.strip().lower() for code in self.languages]
            valid = sorted(language.iso_code_639_1.name.lower() for language in Language.all())
            unknown = [code for code in codes if code not in valid]
            if unknown:
                raise ConfigError(
                    f"languages: {', '.join(map(repr, unknown))} is not a supported ISO 639-1 "
                    f"language code. Use two-letter codes from: {', '.join(valid)}."
                )
            if not codes:
                raise ConfigError(
                    "languages: the list is empty. Name at least one ISO 639-1 code, e.g. [en, ja]."
                )
            non_cjk = set(codes) - _CJK_LANGUAGES
            self._non_cjk_language = non_cjk.pop() if len(non_cjk) == 1 else None
            self._codes = frozenset(codes)
        return self._codes

    def _lingua(self) -> LanguageDetector:
        """Build the lingua detector on first use (models load lazily, per language)."""
        if self._detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            iso_codes = [IsoCode639_1.from_str(code.upper()) for code in sorted(self._configured())]
            logger.debug("Building the lingua language detector for %s", iso_codes)
            self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*iso_codes).build()
        return self._detector

    def _by_script(self, text: str, codes: frozenset[str]) -> str | None:
        """Return the language script settles, or None when a detector must decide."""
        if text.isascii():
            if not _ASCII_LETTER.search(text):
                return UNDETERMINED
            has_cjk = False
        else:
            if not _LETTER.search(text):
                return UNDETERMINED
            # Kana present means Japanese: detectors call kanji-only text Chinese.
            if _KANA.search(text):
                return "ja"
            has_cjk = _CJK.search(text) is not None
            if has_cjk and "ja" in codes and "zh" not in codes and not _HANGUL.search(text):
                return "ja"
        if len(codes) == 1:
            return next(iter(codes))
        if not has_cjk and self._non_cjk_language is not None:
            return self._non_cjk_language
        return None

    def identify(self, text: str) -> str:
        """Return the ISO 639-1 code of the language ``text`` is written in.

        Args:
            text: One feedback text, raw or normalised.

        Returns:
            A configured ISO 639-1 code, ``"ja"`` for any text with kana, or ``"und"``.

        Raises:
            ConfigError: A configured language code is unknown.
        """
        codes = self._configured()
        language = self._by_script(text, codes)
        if language is not None:
            return language
        detected = self._lingua().detect_language_of(text)
        return UNDETERMINED if detected is None else detected.iso_code_639_1.name.lower()

    def identify_many(self, texts: Iterable[str]) -> list[str]:
        """Return the language of each text, in order.

        The texts script cannot settle go to lingua in one parallel batch.

        Args:
            texts: Feedback texts, raw or normalised.

        Returns:
            One code per text, as :meth:`identify` gives.

        Raises:
            ConfigError: A configured language code is unknown.
        """
        codes = self._configured()
        text_list = texts if isinstance(texts, list) else list(texts)
        by_script = self._by_script
        languages = [by_script(text, codes) for text in text_list]
        undecided = [i for i, language in enumerate(languages) if language is None]
        if not undecided:
            return languages  # type: ignore[return-value]  # no None left
        pending = [text_list[i] for i in undecided]
        detected = self._lingua().detect_languages_in_parallel_of(pending)
        for i, language in zip(undecided, detected, strict=True):
            languages[i] = (
                UNDETERMINED if language is None else language.iso_code_639_1.name.lower()
            )
        return languages  # type: ignore[return-value]  # every None replaced above
