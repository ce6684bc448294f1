# Over 600 lines because the topic model's fit (sampling, fine k-means, linkage merges, the
# max-share split), assignment and c-TF-IDF keywords share private helpers; labels live in
# labels.py and the store side in store.py.
"""Topics over sentence embeddings: spherical k-means with an explained k, c-TF-IDF labels.

The model works on L2-normalised sentence embeddings (any :mod:`voc.models.embedders`
embedder; the multilingual default puts English and Japanese on one subject together), so
cosine similarity is a dot product and every step is a matrix product. No dimension
reduction: it did not pay. Clustering 100,000 sentences (512-d USE vectors, a 20,000
sample) takes about 6 s on 2 cores, while PCA to 128 dimensions of a 10,000 sample alone
took 8 s; UMAP costs far more (BERTopic's default, see ``bench/topics.py``).

How :meth:`TopicModel.fit` finds topics:

1. **Sample.** Clustering runs on at most ``sample_size`` sentences, chosen by a hash of
   each sentence's id (or text), so the same data gives the same sample whatever its
   order, and a week more data keeps most of last week's sample.
2. **Fine clusters.** k-means (scikit-learn, fixed seed, random initial centres: the
   k-means++ initialisation cost 30x more here for no better topics) cuts the sample
   into fine clusters of about ``fine_cluster_size`` sentences (at most
   ``max_fine_clusters``).
3. **k, explained.** Fine clusters are merged by complete-linkage agglomerative
   clustering on their centroids' cosine: two fine clusters end in one topic only when
   every pair of fine centroids in it is at least ``merge_cosine`` similar. Groups that
   would hold fewer than ``min_topic_size`` sentences (or ``min_topic_share`` of them,
   whichever is more) are dropped (their sentences go to the nearest topic). A few
   spherical k-means (Lloyd) steps over the sample then settle the topics (a topic that
   falls under the minimum is removed), and topics whose centroids are at least
   ``topic_merge_cosine`` similar (average linkage) are joined: complete linkage on small
   fine clusters is strict, and this is what puts an English and a Japanese cluster on
   one subject together (their centroids sit at about 0.8, different subjects under
   0.45) and folds near-duplicate topics. k is whatever remains: :attr:`TopicFit.selection`
   says how many fine clusters, groups, drops and joins produced it.
4. **Seeds from last week** (optional ``seed_centroids``, the registry's centroids): the
   known topics, plus each topic of step 3 that is less than ``merge_cosine`` similar to
   every known one (a new subject), are refined together. Known topics are never joined
   to each other here, so a refit keeps last week's cuts unless the data moved them,
   and a new subject still becomes a new topic.
5. **Same data, same topics.** Every random step has a fixed seed and the sample's order
   is the hash order, so the same sentences in any order give the same topics.
6. **Assignment.** Every sentence goes to its nearest final centroid, and those centroids
   are never recomputed afterwards, so :meth:`TopicModel.assign` on the same vector gives
   the same topic by construction. A sentence whose cosine to its nearest centroid is
   below the threshold is ``-1`` ("other"); the threshold is ``min_similarity`` or, when
   that would leave more than ``max_other_share`` of the sentences out, the cosine at that
   quantile, so "other" stays small but visible.

Each topic then gets keywords by class-based TF-IDF over language-aware lemmas
(:mod:`voc.topics.tokens`) of a sample of its sentences, a label from its top keywords
("size · small · run"), and its most representative sentences (nearest the centroid,
near-duplicates dropped) as quotes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voc.errors import VocError
from voc.topics.labels import PhraseLabeler, TopicLabel
from voc.topics.tokens import KeywordTokenizer, TextTerms, keyword_language

__all__ = ["OTHER", "OTHER_LABEL", "KSelection", "Topic", "TopicFit", "TopicModel"]

logger = logging.getLogger(__name__)

#: Topic index (and topic id) of sentences close to no topic.
OTHER = -1
OTHER_LABEL = "other"


@dataclass(frozen=True)
class Topic:
    """One topic of a fit.

    Attributes:
        index: Its index in the fit (0 is the largest); the registry maps it to a stable id.
        size: Sentences assigned to it.
        label: A short phrase its sentences use, nearest its centroid (e.g. ``"runs
            small"``, ``"決済エラー"``; :mod:`voc.topics.labels`), or its top keywords
            (``"size · small · run"``) when no phrase repeats.
        keywords: Top keywords, best first (lemmas; Japanese dictionary forms).
        keyword_scores: Their c-TF-IDF weights.
        centroid: float32 ``(dim,)``, unit length: what :meth:`TopicModel.assign` compares to.
        quotes: The most representative sentences, nearest the centroid first.
        quote_rows: Their row numbers in the fitted input.
        languages: Sentences per language code.
        aliases: The label in each language the topic has (``{"en": ..., "ja": ...}``).
        phrases: Key phrases, best first (the label first), in the label's language.
        label_language: The label's language.
    """

    index: int
    size: int
    label: str
    keywords: tuple[str, ...]
    keyword_scores: tuple[float, ...]
    centroid: np.ndarray
    quotes: tuple[str, ...]
    quote_rows: tuple[int, ...]
    languages: dict[str, int]
    aliases: dict[str, str] = field(default_factory=dict)
    phrases: tuple[str, ...] = ()
    label_language: str = ""


@dataclass(frozen=True)
class KSelection:
    """How the number of topics came about (step 3 of the module docstring).

    Attributes:
        sample_size: Sentences clustered.
        fine_clusters: Fine k-means clusters.
        groups: Groups after merging fine clusters at ``merge_cosine``.
        dropped_small: Groups under ``min_topic_size``, dropped.
        seeded: Topics that started from ``seed_centroids``.
        removed_in_refinement: Topics that fell under ``min_topic_size`` while refining.
        k: Topics in the fit.
        merge_cosine: The fine-cluster threshold used (``merge_cosine``, or higher to keep
            keep every topic under ``max_topic_share``).
        merged_topics: Topics joined because their centroids were at least
            ``topic_merge_cosine`` similar (step 5).
        topic_merge_cosine: That threshold (None: off).
    """

    sample_size: int
    fine_clusters: int
    groups: int
    dropped_small: int
    seeded: int
    removed_in_refinement: int
    k: int
    merge_cosine: float
    merged_topics: int = 0
    topic_merge_cosine: float | None = None


@dataclass(frozen=True)
class TopicFit:
    """What :meth:`TopicModel.fit` found (the model's ``fit_result_``).

    Attributes:
        topics: The topics, largest first (``topics[i].index == i``).
        labels: int ``(n,)``: topic index of each sentence, ``-1`` for other.
        similarities: float32 ``(n,)``: cosine of each sentence to its nearest centroid.
        threshold: Cosine under which a sentence is other.
        other_keywords: Keywords of the sentences left as other (what is being missed).
        selection: How k was chosen.
        timings: Seconds per step (``cluster``, ``assign``, ``keywords``, ``quotes``).
    """

    topics: list[Topic]
    labels: np.ndarray
    similarities: np.ndarray
    threshold: float
    other_keywords: tuple[str, ...]
    selection: KSelection
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_topics(self) -> int:
        """Number of topics (other not counted)."""
        return len(self.topics)

    @property
    def other_share(self) -> float:
        """Share of sentences left as other (unassigned)."""
        return float(np.mean(self.labels == OTHER)) if len(self.labels) else 0.0

    @property
    def centroids(self) -> np.ndarray:
        """float32 ``(k, dim)``: the topic centroids in index order."""
        return np.vstack([topic.centroid for topic in self.topics]).astype(np.float32)


class TopicModel:
    """Clusters sentence embeddings into topics, labels them, assigns new sentences.

    Args:
        min_topic_size: Fewest sentences a topic may have.
        min_topic_share: Smallest share of the sentences a topic may have: on large inputs
            the floor is ``min_topic_share * n`` rather than ``min_topic_size``, so that a
            digest of 100,000 sentences shows tens of topics, not hundreds (0.005: about
            70 topics on 100,000 clothing-review sentences, against about 100 at 0.002,
            and fewer near-duplicate topics whose shared borders move at every refit).
        merge_cosine: Fine clusters whose centroids are all at least this similar form one
            topic (complete linkage). Higher gives more, narrower topics. 0.55 suits the
            multilingual USE embedder (two paraphrases score about 0.7-0.8; two sentences
            about the same product aspect about 0.5).
        topic_merge_cosine: Topics whose centroids are at least this similar are joined
            (average linkage); None turns it off. 0.75 joins one subject across languages
            and near-duplicates; on the app reviews it costs 0.008 NMI and gains 0.009 ARI,
            and it makes refits from scratch keep more ids (0.68 against 0.58).
        fine_cluster_size: Target sentences per fine cluster.
        max_fine_clusters: Cap on fine clusters (bounds the cost on large samples).
        max_topic_share: Largest share of the sentences one topic may hold: the
            fine-cluster cut is raised above ``merge_cosine`` until no group is bigger, and
            close topics stay apart when joined they would be. Texts all about one broad
            subject (whole clothing reviews) otherwise merge into one or two topics that
            say nothing. 1 turns it off.
        refine_steps: Spherical k-means steps after merging.
        min_similarity: Cosine to the nearest centroid under which a sentence is other.
        max_other_share: Most sentences the threshold may leave as other at fit time.
        n_keywords: Keywords kept per topic.
        keyword_sample: Sentences per topic tokenised for keywords (the English tagger is
            the slow part of a fit; a few hundred sentences give the same top words).
        n_quotes: Representative sentences per topic.
        quote_dedupe_cosine: Two quotes at least this similar count as one.
        random_state: Seed of every random step.
        tokenizer: Keyword tokenizer; a default :class:`KeywordTokenizer` when None.
        label_embedder: Embeds candidate label phrases: the embedder the sentences were
            embedded with, or its name (default ``use-multilingual``, the pipeline's);
            ``"none"`` ranks phrases without embeddings.
        label_language: The language a topic's label is in when it has several (the
            digest's); the others are its aliases.

    Attributes set by :meth:`fit`:
        centroids_: float32 ``(k, dim)``, unit rows.
        threshold_: The other threshold.
        topic_ids_: int ``(k,)``: the id :meth:`assign` reports per topic index (the
            index itself until :meth:`set_topic_ids`).
        labels_: The topic labels, by index.
        fit_result_: The :class:`TopicFit` of the last fit: the topics and each sentence's
            topic (not saved: :meth:`load` gives a model ready for :meth:`assign` only).
    """

    def __init__(
        self,
        min_topic_size: int = 10,
        min_topic_share: float = 0.005,
        merge_cosine: float = 0.55,
        topic_merge_cosine: float | None = 0.75,
        fine_cluster_size: int = 10,
        max_fine_clusters: int = 400,
        max_topic_share: float = 0.3,
        sample_size: int = 20_000,
        refine_steps: int = 10,
        min_similarity: float = 0.35,
        max_other_share: float = 0.10,
        n_keywords: int = 10,
        keyword_sample: int = 150,
        n_quotes: int = 3,
        quote_dedupe_cosine: float = 0.95,
        random_state: int = 0,
        tokenizer: KeywordTokenizer | None = None,
        label_embedder: Any = None,
        label_language: str = "en",
    ) -> None:
        self.min_topic_size = min_topic_size
        self.min_topic_share = min_topic_share
        self.merge_cosine = merge_cosine
        self.topic_merge_cosine = topic_merge_cosine
        self.fine_cluster_size = fine_cluster_size
        self.max_topic_share = max_topic_share
        self.max_fine_clusters = max_fine_clusters
        self.sample_size = sample_size
        self.refine_steps = refine_steps
        self.min_similarity = min_similarity
        self.max_other_share = max_other_share
        self.n_keywords = n_keywords
        self.keyword_sample = keyword_sample
        self.n_quotes = n_quotes
        self.quote_dedupe_cosine = quote_dedupe_cosine
        self.random_state = random_state
        self.tokenizer = tokenizer
        self.label_embedder = label_embedder
        self.label_language = label_language

    # -- fitting -----------------------------------------------------------------------

    def fit(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
        ids: Sequence[Hashable] | None = None,
        seed_centroids: np.ndarray | None = None,
    ) -> TopicModel:
        """Find topics in sentences.

        Args:
            embeddings: float32 ``(n, dim)`` sentence embeddings (normalised here anyway).
            texts: The n sentences (already redacted: quotes are taken from them).
            languages: ISO 639-1 code per sentence, for keyword tokens; None: by script.
            ids: Stable id per sentence (e.g. ``sentence_id``): fixes the sample whatever
                the row order. The text itself when None (repeated texts by row).
            seed_centroids: float ``(m, dim)`` centroids of the topics known so far (the
                registry's, :meth:`TopicRegistry.centroids`) to start from.

        Returns:
            self (scikit-learn's contract), ready for :meth:`assign`; the topics and each
            sentence's topic are in :attr:`fit_result_`.

        Raises:
            VocError: Inputs of different lengths, or fewer sentences than
                ``min_topic_size``.
        """
        vectors = _unit_rows(embeddings)
        n = vectors.shape[0]
        if len(texts) != n or (languages is not None and len(languages) != n):
            raise VocError(
                f"got {n} embeddings, {len(texts)} texts and "
                f"{'no' if languages is None else len(languages)} languages: pass one of "
                "each per sentence"
            )
        if ids is not None and len(ids) != n:
            raise VocError(f"got {n} embeddings but {len(ids)} ids: pass one id per sentence")
        if n < max(2, self.min_topic_size):
            raise VocError(
                f"{n} sentences are too few for topics of at least {self.min_topic_size}: "
                "fit on more data or lower min_topic_size"
            )
        timings: dict[str, float] = {}
        started = time.perf_counter()
        self.min_size_ = max(self.min_topic_size, math.ceil(self.min_topic_share * n))
        order = _hash_order(ids if ids is not None else texts)
        # Hash order, not row order: k-means depends on the order it sees rows in.
        sample = order[: self.sample_size]
        centroids, selection = self._cluster(vectors[sample], n, seed_centroids)
        timings["cluster"] = time.perf_counter() - started

        started = time.perf_counter()
        labels, similarities, centroids = self._final_assignment(vectors, centroids)
        # Largest topic first; ties by the centroid's bytes, which do not depend on order.
        sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
        ranking = sorted(range(len(centroids)), key=lambda i: (-sizes[i], centroids[i].tobytes()))
        centroids = centroids[ranking]
        remap = np.empty(len(ranking), dtype=np.intp)
        remap[ranking] = np.arange(len(ranking))
        threshold = self._threshold(similarities)
        labels = np.where(similarities >= threshold, remap[labels], OTHER).astype(np.intp)
        timings["assign"] = time.perf_counter() - started

        started = time.perf_counter()
        languages = list(languages) if languages is not None else [None] * n
        keywords, other_keywords, sampled = self._keywords(
            labels, texts, languages, order, len(centroids)
        )
        timings["keywords"] = time.perf_counter() - started

        started = time.perf_counter()
        topic_labels = self._labels(sampled, keywords, centroids)
        timings["labels"] = time.perf_counter() - started

        started = time.perf_counter()
        topics = []
        for index in range(len(centroids)):
            members = np.flatnonzero(labels == index)
            quote_rows = self._quotes(members, similarities, vectors, texts)
            words = keywords[index]
            named = topic_labels[index]
            topics.append(
                Topic(
                    index=index,
                    size=len(members),
                    label=named.label,
                    keywords=tuple(w for w, _ in words),
                    keyword_scores=tuple(round(s, 4) for _, s in words),
                    centroid=centroids[index].astype(np.float32),
                    quotes=tuple(texts[row] for row in quote_rows),
                    quote_rows=tuple(quote_rows),
                    languages=dict(Counter(str(languages[row]) for row in members)),
                    aliases=dict(named.aliases),
                    phrases=named.phrases,
                    label_language=named.language,
                )
            )
        timings["quotes"] = time.perf_counter() - started

        self.centroids_ = centroids.astype(np.float32)
        self.threshold_ = float(threshold)
        self.topic_ids_ = np.arange(len(centroids), dtype=np.int64)
        self.labels_ = [topic.label for topic in topics]
        selection = KSelection(**{**selection.__dict__, "k": len(centroids)})
        logger.info(
            "topics fitted: %d sentences, %d topics, other %.1f%%, %s",
            n,
            len(topics),
            100 * float(np.mean(labels == OTHER)),
            {key: round(value, 2) for key, value in timings.items()},
        )
        self.fit_result_ = TopicFit(
            topics=topics,
            labels=labels,
            similarities=similarities.astype(np.float32),
            threshold=float(threshold),
            other_keywords=tuple(other_keywords),
            selection=selection,
            timings=timings,
        )
        return self

    def _cluster(
        self, sample: np.ndarray, n_total: int, seed_centroids: np.ndarray | None
    ) -> tuple[np.ndarray, KSelection]:
        from sklearn.cluster import KMeans

        n_sample = sample.shape[0]
        # Sizes in the sample stand for sizes in the whole input.
        min_in_sample = max(2.0, self.min_size_ * n_sample / n_total)
        n_fine = int(min(self.max_fine_clusters, max(2, round(n_sample / self.fine_cluster_size))))
        n_fine = min(n_fine, n_sample)
        kmeans = KMeans(
            n_clusters=n_fine, n_init=1, max_iter=50, init="random", random_state=self.random_state
        ).fit(sample)
        fine = _unit_rows(kmeans.cluster_centers_)
        fine_sizes = np.bincount(kmeans.labels_, minlength=n_fine)
        # No topic over max_topic_share of the input: when every text is about one broad
        # subject (whole clothing reviews, all "about clothes"), complete linkage at
        # merge_cosine leaves one or two groups; the cut is then raised until none holds
        # more than that share.
        largest = self.max_topic_share * n_sample
        merge_cosine = self.merge_cosine
        while True:
            groups = self._group_fine(fine, merge_cosine)
            candidates = []
            dropped = 0
            for group in range(int(groups.max()) + 1):
                in_group = groups == group
                size = fine_sizes[in_group].sum()
                if size < min_in_sample:
                    dropped += 1
                    continue
                candidates.append((fine[in_group] * fine_sizes[in_group, None]).sum(axis=0))
            biggest = max(
                (fine_sizes[groups == g].sum() for g in range(int(groups.max()) + 1)), default=0
            )
            if biggest <= largest or merge_cosine >= 0.95 or n_fine < 2:
                break
            merge_cosine = round(merge_cosine + 0.025, 3)
        self.merge_cosine_ = merge_cosine
        n_groups = int(groups.max()) + 1
        if not candidates:
            # Everything is one diffuse mass: one topic, its mean.
            candidates.append(sample.mean(axis=0))
        centroids, removed = self._refine(sample, _unit_rows(np.vstack(candidates)), min_in_sample)
        merged_topics = 0
        if self.topic_merge_cosine is not None and len(centroids) > 1:
            centroids, merged_topics = self._merge_close_topics(sample, centroids)
            if merged_topics:
                centroids, removed_again = self._refine(sample, centroids, min_in_sample)
                removed += removed_again
        seeded = 0
        if seed_centroids is not None and len(seed_centroids):
            # Known topics are never merged with each other here: that would renumber
            # them at every refit. A fresh topic joins them only when it is a new subject.
            seeds = _unit_rows(seed_centroids)
            novel = (centroids @ seeds.T).max(axis=1) < self.merge_cosine
            centroids, removed_again = self._refine(
                sample, np.vstack([seeds, centroids[novel]]), min_in_sample
            )
            removed += removed_again
            seeded = len(seeds)
        selection = KSelection(
            sample_size=n_sample,
            fine_clusters=n_fine,
            groups=n_groups,
            dropped_small=dropped,
            seeded=seeded,
            removed_in_refinement=removed,
            k=len(centroids),
            merge_cosine=merge_cosine,
            merged_topics=merged_topics,
            topic_merge_cosine=self.topic_merge_cosine,
        )
        return centroids, selection

    def _group_fine(self, fine: np.ndarray, merge_cosine: float) -> np.ndarray:
        """Complete-linkage groups of the fine centroids at ``merge_cosine``."""
        from sklearn.cluster import AgglomerativeClustering

        if len(fine) < 2:
            return np.zeros(len(fine), dtype=np.intp)
        return AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="complete",
            distance_threshold=1.0 - merge_cosine,
        ).fit_predict(fine)

    def _merge_close_topics(
        self, sample: np.ndarray, centroids: np.ndarray
    ) -> tuple[np.ndarray, int]:
        """Join topics whose centroids are at least ``topic_merge_cosine`` similar (average
        linkage); the joined centroid is the mean of the members of both. Topics that
        joined would hold over ``max_topic_share`` of the sample stay apart."""
        from sklearn.cluster import AgglomerativeClustering

        groups = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=1.0 - float(self.topic_merge_cosine or 1.0),
        ).fit_predict(centroids)
        labels = np.argmax(sample @ centroids.T, axis=1)
        sizes = np.bincount(labels, minlength=len(centroids))
        for joined in range(int(groups.max()) + 1):
            members = np.flatnonzero(groups == joined)
            if len(members) > 1 and sizes[members].sum() > self.max_topic_share * len(sample):
                # Joined, they would be over max_topic_share: they stay apart.
                groups[members[1:]] = groups.max() + 1 + np.arange(len(members) - 1)
        groups = np.unique(groups, return_inverse=True)[1]
        n_groups = int(groups.max()) + 1
        if n_groups == len(centroids):
            return centroids, 0
        sums = _sum_by_label(sample, groups[labels], n_groups)
        # A group whose topics lost every sample member keeps its mean centroid.
        empty = np.linalg.norm(sums, axis=1) == 0
        for group in np.flatnonzero(empty):
            sums[group] = centroids[groups == group].mean(axis=0)
        return _unit_rows(sums), len(centroids) - n_groups

    def _refine(
        self, sample: np.ndarray, centroids: np.ndarray, min_size: float
    ) -> tuple[np.ndarray, int]:
        removed = 0
        for _ in range(self.refine_steps):
            labels = np.argmax(sample @ centroids.T, axis=1)
            sizes = np.bincount(labels, minlength=len(centroids))
            keep = sizes >= min_size
            if not keep.any():
                keep = sizes == sizes.max()
            removed += int((~keep).sum())
            if not keep.all():
                # Remove, then let the next step hand their sentences to the neighbours.
                centroids = centroids[keep]
                continue
            updated = _unit_rows(_sum_by_label(sample, labels, len(centroids)))
            if np.allclose(updated, centroids, atol=1e-6):
                break
            centroids = updated
        return centroids.astype(np.float32), removed

    def _final_assignment(
        self, vectors: np.ndarray, centroids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest centroid for every row; topics left under the minimum are removed (the
        centroids are not recomputed, so assign() reproduces these labels)."""
        while True:
            labels, similarities = _nearest(vectors, centroids)
            sizes = np.bincount(labels, minlength=len(centroids))
            small = sizes < self.min_size_
            if not small.any() or small.all():
                return labels, similarities, centroids
            centroids = centroids[~small]

    def _threshold(self, similarities: np.ndarray) -> float:
        if not len(similarities):
            return self.min_similarity
        at_share = float(np.quantile(similarities, self.max_other_share))
        return min(self.min_similarity, at_share)

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
            chosen[topic] = members[np.argsort(rank[members], kind="stable")][: self.keyword_sample]
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
        embedder = self.label_embedder
        if embedder is None:
            from voc.models.embedders import DEFAULT_EMBEDDER

            embedder = DEFAULT_EMBEDDER
        if isinstance(embedder, str):
            if embedder == "none":
                embedder = None
            else:
                from voc.models.embedders import get_embedder

                embedder = self.label_embedder = get_embedder(embedder)
        labeler = PhraseLabeler(embedder=embedder, language=self.label_language)
        return labeler.label_topics(
            [terms for terms, _ in sampled],
            [codes for _, codes in sampled],
            _unit_rows(centroids),
            [make_label([w for w, _ in words]) for words in keywords],
        )

    def warm_up(self) -> TopicModel:
        """Load what :meth:`fit` loads on first use (the English keyword tagger, k-means),
        so that a caller can report model loading apart from fitting time."""
        self._tokenizer()._pipeline("en")
        from sklearn.cluster import KMeans  # noqa: F401

        return self

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

    # -- using a fitted model ----------------------------------------------------------

    def _fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise VocError("the topic model is not fitted: call fit() or load() first")

    def assign(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Topic of new sentences without refitting: the nearest centroid, or other.

        Args:
            embeddings: float ``(n, dim)`` from the embedder the model was fitted with.

        Returns:
            ``(topic_ids, similarities)``: int64 ``(n,)`` topic ids (the index, or the
            registry's id after :meth:`set_topic_ids`; ``-1`` for other) and float32
            ``(n,)`` cosines to the nearest centroid. A sentence that was in the fit gets
            the topic the fit gave it.

        Raises:
            VocError: Not fitted, or vectors of another dimension.
        """
        self._fitted()
        vectors = _unit_rows(embeddings)
        if vectors.shape[0] and vectors.shape[1] != self.centroids_.shape[1]:
            raise VocError(
                f"embeddings have {vectors.shape[1]} dimensions, the topic model "
                f"{self.centroids_.shape[1]}: embed with the embedder it was fitted with"
            )
        if not vectors.shape[0]:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        labels, similarities = _nearest(vectors, self.centroids_)
        ids = np.where(similarities >= self.threshold_, self.topic_ids_[labels], OTHER)
        return ids.astype(np.int64), similarities.astype(np.float32)

    def set_topic_ids(self, topic_ids: Sequence[int] | np.ndarray) -> TopicModel:
        """Report stable ids from :meth:`assign`: ``topic_ids[i]`` for topic index ``i``
        (from :attr:`RegistryUpdate.topic_ids`). Returns self."""
        self._fitted()
        ids = np.asarray(topic_ids, dtype=np.int64)
        if ids.shape != (len(self.centroids_),):
            raise VocError(
                f"got {ids.shape[0]} topic ids for {len(self.centroids_)} topics: pass the "
                "registry update of this fit"
            )
        self.topic_ids_ = ids
        return self

    def save(self, path: str | Path) -> Path:
        """Write the fitted state (centroids, threshold, ids, labels, parameters) to a
        folder; :meth:`load` reads it back. Returns the folder."""
        self._fitted()
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "centroids.npy", self.centroids_)
        params = {
            key: value
            for key, value in self.__dict__.items()
            if not key.endswith("_") and key not in ("tokenizer", "label_embedder")
        }
        state = {
            "params": params,
            "threshold": self.threshold_,
            "topic_ids": self.topic_ids_.tolist(),
            "labels": self.labels_,
        }
        (folder / "topic_model.json").write_text(
            json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return folder

    @classmethod
    def load(cls, path: str | Path) -> TopicModel:
        """Read a model written by :meth:`save`."""
        folder = Path(path)
        try:
            state = json.loads((folder / "topic_model.json").read_text(encoding="utf-8"))
            centroids = np.load(folder / "centroids.npy")
        except (OSError, ValueError) as e:
            raise VocError(f"cannot read a topic model from {folder}: save one there first") from e
        model = cls(**state["params"])
        model.centroids_ = centroids.astype(np.float32)
        model.threshold_ = float(state["threshold"])
        model.topic_ids_ = np.asarray(state["topic_ids"], dtype=np.int64)
        model.labels_ = list(state["labels"])
        return model


# -- pieces, usable on their own -------------------------------------------------------


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


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise VocError(f"embeddings must be a 2-d array (n, dim), not shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _informative(text: str) -> bool:
    """Long enough to quote: 12 characters, or 6 in Japanese (denser per character)."""
    length = len(text.strip())
    return length >= 12 or (length >= 6 and _CJK.search(text) is not None)


def _sum_by_label(vectors: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per-label sums of rows, as one sparse matrix product (``np.add.at`` is slow)."""
    from scipy.sparse import csr_matrix

    onehot = csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(k, len(labels)),
    )
    return np.asarray(onehot @ vectors, dtype=np.float32)


def _nearest(
    vectors: np.ndarray, centroids: np.ndarray, batch: int = 8192
) -> tuple[np.ndarray, np.ndarray]:
    """Index of, and cosine to, the nearest centroid for each (unit) row, in batches."""
    labels = np.empty(vectors.shape[0], dtype=np.intp)
    similarities = np.empty(vectors.shape[0], dtype=np.float32)
    for start in range(0, vectors.shape[0], batch):
        block = vectors[start : start + batch] @ centroids.T
        best = np.argmax(block, axis=1)
        labels[start : start + batch] = best
        similarities[start : start + batch] = block[np.arange(len(best)), best]
    return labels, similarities


def _hash_order(keys: Sequence[Hashable]) -> np.ndarray:
    """Rows ordered by a hash of their key (ties by row): a sample that does not depend on
    the input's order and that grows stably when rows are added."""
    digests = [
        int.from_bytes(hashlib.blake2b(repr(key).encode("utf-8"), digest_size=8).digest(), "big")
        for key in keys
    ]
    return np.asarray(
        sorted(range(len(digests)), key=lambda row: (digests[row], row)), dtype=np.intp
    )
