"""How :class:`voc.topics.model.TopicModel` finds its centroids (steps 1-6 of that
module's docstring): fine k-means, complete-linkage groups, refinement, joining close
topics, seeding from last week, the final assignment and the other threshold; and the
vector helpers every step shares.

:class:`ClusteringSteps` is a mixin: its methods read the model's parameters
(``merge_cosine``, ``fine_cluster_size``, ...) from ``self`` and are only used by
:class:`~voc.topics.model.TopicModel`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Sequence

import numpy as np

from voc.errors import VocError
from voc.topics.labels import _FUNCTION_WORDS as _LABEL_FUNCTION_WORDS
from voc.topics.results import KSelection

__all__ = ["ClusteringSteps", "word_counts"]


class ClusteringSteps:
    """The clustering half of :class:`~voc.topics.model.TopicModel` (a mixin)."""

    merge_cosine: float
    topic_merge_cosine: float | None
    fine_cluster_size: int
    max_fine_clusters: int
    max_topic_share: float
    refine_steps: int
    min_similarity: float
    max_other_share: float
    random_state: int
    lexical_weight: float
    lexical_max_df: float
    lexical_dims: int
    min_size_: int

    def _cluster(
        self,
        sample: np.ndarray,
        n_total: int,
        seed_centroids: np.ndarray | None,
        sample_texts: Sequence[str] | None = None,
    ) -> tuple[np.ndarray, KSelection]:
        from sklearn.cluster import KMeans

        n_sample = sample.shape[0]
        # Steps 2-3 run on the embedding beside the texts' lexical view (voc.topics.lexical)
        # when there is one; the topics then move back to the embedding space.
        embedding = sample
        sample = self._with_lexical_view(embedding, sample_texts)
        lexical = sample is not embedding
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
        if lexical:
            # Back to the embedding space: each topic's members' mean embedding, then the
            # join of close topics there (one subject in two languages has two lexical
            # vocabularies, and one topic's embedding centroid).
            centroids = _embedding_centroids(embedding, sample, centroids)
            sample = embedding
            if self.topic_merge_cosine is not None and len(centroids) > 1:
                centroids, merged_again = self._merge_close_topics(sample, centroids)
                merged_topics += merged_again
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
            lexical_weight=self.lexical_weight if lexical else 0.0,
        )
        return centroids, selection

    def _with_lexical_view(self, sample: np.ndarray, texts: Sequence[str] | None) -> np.ndarray:
        """The sample's embeddings beside ``lexical_weight`` times their lexical view,
        unit rows; the embeddings themselves when off or when no word is kept."""
        if texts is None or self.lexical_weight <= 0:
            return sample
        from voc.topics.lexical import lexical_view

        view = lexical_view(texts, self.lexical_max_df, self.lexical_dims, self.random_state)
        if view is None:
            return sample
        return _unit_rows(np.hstack([sample, self.lexical_weight * view]))

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


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise VocError(f"embeddings must be a 2-d array (n, dim), not shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _embedding_centroids(
    embedding: np.ndarray, joint: np.ndarray, centroids: np.ndarray
) -> np.ndarray:
    """Unit mean embeddings of the topics found in the joint space (each sample row to its
    nearest joint centroid); a topic left without rows is dropped."""
    labels = np.argmax(joint @ centroids.T, axis=1)
    sums = _sum_by_label(embedding, labels, len(centroids))
    kept = np.bincount(labels, minlength=len(centroids)) > 0
    return _unit_rows(sums[kept])


def _sum_by_label(vectors: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per-label sums of rows, as one sparse matrix product (``np.add.at`` is slow)."""
    from scipy.sparse import csr_matrix

    onehot = csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(k, len(labels)),
    )
    return np.asarray(onehot @ vectors, dtype=np.float32)


#: Letters of the scripts written without spaces (kana, CJK ideographs): about three make
#: a word, for :func:`word_counts`.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
_SPACED_WORD = re.compile(f"[^\\W\\d_{_UNSPACED}]+")
#: English words that name nothing ("but it's not.", "as I once did."), and what is left
#: of a contraction ("doesn" of "doesn't"), for :func:`word_counts`'s ``content_only``:
#: the function words of label phrases (:mod:`voc.topics.labels`) and these.
_FUNCTION_TEXT = (
    "his her their being done having from by about as into than then if though although "
    "because while when what which who how why where there here too much many more most "
    "not no nor nothing something anything everything all any some one will would shall "
    "should can could may might must also even still yet only well ok okay oh yes yeah im "
    "ive dont doesn didn isn wasn aren weren won couldn wouldn shouldn hasn haven hadn ll "
    "ve re get got go went"
)
_FUNCTION_WORDS = _LABEL_FUNCTION_WORDS | frozenset(_FUNCTION_TEXT.split())


def word_counts(texts: Sequence[str], content_only: bool = False) -> np.ndarray:
    """About how many words each text has: its runs of letters, plus a third of its kana
    and CJK characters (Japanese is written without spaces). Digits and punctuation do
    not count ("5'2\", 118 lbs" is one word; "教えてください。" is 2.3). With
    ``content_only``, English words that name nothing (a short list: "but", "it", "not",
    "nothing", ...) and single letters do not count either ("but it's not." has none)."""
    counts = []
    for text in texts:
        words = _SPACED_WORD.findall(text)
        if content_only:
            words = [w for w in words if len(w) > 1 and w.lower() not in _FUNCTION_WORDS]
        counts.append(len(words) + len(_UNSPACED_CHAR.findall(text)) / 3)
    return np.asarray(counts, dtype=np.float64)


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
