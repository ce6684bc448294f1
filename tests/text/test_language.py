"""Tests for voc.text.language: script rules first, lingua for the rest."""

from __future__ import annotations

import pytest

from voc.errors import ConfigError
from voc.text.language import LanguageIdentifier


@pytest.fixture(scope="module")
def en_ja() -> LanguageIdentifier:
    return LanguageIdentifier()


@pytest.fixture(scope="module")
def en_ja_fr() -> LanguageIdentifier:
    return LanguageIdentifier(("en", "ja", "fr"))


def test_english_review_is_english(en_ja: LanguageIdentifier) -> None:
    assert en_ja.identify("Runs small, order one size up.") == "en"


def test_text_with_kana_is_japanese(en_ja: LanguageIdentifier) -> None:
    assert en_ja.identify("配送が遅い") == "ja"


def test_kanji_only_text_is_japanese_when_chinese_is_not_configured(
    en_ja: LanguageIdentifier,
) -> None:
    assert en_ja.identify("最悪") == "ja"


def test_kanji_only_text_goes_to_the_detector_when_chinese_is_configured() -> None:
    identifier = LanguageIdentifier(("en", "ja", "zh"))
    assert identifier.identify("这个应用程序非常好用，我每天都用") == "zh"


def test_emoji_and_digits_only_are_undetermined(en_ja: LanguageIdentifier) -> None:
    assert en_ja.identify("😍😍😍 10/10") == "und"


def test_french_sentence_is_french_when_french_is_configured(
    en_ja_fr: LanguageIdentifier,
) -> None:
    assert en_ja_fr.identify("Le service client est vraiment nul, je suis très déçu.") == "fr"


def test_identify_many_gives_one_language_per_text_in_order(
    en_ja_fr: LanguageIdentifier,
) -> None:
    texts = [
        "Runs small, order one size up.",
        "Le service client est vraiment nul, je suis très déçu.",
        "配送が遅い",
        "👍",
    ]
    assert en_ja_fr.identify_many(texts) == ["en", "fr", "ja", "und"]


def test_identify_many_accepts_a_generator(en_ja: LanguageIdentifier) -> None:
    assert en_ja.identify_many(text for text in ["Nice", "最悪"]) == ["en", "ja"]


def test_unknown_language_code_raises_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"'xx'.*\ben\b.*\bja\b"):
        LanguageIdentifier(("en", "xx")).identify("hello")


def test_text_without_cjk_is_english_without_a_detector_when_only_en_and_ja_are_set() -> None:
    # The documented fast path: with (en, ja) configured, script alone decides.
    identifier = LanguageIdentifier(("en", "ja"))
    assert identifier.identify_many(["Très bien, livraison rapide", "最悪", "ok"]) == [
        "en",
        "ja",
        "en",
    ]
    assert identifier._detector is None


def test_korean_text_is_not_called_japanese(en_ja: LanguageIdentifier) -> None:
    assert en_ja.identify("정말 좋아요 배송도 빨라요") != "ja"
