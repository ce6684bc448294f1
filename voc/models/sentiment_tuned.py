"""Sentiment models v3 and v4: the top of the Universal Sentence Encoder, fine-tuned (v4:
with a token adapter, :func:`voc.models.use_tuned.top_network`).

:class:`TunedSentimentModel` reads the pooled features of :mod:`voc.models.use_tuned`
(the part of the USE pass shared with the topic embedder), runs a fine-tuned copy of
USE's per-text layers and a 3-class layer over their output (plus, for English, the VADER
lexicon's scores, hidden for a share of the training rows so the model also learns
without them, which is what Japanese gets). Same interface as
:class:`voc.models.sentiment.SentimentModel`: ``predict_proba``, ``predict_records``,
``predict``, ``save`` / ``load``; the ``embeddings`` these take are pooled features
(``reads_pooled`` is True), which :class:`voc.analysis.Analyzer` computes in the same
pass as the topic embedding.

Training (:meth:`TunedSentimentModel.fit`): soft targets (a mixed sentence is half
negative, half positive), class-balanced, AdamW with warm-up and linear decay, seeded,
a checkpoint after every epoch (a rerun resumes from the last one), a progress bar, and
the epoch with the best dev macro-F1 kept when a dev set is given (the loop:
:mod:`voc.models.sentiment_fit`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voc.errors import VocError
from voc.models.embedders import DEFAULT_EMBEDDER
from voc.models.sentiment_features import LexiconFeatures, bag_batch, hash_ngrams
from voc.models.sentiment_labels import LABELS

__all__ = ["KIND", "TunedSentimentModel"]

logger = logging.getLogger(__name__)

#: ``kind`` in model.json of a model of this class.
KIND = "voc.sentiment.use-top"
_WEIGHTS = "weights.safetensors"
_MANIFEST = "model.json"
FORMAT_VERSION = 1


class TunedSentimentModel:
    """USE's per-text layers fine-tuned for negative / neutral / positive.

    Args:
        epochs: Passes over the training rows.
        learning_rate: Peak AdamW rate of the USE layers (the output layer gets 10x).
        weight_decay: AdamW weight decay.
        dropout: Dropout on the pooled features and on the output layer's input.
        batch_size: Rows per step.
        lexicon: Add VADER's scores for English rows.
        lexicon_dropout: Share of training rows whose lexicon scores are hidden.
        seed: Seed of the initial output layer, the shuffling and the dropouts.
        head_learning_rate: Peak rate of the output layer and the n-gram table (None:
            10x ``learning_rate``); ``learning_rate=0`` then trains a head over frozen USE.
        ngram_buckets: Size of a hashed English word n-gram table whose per-class weights
            are added to the logits (0: none).
        threads: torch threads while training and predicting (restored after). One: the
            per-text layers are small, and on 2 shared cores two torch threads ran 10x
            slower than one (1,100 against 112 rows/s, measured while other jobs ran).
        adapter_rank: Width of a token adapter trained over USE's per-token features
            (0: none; :func:`voc.models.use_tuned.top_network`); ``fit`` then needs the
            training texts' :class:`voc.models.use_tuned.TokenFeatures`.
    """

    reads_pooled = True
    embedder = DEFAULT_EMBEDDER
    # Set by fit (voc.models.sentiment_fit.fit_loop) or load.
    network_: Any
    n_extra_: int

    def __init__(
        self,
        epochs: int = 4,
        learning_rate: float = 5e-4,
        weight_decay: float = 0.01,
        dropout: float = 0.1,
        batch_size: int = 128,
        lexicon: bool = True,
        lexicon_dropout: float = 0.3,
        seed: int = 0,
        threads: int = 1,
        ngram_buckets: int = 0,
        head_learning_rate: float | None = None,
        adapter_rank: int = 0,
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.batch_size = batch_size
        self.lexicon = lexicon
        self.lexicon_dropout = lexicon_dropout
        self.seed = seed
        self.threads = threads
        self.ngram_buckets = ngram_buckets
        self.head_learning_rate = head_learning_rate
        self.adapter_rank = adapter_rank
        self._adapter: Any = None
        self._backend: Any = None
        self._frozen: Any = None
        self.companion_: Any = None
        self.companion_weight_ = 0.0
        self._lexicon: LexiconFeatures | None = None
        self._embedder: Any = None  # an Analyzer hands its embedder in (see use_embedder)

    labels: tuple[str, ...] = LABELS

    def use_embedder(self, embedder: Any) -> None:
        """Share ``embedder`` (an instance of USE): its loaded model serves as this model's
        backend when it has one, so a caller holding one (the
        :class:`voc.analysis.Analyzer`) does not load USE twice."""
        self._embedder = embedder

    # -- features ------------------------------------------------------------------------
    def _use_backend(self) -> Any:
        if self._backend is None:
            embedder = self._embedder
            if embedder is not None and hasattr(embedder, "_load"):
                model = embedder._load()
                if hasattr(model, "_forward"):
                    self._backend = model
            if self._backend is None:
                from voc.models.use_fast import FastUseBackend

                self._backend = FastUseBackend(threads=self.threads)
        return self._backend

    @property
    def pooled_dim(self) -> int:
        """Columns of the pooled features this model reads."""
        return 1281 + self.adapter_rank  # voc.models.use_tuned.POOLED_DIM + the adapter's

    @property
    def pooled_cache_name(self) -> str:
        """Name of its pooled features in the store's cache (the adapter's columns are
        this model's own, so they are cached under its weights' digest)."""
        if not self.adapter_rank:
            return "pooled"
        import hashlib

        weights = self._adapter_weights()
        assert weights is not None  # adapter_rank > 0
        a, b = weights
        return f"pooled-adapter-{hashlib.sha1(a.tobytes() + b.tobytes()).hexdigest()[:12]}"

    def _adapter_weights(self) -> tuple[np.ndarray, np.ndarray] | None:
        if not self.adapter_rank:
            return None
        if self._adapter is None:
            net = self.network_
            self._adapter = tuple(
                p.detach().float().numpy().copy() for p in (net.adapter_A, net.adapter_b)
            )
        return self._adapter

    def pooled(self, texts: Sequence[str]) -> np.ndarray:
        """Pooled features of ``texts`` (one USE pass)."""
        return self.embed_with_pooled(texts)[1]

    def embed_with_pooled(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """USE unit vectors (the topic embedding) and pooled features, one pass."""
        from voc.models.use_tuned import pooled_and_vectors

        return pooled_and_vectors(self._use_backend(), texts, self._adapter_weights())

    def _bags(self, texts: Sequence[str], languages: Sequence[str]) -> Any:
        if not self.ngram_buckets:
            return None
        return hash_ngrams(list(texts), list(languages), self.ngram_buckets)

    def _extra(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray | None:
        if not self.lexicon:
            return None
        if self._lexicon is None:
            self._lexicon = LexiconFeatures()
        return self._lexicon.transform(list(texts), list(languages))

    # -- training ------------------------------------------------------------------------
    def fit(
        self,
        pooled: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str],
        targets: np.ndarray,
        sample_weight: np.ndarray | None = None,
        dev: tuple[np.ndarray, Sequence[str], Sequence[str], np.ndarray] | None = None,
        checkpoint_dir: str | Path | None = None,
        progress: bool = True,
        tokens: Any = None,
    ) -> TunedSentimentModel:
        """Fine-tune on pooled features and probability targets.

        Args:
            pooled: float32 ``(n, POOLED_DIM)`` (:func:`voc.models.use_tuned.pooled_features`).
            texts: The n texts (for the lexicon).
            languages: ISO 639-1 code per text.
            targets: float32 ``(n, 3)`` class probabilities per row (or int labels ``(n,)``).
            sample_weight: Optional weight per row (mixing data sets).
            dev: ``(pooled, texts, languages, int labels)`` (then, with an adapter, their
                TokenFeatures): the epoch with the best dev macro-F1 is kept (the last one
                without).
            checkpoint_dir: Writes ``epoch-K.pt`` after each epoch and resumes from the
                latest one found (same data and settings assumed).
            progress: Show a progress bar on stderr.
            tokens: The rows' :class:`voc.models.use_tuned.TokenFeatures` (adapter only).

        Returns:
            self, fitted.
        """
        import torch

        from voc.models.use_tuned import top_network

        targets = np.asarray(targets)
        if targets.ndim == 1:
            targets = np.eye(len(LABELS), dtype=np.float32)[targets]
        n = len(pooled)
        if n == 0 or len(targets) != n or len(texts) != n or len(languages) != n:
            raise VocError(
                f"fit needs as many pooled rows, texts, languages and targets; got {n}, "
                f"{len(texts)}, {len(languages)}, {len(targets)}"
            )
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        # Denormal floats in the small updates cost ~40 % of the step time on this CPU.
        torch.set_flush_denormal(True)
        try:
            from voc.models.sentiment_fit import fit_loop

            return fit_loop(
                self,
                torch,
                top_network,
                pooled,
                texts,
                languages,
                targets,
                sample_weight,
                dev,
                checkpoint_dir,
                progress,
                tokens,
            )
        finally:
            torch.set_num_threads(previous_threads)
            torch.set_flush_denormal(False)  # torch's default

    # -- prediction ----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise VocError("this TunedSentimentModel is not fitted yet: call fit() or load()")

    def predict_proba(
        self, texts: Sequence[str], languages: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Class probabilities ``(len(texts), 3)``, columns in :data:`LABELS` order.

        Args:
            texts: The texts.
            languages: ISO 639-1 code per text.
            embeddings: Their pooled features; computed (one USE pass) when None.
        """
        import torch

        self._check_fitted()
        if len(languages) != len(texts):
            raise VocError(f"got {len(texts)} texts but {len(languages)} languages")
        if not len(texts):
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        pooled = self.pooled(texts) if embeddings is None else np.asarray(embeddings, np.float32)
        extra = self._extra(texts, languages)
        bag = bag_batch(self._bags(texts, languages), np.arange(len(texts)))
        previous = torch.get_num_threads()
        if previous != self.threads:
            torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                features = torch.from_numpy(np.ascontiguousarray(pooled))
                logits = self.network_(
                    features, None if extra is None else torch.from_numpy(extra), bag
                )
                probabilities = torch.softmax(logits, dim=1).numpy()
                if self.companion_ is not None and self.companion_weight_ > 0:
                    # USE's own unit vectors (the topic embedding), from the same features.
                    vectors = self._frozen_use().embed(features).numpy()
                    other = self._companion_proba(texts, languages, vectors, extra)
                    w = self.companion_weight_
                    probabilities = (1 - w) * probabilities + w * other
                return probabilities.astype(np.float32)
        finally:
            if previous != self.threads:
                torch.set_num_threads(previous)

    def _companion_proba(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        vectors: np.ndarray,
        extra: np.ndarray | None,
    ) -> np.ndarray:
        """The companion's probabilities, reusing the lexicon scores already computed
        (VADER is the slowest part of both heads)."""
        companion = self.companion_
        head = companion._fitted_head()
        parts = [vectors]
        if companion.lexicon:
            parts.append(
                extra
                if extra is not None
                else LexiconFeatures().transform(list(texts), list(languages))
            )
        bags = companion._bags(head, list(texts), list(languages))
        return head.predict_proba(np.hstack(parts).astype(np.float32), bags)

    def _frozen_use(self) -> Any:
        if self._frozen is None:
            from voc.models.use_tuned import top_network

            self._frozen = top_network(dropout=0.0).eval()
        return self._frozen

    def blend(self, companion: Any, weight: float) -> TunedSentimentModel:
        """Average the probabilities with ``companion`` (a :class:`SentimentModel` over
        USE's frozen unit vectors, e.g. models/sentiment/v2's head): ``(1 - weight) *
        ours + weight * companion``. Both read the one USE pass."""
        self.companion_ = companion
        self.companion_weight_ = float(weight)
        return self

    def predict_records(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        piece_embeddings: np.ndarray,
        pieces: Sequence[Sequence[int]],
        weights: Sequence[Sequence[float]],
    ) -> np.ndarray:
        """Class probabilities of whole records from their pieces' pooled features.

        Token sums add up, so a record's pooled features are its pieces' summed
        (:func:`voc.models.use_tuned.record_pooled`): the whole text read at once, with
        no second pass; the lexicon reads the whole text. ``weights`` is unused (kept for
        the interface of :meth:`SentimentModel.predict_records`).
        """
        from voc.models.use_tuned import record_pooled

        del weights
        n_classes = len(LABELS)
        out = np.full((len(texts), n_classes), 1.0 / n_classes, dtype=np.float32)
        keep = [i for i, rows in enumerate(pieces) if len(rows)]
        if not keep:
            return out
        records = np.zeros((len(keep), self.pooled_dim), dtype=np.float32)
        for j, i in enumerate(keep):
            records[j] = record_pooled(np.asarray(piece_embeddings)[list(pieces[i])])
        out[keep] = self.predict_proba(
            [texts[i] for i in keep], [languages[i] for i in keep], records
        )
        return out

    def predict(
        self, texts: Sequence[str], languages: Sequence[str], embeddings: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """``(label, p(positive) - p(negative))`` per text."""
        probabilities = self.predict_proba(texts, languages, embeddings)
        return [
            (LABELS[int(row.argmax())], round(float(row[2] - row[0]), 4)) for row in probabilities
        ]

    # -- persistence ---------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "dropout": self.dropout,
            "batch_size": self.batch_size,
            "lexicon": self.lexicon,
            "lexicon_dropout": self.lexicon_dropout,
            "seed": self.seed,
            "ngram_buckets": self.ngram_buckets,
            "head_learning_rate": self.head_learning_rate,
            "adapter_rank": self.adapter_rank,
        }

    def save(self, directory: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write ``weights.safetensors`` (fp16: the fine-tuned layers and the output layer)
        and ``model.json``."""
        from safetensors.numpy import save_file

        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {
            k: v.detach().float().numpy().astype(np.float16)
            for k, v in self.network_.state_dict().items()
        }
        save_file(state, str(directory / _WEIGHTS))
        companion = None
        if self.companion_ is not None and self.companion_weight_ > 0:
            # The companion's head (weights and settings only; it reads USE's vectors).
            head = self.companion_._fitted_head()
            head.save(directory / "companion")
            companion = {
                "folder": "companion",
                "weight": self.companion_weight_,
                "lexicon": self.companion_.lexicon,
                "lexicon_dropout": self.companion_.lexicon_dropout,
            }
        manifest = {
            "format_version": FORMAT_VERSION,
            "kind": KIND,
            "embedder": self.embedder,
            "reads": "use-multilingual pooled token sums (voc.models.use_tuned)",
            "labels": list(LABELS),
            "lexicon": "vader-en" if self.lexicon else None,
            "n_extra": self.n_extra_,
            "weights_dtype": "float16",
            "companion": companion,
            "score": "p(positive) - p(negative)",
            **self._config(),
            **(metadata or {}),
        }
        (directory / _MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TunedSentimentModel:
        """Read a model written by :meth:`save`."""
        import torch
        from safetensors.numpy import load_file

        from voc.models.use_tuned import top_network

        directory = Path(directory)
        manifest = json.loads((directory / _MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("kind") != KIND:
            raise VocError(f"{directory} is not a {KIND} model (kind {manifest.get('kind')!r})")
        model = cls(**{k: manifest[k] for k in cls()._config() if k in manifest})
        state = {
            k: torch.from_numpy(v.astype(np.float32))
            for k, v in load_file(str(directory / _WEIGHTS)).items()
        }
        network = top_network(
            n_extra=int(manifest["n_extra"]),
            n_classes=len(LABELS),
            buckets=int(manifest.get("ngram_buckets", 0)),
            adapter_rank=int(manifest.get("adapter_rank", 0)),
        )
        network.load_state_dict(state)
        network.eval()
        model.network_ = network
        model.n_extra_ = int(manifest["n_extra"])
        companion = manifest.get("companion")
        if companion:
            from voc.models.sentiment import SentimentHead, SentimentModel

            head = SentimentHead.load(directory / companion["folder"])
            other = SentimentModel(
                embedder=DEFAULT_EMBEDDER,
                head=head,
                lexicon=bool(companion["lexicon"]),
                lexicon_dropout=companion["lexicon_dropout"],
            )
            other.head_ = head
            model.blend(other, companion["weight"])
        return model
