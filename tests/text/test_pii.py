"""PII redaction: planted personal data goes, ordinary sentences stay byte-identical."""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from voc.errors import ConfigError
from voc.text import pii
from voc.text.pii import KINDS, Redaction, Redactor, luhn_valid
from voc.text.pii_eval import evaluate, load_cases

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CASES = load_cases(Path(__file__).with_name("pii_cases.yaml"))
PLANTED = [case for case in CASES if case["expect"]]
SURVIVORS = [case for case in CASES if not case["expect"]]
# Person names need spaCy: those cases are measured with ner=True, the rest without.
NAMED = [case for case in PLANTED if any(item["kind"] == "PERSON" for item in case["expect"])]
UNNAMED = [case for case in PLANTED if case not in NAMED]


def _case_id(case: dict[str, Any]) -> str:
    kinds = "+".join(sorted({item["kind"] for item in case["expect"]})) or "survivor"
    return f"{case['language']}-{kinds}-{case['text'][:24]}"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="module")
def ner_redactor() -> Redactor:
    """One NER redactor for the module: the spaCy pipelines load once (about a second)."""
    return Redactor(ner=True)


def _assert_redacted(case: dict[str, Any], redaction: Redaction) -> None:
    for item in case["expect"]:
        assert item["value"] not in redaction.text, redaction.text
        assert f"[{item['kind']}]" in redaction.text, redaction.text
    assert redaction.counts == dict(Counter(item["kind"] for item in case["expect"]))


# --- the corpus -------------------------------------------------------------------------


def test_corpus_plants_enough_cases_of_every_kind_in_both_languages() -> None:
    assert len(PLANTED) >= 60
    assert len(SURVIVORS) >= 30
    for language in ("en", "ja"):
        planted = [case for case in PLANTED if case["language"] == language]
        kinds = {item["kind"] for case in planted for item in case["expect"]}
        assert kinds == set(KINDS), language
        assert any(case["language"] == language for case in SURVIVORS)


@pytest.mark.parametrize("case", UNNAMED, ids=_case_id)
def test_redacts_every_planted_value_with_its_placeholder(
    case: dict[str, Any], redactor: Redactor
) -> None:
    _assert_redacted(case, redactor.redact(case["text"], case["language"]))


@pytest.mark.parametrize("case", NAMED, ids=_case_id)
def test_redacts_person_names_with_ner(case: dict[str, Any], ner_redactor: Redactor) -> None:
    _assert_redacted(case, ner_redactor.redact(case["text"], case["language"]))


@pytest.mark.parametrize("case", SURVIVORS, ids=_case_id)
def test_leaves_ordinary_sentences_byte_identical(case: dict[str, Any], redactor: Redactor) -> None:
    redaction = redactor.redact(case["text"], case["language"])
    assert redaction.text == case["text"]
    assert redaction.counts == {}


def test_leaves_ordinary_sentences_byte_identical_with_ner(ner_redactor: Redactor) -> None:
    texts = [case["text"] for case in SURVIVORS]
    redactions = ner_redactor.redact_many(texts, [case["language"] for case in SURVIVORS])
    changed = [r.text for text, r in zip(texts, redactions, strict=True) if r.text != text]
    assert changed == []


def test_corpus_recall_and_over_redaction_meet_the_bar(
    redactor: Redactor, ner_redactor: Redactor
) -> None:
    patterns = evaluate(UNNAMED + SURVIVORS, redactor)
    names = evaluate(NAMED + SURVIVORS, ner_redactor)
    print(
        f"\nner=False: recall {patterns.recall:.3f} over {patterns.planted} planted values, "
        f"over-redaction {patterns.over_redaction:.3f} over {patterns.survivors} survivors; "
        f"per kind {patterns.per_kind_recall}"
        f"\nner=True (PERSON cases): recall {names.recall:.3f} over {names.planted} planted "
        f"values, over-redaction {names.over_redaction:.3f}; per kind {names.per_kind_recall}"
    )
    assert patterns.recall >= 0.95, patterns.misses
    assert patterns.over_redaction <= 0.05, patterns.over_redacted
    assert names.recall >= 0.95, names.misses
    assert names.over_redaction <= 0.05, names.over_redacted


HELD_OUT = load_cases(Path(__file__).with_name("pii_cases_heldout.yaml"))


def test_the_held_out_part_is_apart_from_the_tuning_part() -> None:
    tuning = {case["text"] for case in CASES}
    assert not tuning & {case["text"] for case in HELD_OUT}
    assert sum(bool(case["expect"]) for case in HELD_OUT) >= 15
    assert sum(not case["expect"] for case in HELD_OUT) >= 10


def test_held_out_recall_and_over_redaction(ner_redactor: Redactor) -> None:
    # Never tuned on (see the file's header). The floors sit under the figures measured
    # when the name cues were first built (recall 0.889, over-redaction 0.000), so that a
    # change that loses them is seen; the misses are deliberately not printed.
    report = evaluate(HELD_OUT, ner_redactor)
    print(
        f"\nheld out (ner=True): recall {report.recall:.3f} over {report.planted} planted "
        f"values, over-redaction {report.over_redaction:.3f} over {report.survivors} survivors"
    )
    assert report.recall >= 0.85
    assert report.over_redaction <= 0.07


def test_evaluate_counts_a_value_left_in_as_a_miss_and_a_changed_survivor() -> None:
    class RedactsNothingButDigits:
        def redact_many(self, texts: list[str], languages: list[str]) -> list[Redaction]:
            return [Redaction(text.replace("4", "[PHONE]"), {}) for text in texts]

    email = {"kind": "EMAIL", "value": "a@example.com"}
    cases = [
        {"text": "mail a@example.com", "language": "en", "expect": [email]},
        {"text": "call 4", "language": "en", "expect": [{"kind": "PHONE", "value": "4"}]},
        {"text": "size 4", "language": "en", "expect": []},
        {"text": "size M", "language": "en", "expect": []},
    ]
    report = evaluate(cases, RedactsNothingButDigits())
    assert report.recall == 0.5
    assert report.per_kind_recall == {"EMAIL": 0.0, "PHONE": 1.0}
    assert report.over_redaction == 0.5
    assert [miss.value for miss in report.misses] == ["a@example.com"]


# --- specific behaviour -----------------------------------------------------------------


def test_redacts_japanese_mobile_numbers(redactor: Redactor) -> None:
    for number in ("090-1234-5678", "080 1234 5678", "07012345678", "090ー1234ー5678"):
        redaction = redactor.redact(f"携帯{number}までご連絡ください", "ja")
        assert redaction.text == "携帯[PHONE]までご連絡ください"


def test_redacts_full_width_digits_that_escaped_normalisation(redactor: Redactor) -> None:
    assert redactor.redact("０９０-１２３４-５６７８に電話", "ja").text == "[PHONE]に電話"


def test_redacts_a_luhn_valid_card_number(redactor: Redactor) -> None:
    redaction = redactor.redact("my card 4111 1111 1111 1111 was charged twice")
    assert redaction.text == "my card [CARD] was charged twice"
    assert redaction.counts == {"CARD": 1}


def test_does_not_call_a_luhn_failing_sixteen_digit_number_a_card(redactor: Redactor) -> None:
    # Still an identifier (tracking, gift card or mistyped card number): [ACCOUNT_ID].
    redaction = redactor.redact("my card 4111 1111 1111 1112 was charged twice")
    assert redaction.text == "my card [ACCOUNT_ID] was charged twice"
    assert "CARD" not in redaction.counts


def test_luhn_accepts_network_test_numbers_and_rejects_a_changed_digit() -> None:
    for number in ("4111111111111111", "5555555555554444", "378282246310005", "3530111333300000"):
        assert luhn_valid(number)
        assert not luhn_valid(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_keeps_honorifics_outside_the_person_placeholder(ner_redactor: Redactor) -> None:
    assert ner_redactor.redact("田中様に対応していただきました", "ja").text == (
        "[PERSON]様に対応していただきました"
    )
    assert ner_redactor.redact("山田太郎さんから電話がありました", "ja").text == (
        "[PERSON]さんから電話がありました"
    )
    assert ner_redactor.redact("Thank you Mr. Patel for the refund!").text == (
        "Thank you Mr. [PERSON] for the refund!"
    )
    assert ner_redactor.redact("〒150-0041 東京都渋谷区神南1-2-3", "ja").text == (
        "〒[POSTCODE] [ADDRESS]"
    )


def test_does_not_redact_brands_or_places_as_people(ner_redactor: Redactor) -> None:
    texts = [
        "Bought it at Uniqlo, then returned it to Amazon.",
        "Retailer shipped it from Chicago in 3 days.",
        "ユニクロの東京の店舗で買いました。",
        "小林製薬の商品と一緒に届きました。",
    ]
    redactions = ner_redactor.redact_many(texts, ["en", "en", "ja", "ja"])
    assert [redaction.text for redaction in redactions] == texts


# --- person names: what counts as one ----------------------------------------------------

# Most of these came out with a [PERSON] in them before the name rules were tightened; the
# last three guard the rules that keep brands and apps out.
LOOKS_LIKE_A_NAME_BUT_IS_NOT = {
    "a title-case word opening a title": "Chic raincoat\nLovely drape, and the snaps are sturdy.",
    "a given name opening a title": "Audrey vibes\nVery classic, goes with everything.",
    "a word written in lower case too": "Nice chambray top\nChambray top that drapes well.",
    "a name before a product noun": "Love the Marisol dress, it runs a little small.",
    "an app named mid-sentence": "Terrible, Kuroba is better in every way.",
    "an app's name of two words": "Uninstalled it, Manga Dock does the same without crashes.",
    "a phone model": "Flawless on my Moto G. Would happily pay for a pro version.",
    "a company called Mr.": "Our mortgage servicer (Mr. Cooper) applied the payment late.",
    "a designer's label": "Love Tracy Reese prints, this one is no exception.",
    "a thank-you to an app": "Thanks Adblock!",
    "a bank named like a person": "Chase refused to refund the overdraft fee.",
}


@pytest.mark.parametrize(
    "text", LOOKS_LIKE_A_NAME_BUT_IS_NOT.values(), ids=LOOKS_LIKE_A_NAME_BUT_IS_NOT.keys()
)
def test_keeps_titles_products_and_brands_that_look_like_names(
    text: str, ner_redactor: Redactor
) -> None:
    assert ner_redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("My husband Raj ordered the wrong size.", "My husband [PERSON] ordered the wrong size."),
        ("The driver, Ahmed, left it outside.", "The driver, [PERSON], left it outside."),
        ("An agent named Darnell never called.", "An agent named [PERSON] never called."),
        ("I spoke with Yesenia twice.", "I spoke with [PERSON] twice."),
        ("Jamal from support reset it.", "[PERSON] from support reset it."),
        ("Ask for Jessica at the front desk.", "Ask for [PERSON] at the front desk."),
        ("Nnamdi was very patient with me.", "[PERSON] was very patient with me."),
        ("Hi Ngozi, any news?", "Hi [PERSON], any news?"),
        ("Thanks again Deshawn!", "Thanks again [PERSON]!"),
        ("Still broken.\nRegards,\nSiobhan", "Still broken.\nRegards,\n[PERSON]"),
        ("Still broken.\n- Nnamdi", "Still broken.\n- [PERSON]"),
        ("Still broken.\nSiobhan Kerr\n(415) 555-0142", "Still broken.\n[PERSON]\n[PHONE]"),
        ("Name: Nicole Baker, please call.", "Name: [PERSON], please call."),
        ("My daughter's name is Zoe Brown.", "My daughter's name is [PERSON]."),
        ("Mrs. White at the branch was kind.", "Mrs. [PERSON] at the branch was kind."),
        ("I saw Dr Okafor today.", "I saw Dr [PERSON] today."),
    ],
)
def test_redacts_names_that_a_cue_points_at(
    text: str, redacted: str, ner_redactor: Redactor
) -> None:
    # A cue is enough: Yesenia, Nnamdi and Ngozi are on no list, and White is a word.
    assert ner_redactor.redact(text).text == redacted


def test_a_lone_given_name_is_a_name_in_the_body_but_not_in_a_title(
    ner_redactor: Redactor,
) -> None:
    assert ner_redactor.redact("Great fit. Jennifer helped me pick it.").text == (
        "Great fit. [PERSON] helped me pick it."
    )
    title = "Sarah portland\nThe buttons started falling off after one wear."
    assert ner_redactor.redact(title).text == title


def test_a_full_name_needs_a_given_name_or_words_that_are_no_english_words(
    ner_redactor: Redactor,
) -> None:
    # "White" is an English word, but after a given name it is a surname.
    assert ner_redactor.redact("Please refund it. Emily White").text == (
        "Please refund it. [PERSON]"
    )
    text = "Slightly better than Sparrow Comic Reader but still slow."
    assert ner_redactor.redact(text).text == text


def test_a_japanese_name_without_kanji_needs_an_honorific(ner_redactor: Redactor) -> None:
    # Sudachi tags the loanwords ワイズ (a shoe's width) and カート (cart) as names.
    texts = ["ワイズが細めなので幅広の人は注意です。", "エラー→カートが空になる。"]
    assert [r.text for r in ner_redactor.redact_many(texts, ["ja", "ja"])] == texts
    assert ner_redactor.redact("スミスさんが対応してくれました", "ja").text == (
        "[PERSON]さんが対応してくれました"
    )


def test_sends_only_texts_that_could_hold_an_uncued_name_to_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    english = pii._pipeline("en")
    seen: list[str] = []

    class Spy:
        def pipe(self, texts: Any, batch_size: int) -> Any:
            texts = list(texts)
            seen.extend(texts)
            return english.pipe(texts, batch_size=batch_size)

        def get_pipe(self, name: str) -> Any:
            return english.get_pipe(name)

    monkeypatch.setattr(pii, "_pipeline", lambda language: Spy())
    texts = [
        "Cayucos tunic\nLovely embroidery, runs long.",  # no given name, no full name
        "Thanks Carlos, that worked.",  # a cue: found without the model
        "Bought it for Olivia, she loves it.",  # a given name without a cue: the model judges
    ]
    redactions = Redactor(ner=True, ner_languages=("en",)).redact_many(texts, ["en"] * 3)
    assert [r.counts for r in redactions] == [{}, {"PERSON": 1}, {"PERSON": 1}]
    assert seen == [texts[2]]


def test_redacts_the_requesters_name_wherever_a_customer_signs_a_ticket(
    ner_redactor: Redactor,
) -> None:
    # The bundled tickets are written for the demo; their requesters' names are invented.
    tickets = json.loads((SAMPLES / "support_tickets.json").read_text(encoding="utf-8"))
    signed = []
    for ticket in tickets:
        text = "\n".join(c["body"] for c in ticket["comments"] if c["author_role"] == "end-user")
        names = [part for part in ticket["requester"]["name"].split() if part.isascii()]
        if any(re.search(rf"\b{name}\b", text) for name in names):
            signed.append((text, names))
    assert len(signed) >= 5
    redactions = ner_redactor.redact_many([text for text, _ in signed], ["en"] * len(signed))
    for (_, names), redaction in zip(signed, redactions, strict=True):
        assert not any(re.search(rf"\b{name}\b", redaction.text) for name in names)


def test_rarely_finds_a_person_in_app_reviews(ner_redactor: Redactor) -> None:
    # Real Google Play reviews of comic readers, wallpapers, search apps: the few names in
    # them are a developer thanked, characters of a game and public figures.
    with (SAMPLES / "app_reviews_google_play.csv").open(newline="", encoding="utf-16") as f:
        texts = [
            "\n".join(part for part in (row["Review Title"], row["Review Text"]) if part.strip())
            for row in csv.DictReader(f)
        ]
    texts = [text for text in texts if text]
    named = [
        r for r in ner_redactor.redact_many(texts, ["en"] * len(texts)) if r.counts.get("PERSON")
    ]
    assert len(named) / len(texts) < 0.01, [r.text for r in named]


def test_counts_each_placeholder_kind(redactor: Redactor) -> None:
    redaction = redactor.redact(
        "Email a@example.com or b@example.org, call (415) 555-0134, order #48213977."
    )
    assert redaction.counts == {"EMAIL": 2, "PHONE": 1, "ACCOUNT_ID": 1}
    assert redaction.text.count("[EMAIL]") == 2


def test_keeps_the_rest_of_a_url_around_the_account_id(redactor: Redactor) -> None:
    text = "see https://example.com/account/orders/123456789?ref=mail&order_id=5512 pls"
    assert redactor.redact(text).text == (
        "see https://example.com/account/orders/[ACCOUNT_ID]?ref=mail&order_id=[ACCOUNT_ID] pls"
    )


def test_does_not_take_an_email_address_for_a_handle(redactor: Redactor) -> None:
    redaction = redactor.redact("ping @jane_doe or jane.doe@example.com")
    assert redaction.text == "ping [HANDLE] or [EMAIL]"


def test_keeps_a_bare_five_digit_number_but_redacts_a_zip_after_a_state(
    redactor: Redactor,
) -> None:
    assert redactor.redact("I walked 12000 steps and got 90210 points").counts == {}
    assert redactor.redact("Beverly Hills, CA 90210").text == "Beverly Hills, CA [POSTCODE]"


def test_redacts_a_marked_japanese_postcode_in_english_text(redactor: Redactor) -> None:
    assert redactor.redact("Ship it to 〒150-0041 please").text == "Ship it to 〒[POSTCODE] please"


def test_keeps_a_japanese_postcode_shape_without_an_address_context(redactor: Redactor) -> None:
    assert redactor.redact("品番123-4567の在庫はありますか", "ja").counts == {}
    assert redactor.redact("住所は123-4567です", "ja").text == "住所は[POSTCODE]です"


def test_redaction_is_idempotent(redactor: Redactor) -> None:
    for case in CASES:
        once = redactor.redact(case["text"], case["language"]).text
        assert redactor.redact(once, case["language"]).text == once


def test_redact_many_equals_redact_per_item(redactor: Redactor, ner_redactor: Redactor) -> None:
    texts = [case["text"] for case in CASES]
    languages = [case["language"] for case in CASES]
    for each in (redactor, ner_redactor):
        assert each.redact_many(texts, languages) == [
            each.redact(text, language) for text, language in zip(texts, languages, strict=True)
        ]


def test_redact_many_rejects_a_language_list_of_another_length(redactor: Redactor) -> None:
    with pytest.raises(ValueError, match="one language per text"):
        redactor.redact_many(["a", "b"], ["en"])


def test_rejects_a_ner_language_without_a_name_model() -> None:
    with pytest.raises(ConfigError, match="fr"):
        Redactor(ner=True, ner_languages=("en", "fr")).redact("Ask for Sarah.")


def test_never_loads_spacy_without_ner(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(language: str) -> None:
        raise AssertionError(f"loaded the {language} pipeline with ner=False")

    monkeypatch.setattr(pii, "_pipeline", refuse)
    redactor = Redactor(ner_languages=("en", "ja"))
    assert redactor.redact("Sarah at the store was great").counts == {}
    assert redactor.redact_many(["田中様"], ["ja"])[0].counts == {}


def test_stays_fast_on_long_adversarial_texts(redactor: Redactor) -> None:
    # Inputs that make careless patterns backtrack: a long run of 市区町村郡, a long token
    # before an @, thousands of matches in one text. Each takes milliseconds when linear.
    texts = [
        "東京都" + "市区町村郡" * 2000 + "1",
        "a" * 100_000 + "@",
        " ".join(f"@user{i} u{i}@example.com 090-1234-{i % 10000:04d}" for i in range(3000)),
    ]
    started = time.perf_counter()
    redactions = redactor.redact_many(texts, ["ja", "en", "en"])
    assert time.perf_counter() - started < 2.0
    assert redactions[2].counts == {"EMAIL": 3000, "PHONE": 3000, "HANDLE": 3000}


@pytest.mark.shared_data
def test_leaves_real_clothing_reviews_almost_untouched(
    shared_data: Path, redactor: Redactor
) -> None:
    # Public, anonymised reviews: whatever the patterns redact there is over-redaction.
    with (shared_data / "womens_clothing_reviews.csv").open(newline="", encoding="utf-8") as f:
        texts = [row["Review Text"] for row in csv.DictReader(f) if row["Review Text"].strip()]
    texts = texts[:5000]
    changed = [r for r in redactor.redact_many(texts, ["en"] * len(texts)) if r.counts]
    assert len(changed) / len(texts) <= 0.001, [r.text for r in changed]


@pytest.mark.shared_data
def test_finds_almost_no_person_in_real_clothing_reviews_with_titles(
    shared_data: Path, ner_redactor: Redactor
) -> None:
    # As voc joins them: the title, then the body. Title-case titles ("Belle of the ball",
    # "Cayucos tunic") were the model's favourite people.
    with (shared_data / "womens_clothing_reviews.csv").open(newline="", encoding="utf-8") as f:
        texts = [
            "\n".join(part for part in (row["Title"], row["Review Text"]) if part.strip())
            for row in csv.DictReader(f)
        ]
    texts = [text for text in texts if text][:5000]
    redactions = ner_redactor.redact_many(texts, ["en"] * len(texts))
    named = [r.text for r in redactions if r.counts.get("PERSON")]
    assert len(named) / len(texts) <= 0.003, named


def test_a_japanese_review_over_sudachis_limit_is_redacted_in_pieces(
    ner_redactor: Redactor,
) -> None:
    # 32,000 characters: 96 KB, twice what sudachi accepts in one call.
    text = "田中さんに電話しました。" + "配送がとても遅い。" * 3000 + "山田様、ありがとう。"
    redaction = ner_redactor.redact_many([text], ["ja"])[0]
    assert "田中" not in redaction.text and "山田" not in redaction.text
    assert redaction.text.startswith("[PERSON]さんに電話しました。")
    assert len(redaction.text) == len(text) - 4 + 2 * len("[PERSON]")


def test_an_english_review_over_spacys_max_length_is_redacted_in_pieces(
    ner_redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # spaCy refuses a text over nlp.max_length (E088; 1,000,000 characters by default):
    # lowered here so the test reads 60 KB, not 1 MB, through the model.
    monkeypatch.setattr(pii._pipeline("en"), "max_length", 20_000)
    filler = "the parcel was late again and nobody answered the phone "
    # Names no cue points at: only the model finds them, so the model must read the text.
    text = filler * 1000 + "I bought it for Olivia and the parcel for Nkechi Okafor was lost."
    redaction = ner_redactor.redact_many([text], ["en"])[0]
    assert "Olivia" not in redaction.text and "Okafor" not in redaction.text
    assert redaction.text.count("[PERSON]") == 2


def test_text_pieces_cut_at_boundaries_and_join_back() -> None:
    text = ("word " * 30 + "end. ") * 50 + "x" * 500
    pieces = pii.text_pieces(text, 200)
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= 200 for _, piece in pieces)
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in pieces)
    assert all(piece.endswith((" ", "x")) for _, piece in pieces)


def test_the_word_lists_are_data_files_the_package_ships() -> None:
    import tomllib

    import voc.text
    from voc.text.pii.words import phrase_list, word_list

    data = Path(voc.text.__file__).parent / "data"
    lists = sorted(path.stem for path in data.glob("*.txt"))
    assert lists == [
        "ambiguous_names", "function_words", "given_names", "named_brands", "not_name_words",
        "place_names", "place_prefixes", "product_nouns", "surnames", "uk_areas",
    ]  # fmt: skip
    for name in lists:
        assert word_list(name), f"{name}.txt is empty"
    assert {"sarah", "nkechi"} <= word_list("given_names")
    assert "# " not in " ".join(word_list("not_name_words"))  # comments are not words
    assert {"tracy reese", "mr cooper"} <= phrase_list("named_brands")
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "text/data/*.txt" in pyproject["tool"]["setuptools"]["package-data"]["voc"]
