from __future__ import annotations

import pytest

from voc.text.sentences import split_clauses, split_sentences


def _texts(text: str, language: str = "en") -> list[str]:
    return [s.text for s in split_sentences(text, language)]


def test_english_sentences_split_on_terminators_and_keep_offsets() -> None:
    text = "Fast delivery! But the box was crushed.  Support never answered?"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Fast delivery!",
        "But the box was crushed.",
        "Support never answered?",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Smith at the store was kind.",
        "Items e.g. shoes and bags arrived late.",
        "It cost $49.99 and v2.0.6 still crashes.",
        "Delivered at 10 a.m. on Monday as promised.",
        "Shipped from the U.S. within a day.",
    ],
)
def test_abbreviations_numbers_and_initials_do_not_end_a_sentence(text: str) -> None:
    assert _texts(text) == [text]


def test_lowercase_after_a_full_stop_still_starts_a_sentence() -> None:
    assert _texts("love the dress. the zipper broke after a week.") == [
        "love the dress.",
        "the zipper broke after a week.",
    ]


def test_line_breaks_separate_a_title_from_the_body() -> None:
    assert _texts("Great quality\nRuns small, order a size up") == [
        "Great quality",
        "Runs small, order a size up",
    ]


def test_japanese_sentences_split_on_japanese_punctuation() -> None:
    text = "配送は早かったです。でも箱が潰れていました！返品できますか？"
    assert _texts(text, "ja") == [
        "配送は早かったです。",
        "でも箱が潰れていました！",
        "返品できますか？",
    ]


def test_japanese_closing_brackets_stay_with_their_sentence() -> None:
    assert _texts("「最高です。」と書きました。次も買います", "ja") == [
        "「最高です。」",
        "と書きました。",
        "次も買います",
    ]


def test_emoji_and_exclamation_runs_stay_with_their_sentence() -> None:
    assert _texts("Love it!!! 😍 Will buy again.") == ["Love it!!! 😍", "Will buy again."]


def test_a_text_of_symbols_is_one_sentence_and_an_empty_text_none() -> None:
    assert _texts("👍") == ["👍"]
    assert _texts("   ") == []
    assert _texts("") == []


def test_mixed_english_and_japanese() -> None:
    assert _texts("The app crashes. アプリが落ちます。Please fix.") == [
        "The app crashes.",
        "アプリが落ちます。",
        "Please fix.",
    ]


# -- clauses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Fast delivery but the box was crushed.",
            "en",
            ["Fast delivery", "but the box was crushed."],
        ),
        (
            "Nice fit, however the zip broke. Love it!",
            "en",
            ["Nice fit", "however the zip broke.", "Love it!"],
        ),
        (
            "I love it, though the sleeves are long",
            "en",
            ["I love it", "though the sleeves are long"],
        ),
        ("Nothing but praise.", "en", ["Nothing but praise."]),
        ("But it broke.", "en", ["But it broke."]),
        ("配送は早かったが、箱が潰れていた。", "ja", ["配送は早かったが", "箱が潰れていた。"]),
        ("安いけど品質が悪い", "ja", ["安いけど", "品質が悪い"]),
        ("サイズは良い、でも色が違う", "ja", ["サイズは良い", "でも色が違う"]),
        ("配送が早い。", "ja", ["配送が早い。"]),
    ],
)
def test_clauses_split_at_contrast(text: str, language: str, expected: list[str]) -> None:
    clauses = split_clauses(text, language)
    assert [c.text for c in clauses] == expected
    assert all(text[c.start : c.end] == c.text for c in clauses)
