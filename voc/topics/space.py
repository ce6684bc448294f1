"""The space topics are found in: the embedding, or a learned linear map of it.

The multilingual USE vectors group whole reviews by what they say about fit and size more
than by the thing they name, where all-MiniLM-L6-v2 (BERTopic's embedder, English only,
about 5x slower) groups them by the thing: k-means on the clothing classes scores NMI 0.25
on USE vectors and 0.36 on MiniLM's (docs/benchmarks.md, issue 11). A map shipped in
``models/topics/<name>/`` (``map.npz``; its card ``MODEL_CARD.md``) sends USE vectors to
the directions of USE most correlated with MiniLM's (CCA, fitted once on English
feedback we may train on, ``python -m bench.topic_map fit``):

    x -> unit((unit(x) - mean) @ projection)

One matrix product per batch. English and Japanese sentences on one subject stay near
each other, since USE put them there and a linear map keeps near vectors near.

:class:`~voc.topics.model.TopicModel` applies the map (``vector_map``) to every vector
it clusters, assigns, seeds with or ranks labels against, only when the vectors have the
map's input dimension (USE's 512) and the model is not one fitted without it (its
centroids then have the embedding's dimension: a stored model from before the map keeps
assigning in the embedding space until its next refit, and its registry's centroids are
mapped then). Vectors of another embedder (another dimension) are clustered as they are.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from voc.errors import ConfigError

__all__ = ["SHIPPED_VECTOR_MAP", "VectorMap", "load_vector_map"]

#: The map topics use unless ``topics.vector_map`` says otherwise (``none``: no map).
SHIPPED_VECTOR_MAP = "use-cca-v1"


class VectorMap:
    """A fixed linear map of embeddings, for topics.

    Args:
        mean: float ``(in_dim,)`` subtracted from each unit input row.
        projection: float ``(in_dim, out_dim)``.
        name: What the map is called (its folder's name).
        embedder: The embedder whose vectors it was fitted on.
    """

    def __init__(self, mean: np.ndarray, projection: np.ndarray, name: str, embedder: str):
        self.mean = np.asarray(mean, dtype=np.float32)
        self.projection = np.asarray(projection, dtype=np.float32)
        self.name = name
        self.embedder = embedder

    @property
    def in_dim(self) -> int:
        return int(self.projection.shape[0])

    @property
    def out_dim(self) -> int:
        return int(self.projection.shape[1])

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        """Unit rows of the mapped vectors, float32 ``(n, out_dim)``."""
        return _unit_rows((_unit_rows(vectors) - self.mean) @ self.projection)

    def save(self, folder: str | Path, **info: object) -> Path:
        """Write ``map.npz`` and ``map.json`` (name, embedder, dimensions, ``info``)."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        np.savez(path / "map.npz", mean=self.mean, projection=self.projection)
        meta = {
            "name": self.name,
            "embedder": self.embedder,
            "in_dim": self.in_dim,
            "out_dim": self.out_dim,
            **info,
        }
        (path / "map.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return path


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _folders() -> list[Path]:
    from voc.models.loaders import _model_folders

    return [folder / "topics" for folder in _model_folders()]


@functools.lru_cache(maxsize=4)
def load_vector_map(name: str) -> VectorMap:
    """The map called ``name`` (a folder under ``models/topics/``, or a path to one).

    Raises:
        ConfigError: No such map; the message lists the places looked in.
    """
    candidate = Path(name)
    looked = [candidate, *(folder / name for folder in _folders())]
    for path in looked:
        if (path / "map.npz").is_file() and (path / "map.json").is_file():
            meta = json.loads((path / "map.json").read_text(encoding="utf-8"))
            with np.load(path / "map.npz") as arrays:
                return VectorMap(
                    arrays["mean"], arrays["projection"], str(meta["name"]), str(meta["embedder"])
                )
    places = ", ".join(str(p) for p in dict.fromkeys(looked))
    raise ConfigError(
        f"topics.vector_map: no map {name!r} (looked in {places}); write "
        f"{SHIPPED_VECTOR_MAP!r}, 'none', or a folder holding map.npz and map.json"
    )
