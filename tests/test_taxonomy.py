from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from voc.errors import ConfigError
from voc.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy, parse_taxonomy

JOURNEY = [
    "website_usability",
    "mobile_app",
    "personalisation",
    "customer_support",
    "response_time",
    "delivery_and_shipping",
    "returns_and_refunds",
    "billing_and_payment",
    "pricing_and_value",
    "product_quality",
    "privacy_and_security",
    "communication_and_marketing",
]


def _touchpoint(name: str = "parking", **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": "Parking at the store.", **fields}


def test_the_shipped_taxonomy_has_the_twelve_journey_touchpoints_in_english_and_japanese() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.names == JOURNEY
    assert taxonomy.languages == ["en", "ja"]
    for touchpoint in taxonomy.touchpoints:
        assert touchpoint.description
        assert len(touchpoint.keywords["en"]) >= 10, touchpoint.name
        assert len(touchpoint.keywords["ja"]) >= 10, touchpoint.name
        assert any(not text.isascii() for text in touchpoint.examples), touchpoint.name
        assert any(text.isascii() for text in touchpoint.examples), touchpoint.name


def test_the_shipped_taxonomy_has_the_japanese_forms_customers_write() -> None:
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY_PATH)
    ja = {tp.name: set(tp.keywords["ja"]) for tp in taxonomy.touchpoints}
    assert {"配送", "配達", "届かない", "届きません", "置き配"} <= ja["delivery_and_shipping"]
    assert {"返品", "返金"} <= ja["returns_and_refunds"]
    assert {"ログイン", "アプリ", "落ちる"} <= ja["mobile_app"]
    assert {"問い合わせ", "電話がつながらない"} <= ja["customer_support"]
    assert {"決済", "請求", "二重請求"} <= ja["billing_and_payment"]
    assert {"価格", "値段が高い"} <= ja["pricing_and_value"]
    assert {"品質", "破損"} <= ja["product_quality"]
    assert "個人情報" in ja["privacy_and_security"]
    assert "メルマガ" in ja["communication_and_marketing"]


def test_a_language_code_that_is_not_iso_fails_with_the_key_path() -> None:
    raw = {"touchpoints": [_touchpoint("a"), _touchpoint("b", keywords={"EN": ["car"]})]}
    with pytest.raises(ConfigError, match=r"touchpoints\[1\]\.keywords\.EN: not a language code"):
        parse_taxonomy(raw)


def test_a_keyword_that_is_not_a_string_names_its_index() -> None:
    raw = {"touchpoints": [_touchpoint(keywords={"en": ["car park", 3]})]}
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.keywords\.en\[1\]"):
        parse_taxonomy(raw)


def test_keywords_written_as_one_string_instead_of_a_list_are_refused() -> None:
    raw = {"touchpoints": [_touchpoint(keywords={"ja": "駐車場"})]}
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.keywords\.ja: write a list"):
        parse_taxonomy(raw)


def test_yaml_booleans_among_keywords_get_a_hint_to_quote_them(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "touchpoints:\n  - name: answers\n    description: Answers.\n"
        "    keywords: {en: [yes, no]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="quote the word"):
        load_taxonomy(path)


def test_duplicate_names_are_refused_naming_both_entries() -> None:
    raw = {"touchpoints": [_touchpoint(), _touchpoint("store"), _touchpoint()]}
    with pytest.raises(ConfigError) as error:
        parse_taxonomy(raw)
    assert "touchpoints[2].name" in str(error.value)
    assert "touchpoints[0]" in str(error.value)


def test_names_must_be_snake_case() -> None:
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.name: 'Car Park' is not snake_case"):
        parse_taxonomy({"touchpoints": [_touchpoint("Car Park")]})


def test_a_touchpoint_needs_a_description() -> None:
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.description: is required"):
        parse_taxonomy({"touchpoints": [{"name": "parking"}]})
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.description: is empty"):
        parse_taxonomy({"touchpoints": [_touchpoint(description="  ")]})


def test_an_unknown_key_is_refused_with_its_path() -> None:
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.keyword: unknown key"):
        parse_taxonomy({"touchpoints": [_touchpoint(keyword={"en": ["car"]})]})


def test_a_wildcard_is_only_allowed_at_the_end_of_a_keyword() -> None:
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.keywords\.en\[0\]"):
        parse_taxonomy({"touchpoints": [_touchpoint(keywords={"en": ["park*ing"]})]})


def test_a_file_without_touchpoints_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="touchpoints"):
        load_taxonomy(path)
    with pytest.raises(ConfigError, match="touchpoints: List should have at least 1 item"):
        parse_taxonomy({"touchpoints": []})


def test_a_missing_or_broken_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_taxonomy(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("touchpoints: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_taxonomy(broken)


def test_an_analysts_file_loads_with_whitespace_tidied_and_duplicates_dropped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stores.yaml"
    path.write_text(
        "touchpoints:\n"
        "  - name: parking\n"
        "    description: >\n      Parking at the store,\n      spaces and fees.\n"
        "    keywords:\n      en: [car park, 'car  park', parking]\n      ja: [駐車場]\n"
        "  - name: fitting_rooms\n    description: Fitting rooms.\n",
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(path)
    parking = taxonomy.touchpoint("parking")
    assert parking.description == "Parking at the store, spaces and fees."
    assert parking.keywords == {"en": ["car park", "parking"], "ja": ["駐車場"]}
    assert taxonomy.touchpoint("fitting_rooms").keywords == {}
    with pytest.raises(ConfigError, match="no touchpoint named 'tills'"):
        taxonomy.touchpoint("tills")


def test_examples_and_negative_examples_load_tidied(tmp_path: Path) -> None:
    path = tmp_path / "stores.yaml"
    path.write_text(
        "touchpoints:\n"
        "  - name: parking\n"
        "    description: Parking at the store.\n"
        "    examples: ['The car park  was full.', 駐車場が狭い。]\n"
        "    negative_examples:\n      - I parked my complaint with the manager.\n",
        encoding="utf-8",
    )
    parking = load_taxonomy(path).touchpoint("parking")
    assert parking.examples == ["The car park was full.", "駐車場が狭い。"]
    assert parking.negative_examples == ["I parked my complaint with the manager."]
    assert load_taxonomy().touchpoint("billing_and_payment").negative_examples


def test_negative_examples_must_be_a_list_of_non_empty_sentences() -> None:
    with pytest.raises(
        ConfigError, match=r"touchpoints\[0\]\.negative_examples: write a list of sentences"
    ):
        parse_taxonomy({"touchpoints": [_touchpoint(negative_examples="I parked it.")]})
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.negative_examples\[1\]"):
        parse_taxonomy({"touchpoints": [_touchpoint(negative_examples=["ok", " "])]})
    with pytest.raises(ConfigError, match=r"touchpoints\[0\]\.negative_example: unknown key"):
        parse_taxonomy({"touchpoints": [_touchpoint(negative_example=["x"])]})
