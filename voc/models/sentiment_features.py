"""The sentiment heads' text features besides the embedding, for English texts: VADER's
lexicon scores (:class:`LexiconFeatures`) and hashed word n-grams (:func:`hash_ngrams`,
fed to a torch ``EmbeddingBag`` by :func:`bag_batch`). Other languages get "absent"
features (zeros), so they are read from the cross-lingual embedding alone. Used by the
v1/v2 model (:mod:`voc.models.sentiment`) and v3 (:mod:`voc.models.sentiment_tuned`).
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from voc.errors import MissingDependencyError

__all__ = ["Bags", "LexiconFeatures", "bag_batch", "hash_ngrams"]


#: Hashed n-grams of many rows in CSR form: ``(indptr, ids)``, where the ids of row ``i``
#: are ``ids[indptr[i]:indptr[i + 1]]`` (``indptr`` has one more entry than there are rows).
Bags = tuple[np.ndarray, np.ndarray]

_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']", re.UNICODE)


def hash_ngrams(texts: Sequence[str], languages: Sequence[str], buckets: int) -> Bags:
    """Hashed word unigrams and bigrams of the English texts (other languages get none).

    Only English: the only other-language training data (chABSA, company reports) would
    teach n-grams of the wrong domain; Japanese relies on the cross-lingual embedding.
    CRC32 makes the ids the same in every process (Python's ``hash`` is salted).

    Returns:
        The n-gram ids per text, as :data:`Bags`.
    """
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    chunks: list[np.ndarray] = []
    for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
        ids: list[int] = []
        if language == "en":
            tokens = _WORD.findall(text.lower())
            grams = tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
            ids = [zlib.crc32(gram.encode("utf-8")) % buckets for gram in grams]
        chunks.append(np.asarray(ids, dtype=np.int64))
        indptr[i + 1] = indptr[i] + len(ids)
    flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    return indptr, flat


def bag_batch(bags: Bags | None, rows: np.ndarray) -> tuple[Any, Any, Any] | None:
    """The torch inputs of an EmbeddingBag for some rows: ids, offsets, per-id weights."""
    if bags is None:
        return None
    import torch

    indptr, flat = bags
    lengths = indptr[rows + 1] - indptr[rows]
    ids = np.concatenate([flat[indptr[r] : indptr[r + 1]] for r in rows]) if len(rows) else flat[:0]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(rows) else lengths
    # Each text's n-grams sum to a vector of norm ~1 whatever its length (1/sqrt(count)).
    weights = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths).astype(np.float32)
    return (
        torch.from_numpy(ids.astype(np.int64)),
        torch.from_numpy(offsets.astype(np.int64)),
        torch.from_numpy(weights),
    )


class LexiconFeatures:
    """VADER's four scores for English texts, "absent" for every other language.

    Features per text: ``neg, neu, pos, compound, present`` where ``present`` is 1 when
    the lexicon scored the text (English) and 0 otherwise (all five are then 0).
    """

    n_features = 5
    #: Texts whose scores are remembered (VADER is the slowest part of the sentiment
    #: models; the same clause recurs, and a one-clause record is scored as a sentence
    #: and again as a record). Cleared when full.
    memo_size = 100_000

    def __init__(self) -> None:
        self._analyser: Any = None
        self._memo: dict[str, tuple[float, float, float, float, float]] = {}

    def _load(self) -> Any:
        if self._analyser is None:
            try:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
            except ImportError as e:
                raise MissingDependencyError(
                    "the sentiment model's English lexicon needs vaderSentiment: "
                    "pip install vaderSentiment==3.3.2"
                ) from e
            self._analyser = SentimentIntensityAnalyzer()
        return self._analyser

    def transform(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        """Shape ``(len(texts), 5)`` float32."""
        out = np.zeros((len(texts), self.n_features), dtype=np.float32)
        english = [i for i, language in enumerate(languages) if language == "en"]
        if english:
            analyser = self._load()
            memo = self._memo
            for i in english:
                row = memo.get(texts[i])
                if row is None:
                    if len(memo) >= self.memo_size:
                        memo.clear()
                    scores = analyser.polarity_scores(texts[i])
                    row = memo[texts[i]] = (
                        scores["neg"],
                        scores["neu"],
                        scores["pos"],
                        scores["compound"],
                        1.0,
                    )
                out[i] = row
        return out
