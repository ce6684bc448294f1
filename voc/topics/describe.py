"""What :class:`voc.topics.model.TopicModel` says about each topic once it is found:
c-TF-IDF keywords over a stable sample of its sentences, its phrase label
(:mod:`voc.topics.labels`), the label of its complaints (the same, over its negative
sentences: what its pain point is called) and its representative quotes.

:class:`DescribingSteps` is a mixin: its methods read the model's parameters
(``n_keywords``, ``keyword_sample``, ``keyword_chars``, ``n_quotes``, ...) from ``self``
and are only used by :class:`~voc.topics.model.TopicModel`; :func:`c_tf_idf` and
:func:`make_label` are usable on their own.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from voc.topics.clustering import _unit_rows
from voc.topics.labels import PhraseLabeler, TopicLabel, complaint_labeler
from voc.topics.results import OTHER, OTHER_LABEL
from voc.topics.tokens import KeywordTokenizer, TextTerms, keyword_language

__all__ = ["DescribingSteps", "c_tf_idf", "make_label"]


class DescribingSteps:
    """The describing half of :class:`~voc.topics.model.TopicModel` (a mixin)."""

    n_keywords: int
    keyword_sample: int
    keyword_chars: int
    n_quotes: int
    quote_dedupe_cosine: float
    tokenizer: KeywordTokenizer | None
    label_embedder: Any
    to_space: Callable[[np.ndarray], np.ndarray]
    label_language: str
    complaint_min_sentences: int

    def _keywords(
        self,
        labels: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None],
        order: np.ndarray,
        k: int,
    ) -> tuple[list[list[tuple[str, float]]], list[str], list[tuple[list[TextTerms], list[str]]]]:
        # The same hash order as the sample, so a topic's keyword sample is stable too.
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        chosen: dict[int, np.ndarray] = {}
        for topic in [*range(k), OTHER]:
            members = np.flatnonzero(labels == topic)
            picked = members[np.argsort(rank[members], kind="stable")][: self.keyword_sample]
            # Long texts (whole complaints, reviews) stop at a character budget: the
            # tagger's cost is per character, and a few dozen long texts say as much.
            lengths = np.fromiter((len(texts[r]) for r in picked.tolist()), np.int64, len(picked))
            before = np.cumsum(lengths) - lengths
            chosen[topic] = picked[before < self.keyword_chars]
        rows = np.concatenate(list(chosen.values())) if chosen else np.zeros(0, dtype=np.intp)
        tokenizer = self._tokenizer()
        row_list = rows.tolist()
        # One spaCy pass per sampled sentence gives both the keywords and the label phrases.
        terms = tokenizer.terms([texts[r] for r in row_list], [languages[r] for r in row_list])
        terms_of = dict(zip(row_list, terms, strict=True))
        counts = {
            topic: _class_counts([terms_of[r].tokens for r in members])
            for topic, members in chosen.items()
        }
        weights = c_tf_idf(counts)
        keywords = [weights.get(topic, [])[: self.n_keywords] for topic in range(k)]
        other = [word for word, _ in weights.get(OTHER, [])[: self.n_keywords]]
        sampled = [
            (
                [terms_of[r] for r in chosen[topic].tolist()],
                [keyword_language(texts[r], languages[r]) for r in chosen[topic].tolist()],
            )
            for topic in range(k)
        ]
        return keywords, other, sampled

    def _labels(
        self,
        sampled: list[tuple[list[TextTerms], list[str]]],
        keywords: list[list[tuple[str, float]]],
        centroids: np.ndarray,
    ) -> list[TopicLabel]:
        """Each topic's phrase label (:mod:`voc.topics.labels`)."""
        labeler = PhraseLabeler(embedder=self._label_embedder(), language=self.label_language)
        return labeler.label_topics(
            [terms for terms, _ in sampled],
            [codes for _, codes in sampled],
            _unit_rows(centroids),
            [make_label([w for w, _ in words]) for words in keywords],
        )

    def _complaint_labels(
        self,
        labels: np.ndarray,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None],
        order: np.ndarray,
        negative: np.ndarray,
        centroids: np.ndarray,
    ) -> list[TopicLabel | None]:
        """Each topic's complaint label: a key phrase of its *negative* sentences, ranked
        against their centroid (what a pain point is called; :mod:`voc.topics.labels`),
        none said more in the topic's other sentences (praise); None for a topic with
        fewer than ``complaint_min_sentences`` negative sentences.

        The negative sentences are sampled as the keywords' (hash order, at most
        ``keyword_sample`` and ``keyword_chars``); those already in the keyword sample,
        and the other sentences (all from it), come from the tagger's cache, so only the
        other negative ones are tagged.
        """
        k = len(centroids)
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        complaint_centroids = _unit_rows(centroids).copy()
        rows: list[list[int]] = []
        # The topic's other sentences of its keyword sample (tagged already): a phrase
        # said more there than in its complaints is praise, not what is wrong.
        other_rows: list[list[int]] = []
        language_centroids: dict[tuple[int, str], np.ndarray] = {}

        def sample(members: np.ndarray) -> list[int]:
            picked = members[np.argsort(rank[members], kind="stable")][: self.keyword_sample]
            lengths = np.fromiter((len(texts[r]) for r in picked.tolist()), np.int64, len(picked))
            before = np.cumsum(lengths) - lengths
            return [int(r) for r in picked[before < self.keyword_chars].tolist()]

        for topic in range(k):
            members = np.flatnonzero((labels == topic) & negative)
            if len(members) < self.complaint_min_sentences:
                rows.append([])
                other_rows.append([])
                continue
            complaint_centroids[topic] = _unit_rows(vectors[members].mean(axis=0, keepdims=True))[0]
            # A topic in two languages: each language's phrases are ranked against its own
            # complaints (the English label of mostly Japanese payment errors is judged by
            # the English ones, not by a centroid the Japanese sentences make).
            codes = np.array([keyword_language(texts[r], languages[r]) for r in members.tolist()])
            if len(set(codes.tolist())) > 1:
                for code in set(codes.tolist()):
                    mine = members[codes == code]
                    if len(mine) >= self.complaint_min_sentences:
                        language_centroids[(topic, code)] = _unit_rows(
                            vectors[mine].mean(axis=0, keepdims=True)
                        )[0]
            rows.append(sample(members))
            other_rows.append(
                [r for r in sample(np.flatnonzero(labels == topic)) if not negative[r]]
            )
        flat = [r for topic_rows in (*rows, *other_rows) for r in topic_rows]
        terms = self._tokenizer().terms([texts[r] for r in flat], [languages[r] for r in flat])
        terms_of = dict(zip(flat, terms, strict=True))
        labeler = complaint_labeler(self._label_embedder(), self.label_language)
        found = labeler.label_topics(
            [[terms_of[r] for r in topic_rows] for topic_rows in rows],
            [[keyword_language(texts[r], languages[r]) for r in topic_rows] for topic_rows in rows],
            complaint_centroids,
            [""] * k,
            [[terms_of[r] for r in topic_rows] for topic_rows in other_rows],
            language_centroids,
        )
        return [label if label.phrases else None for label in found]

    def _label_embedder(self) -> Any:
        """The embedder of label phrases (``label_embedder``, loaded once by name)."""
        embedder = self.label_embedder
        if embedder is None:
            from voc.models.embedders import DEFAULT_EMBEDDER

            embedder = DEFAULT_EMBEDDER
        if isinstance(embedder, str):
            if embedder == "none":
                return None
            from voc.models.embedders import get_embedder

            embedder = self.label_embedder = get_embedder(embedder)
        return _InSpace(embedder, self.to_space)

    def _tokenizer(self) -> KeywordTokenizer:
        if self.tokenizer is None:
            self.tokenizer = KeywordTokenizer()
        return self.tokenizer

    def _quotes(
        self,
        members: np.ndarray,
        similarities: np.ndarray,
        vectors: np.ndarray,
        texts: Sequence[str],
    ) -> list[int]:
        if not len(members) or self.n_quotes <= 0:
            return []
        ranked = members[np.argsort(-similarities[members], kind="stable")][:200]
        # Very short sentences ("Love it.") are near every centroid but tell nothing.
        informative = [row for row in ranked.tolist() if _informative(texts[row])]
        candidates = informative or ranked.tolist()
        picked: list[int] = []
        seen: set[str] = set()
        for row in candidates:
            key = " ".join(texts[row].casefold().split())
            if key in seen:
                continue
            if picked and float(np.max(vectors[picked] @ vectors[row])) >= self.quote_dedupe_cosine:
                continue
            picked.append(row)
            seen.add(key)
            if len(picked) == self.n_quotes:
                break
        return picked


def c_tf_idf(counts: dict[Any, Counter[str]]) -> dict[Any, list[tuple[str, float]]]:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): each class's words, best first.

    ``weight(w, c) = tf(w, c) * log(1 + A / f(w))``, where ``tf`` is the word's share of
    the class's tokens, ``A`` the mean number of tokens per class and ``f(w)`` the word's
    count over all classes. A word needs two occurrences in its class (one is a typo or a
    name, not a topic). :class:`TopicModel` counts a word once per sentence.

    Args:
        counts: Token counts per class.
    """
    totals: Counter[str] = Counter()
    for counter in counts.values():
        totals.update(counter)
    non_empty = [sum(counter.values()) for counter in counts.values() if counter]
    mean_tokens = float(np.mean(non_empty)) if non_empty else 0.0
    result: dict[Any, list[tuple[str, float]]] = {}
    for key, counter in counts.items():
        class_total = sum(counter.values())
        scored = [
            (word, (count / class_total) * math.log(1.0 + mean_tokens / totals[word]))
            for word, count in counter.items()
            if count >= 2
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        result[key] = scored
    return result


def make_label(keywords: Sequence[str], n_words: int = 3) -> str:
    """A short label from keywords: the first ``n_words``, joined by `` · ``;
    ``"other"`` when there are none."""
    words = [word for word in keywords if word][:n_words]
    return " · ".join(words) if words else OTHER_LABEL


def _class_counts(token_lists: Sequence[Sequence[str]]) -> Counter[str]:
    """Sentences of a class that use each word: a word repeated in one long text counts
    once (on the app reviews this raised NPMI from -0.07 to -0.03 at the same NMI)."""
    counter: Counter[str] = Counter()
    for tokens in token_lists:
        counter.update(set(tokens))
    return counter


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _informative(text: str) -> bool:
    """Long enough to quote: 12 characters, or 6 in Japanese (denser per character)."""
    length = len(text.strip())
    return length >= 12 or (length >= 6 and _CJK.search(text) is not None)


class _InSpace:
    """An embedder whose vectors land in the topics' space (``TopicModel.to_space``), so
    label phrases are ranked against centroids of the same space."""

    def __init__(self, embedder: Any, to_space: Any) -> None:
        self.embedder = embedder
        self.to_space = to_space
        self.name = getattr(embedder, "name", "embedder")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.to_space(self.embedder.embed(list(texts)))
