"""The analyser: clauses, sentence sentiment, touchpoints and the record roll-up, with the
shipped models."""

from __future__ import annotations

import numpy as np
import pytest

from voc.analysis import Analyzer, resolve_sentiment_model, text_hash
from voc.errors import ConfigError
from voc.taxonomy import parse_taxonomy


def test_contrast_gives_one_judgement_per_side(analyzer: Analyzer) -> None:
    result = analyzer.analyze(["Fast delivery but the box was crushed."], ["en"])
    sentences = result.sentences
    assert [s.text for s in sentences] == ["Fast delivery", "but the box was crushed."]
    assert sentences[0].sentiment_score > 0 > sentences[1].sentiment_score
    assert "delivery_and_shipping" in result.records[0].touchpoints


def test_records_roll_up_their_sentences(analyzer: Analyzer) -> None:
    texts = [
        "I love this dress. It fits perfectly and the fabric is beautiful!",
        "The app crashes every time I open it. Terrible.",
        "対応が最悪でした。二度と使いません。",
        "",
        "   ",
        None,
    ]
    result = analyzer.analyze(texts, ["en", "en", "ja", "en", None, None])
    records = result.records
    assert records[0].sentiment == "positive" and records[0].sentiment_score > 0.3
    assert records[1].sentiment == "negative" and records[1].sentiment_score < -0.3
    assert "mobile_app" in records[1].touchpoints
    assert records[2].sentiment == "negative"
    for empty in records[3:]:
        assert empty.error == "empty_text" and empty.sentiment is None and empty.n_sentences == 0
    assert [r.n_sentences for r in records[:3]] == [2, 2, 2]
    assert len(result.embeddings) == len(result.sentences) == 6
    assert {s.record for s in result.sentences} == {0, 1, 2}


def test_strong_opposite_sentences_mark_a_record_mixed(analyzer: Analyzer) -> None:
    text = "I absolutely love the colour, it is gorgeous! The zip broke on day one, awful quality."
    result = analyzer.analyze([text], ["en"])
    scores = [s.sentiment_score for s in result.sentences]
    assert max(scores) >= 0.5 and min(scores) <= -0.5
    assert result.records[0].mixed


def test_sentence_offsets_point_into_the_record(analyzer: Analyzer) -> None:
    texts = [
        "Great price. Shipping took three weeks, though the support team was kind.",
        "配送は早かったが、箱が潰れていた。",
    ]
    result = analyzer.analyze(texts, ["en", "ja"])
    for s in result.sentences:
        assert texts[s.record][s.start : s.end] == s.text
        assert s.text_hash == text_hash(s.text)


def test_each_distinct_sentence_is_embedded_once(analyzer: Analyzer) -> None:
    seen: list[str] = []

    def embed(texts):
        seen.extend(texts)
        return analyzer.embedder.embed(texts)

    result = analyzer.analyze(
        ["Love it!", "Love it!", "Love it! Broke in a week."], ["en"] * 3, embed
    )
    assert sorted(seen) == ["Broke in a week.", "Love it!"]
    assert np.allclose(result.embeddings[0], result.embeddings[1])


def test_a_new_taxonomy_works_without_training(analyzer: Analyzer) -> None:
    taxonomy = parse_taxonomy(
        {
            "touchpoints": [
                {
                    "name": "checkout",
                    "description": "Paying for the order at the checkout page",
                    "keywords": {"en": ["checkout", "pay button"], "ja": ["レジ", "決済画面"]},
                },
                {
                    "name": "store_staff",
                    "description": "Staff in the physical store",
                    "keywords": {"en": ["cashier", "shop assistant"], "ja": ["店員"]},
                },
            ]
        }
    )
    custom = Analyzer(analyzer.sentiment_model, taxonomy, analyzer.embedder)
    result = custom.analyze(
        ["The checkout kept failing.", "店員さんがとても親切でした。", "Nice weather today."],
        ["en", "ja", "en"],
    )
    assert [r.touchpoints for r in result.records] == [("checkout",), ("store_staff",), ()]
    assert custom.version != analyzer.version  # a different taxonomy re-analyses records


def test_unknown_model_names_the_places_looked_in(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"analysis\.sentiment_model: no sentiment model 'v99'"):
        resolve_sentiment_model("v99")
    assert resolve_sentiment_model("v1").name == "v1"
    with pytest.raises(ConfigError):
        resolve_sentiment_model(tmp_path)


def test_touchpoints_from_a_forked_process_equal_those_from_a_thread(
    analyzer: Analyzer, monkeypatch
) -> None:
    from voc import analysis

    texts = [
        "The parcel arrived late and the box was crushed.",
        "Customer service never answered my emails about the refund.",
        "The app crashes every time I open the checkout page.",
        "I love the fabric, but the sizing runs small.",
        "配送が遅くて、箱もつぶれていました。",
    ] * 30
    languages = ["en"] * 4 + ["ja"]
    monkeypatch.setattr(analysis, "MIN_FORK_SENTENCES", 10**9)
    threaded = analyzer.analyze(texts, languages * 30)
    forks = []
    real = analysis.Forked

    def counted(function):
        forks.append(function)
        return real(function)

    monkeypatch.setattr(analysis, "MIN_FORK_SENTENCES", 1)
    monkeypatch.setattr(analysis, "Forked", counted)
    monkeypatch.setattr(analyzer, "processes", 2)
    forked = analyzer.analyze(texts, languages * 30)
    assert len(forks) == 1
    assert [s.touchpoints for s in forked.sentences] == [s.touchpoints for s in threaded.sentences]
    assert [r.touchpoints for r in forked.records] == [r.touchpoints for r in threaded.records]
    assert sum(1 for r in forked.records if r.touchpoints) >= 100  # real tags, not empty
    assert forked.seconds["touchpoints"] > 0

    # In a serving block, batch after batch goes to one worker forked once.
    from voc.forked import serving

    with serving() as worker:
        assert worker is not None
        served = [analyzer.analyze(texts, languages * 30) for _ in range(2)]
        assert worker.forks == 1 and len(forks) == 1  # no fork of its own either
    for result in served:
        assert [s.touchpoints for s in result.sentences] == [
            s.touchpoints for s in threaded.sentences
        ]
        assert result.seconds["touchpoints"] > 0
