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
   order, and a week more data keeps most of last week's sample. With a vector map,
   sentences of fewer than ``min_cluster_words`` words or naming nothing (fragments) are
   not in it: they shape no topic, and join one only at the assignment (step 6).
2. **Fine clusters.** k-means (scikit-learn, fixed seed, random initial centres: the
   k-means++ initialisation cost 30x more here for no better topics) cuts the sample
   into fine clusters of about ``fine_cluster_size`` sentences (at most
   ``max_fine_clusters``). With ``lexical_weight`` above 0 (off by default), steps 2 and
   3 see each sentence's embedding beside a lexical view of its words
   (:mod:`voc.topics.lexical`), and the topics of step 3 then move back to the embedding
   space (their members' mean embedding).
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
(:mod:`voc.topics.tokens`) of a sample of its sentences, a label: a key phrase of those
sentences (:mod:`voc.topics.labels`; its top keywords, "size · small · run", when no
phrase repeats), with ``negative`` given to :meth:`TopicModel.fit` a complaint label (the
same over its negative sentences: what its pain point is called), and its most
representative sentences (nearest the centroid, near-duplicates dropped) as quotes.

Where the code lives: :class:`TopicModel` (this module: parameters, ``fit``, ``assign``,
``save``/``load``) takes steps 1-6 from :mod:`voc.topics.clustering` and the keywords,
labels and quotes from :mod:`voc.topics.describe`; what a fit returns (:class:`Topic`,
:class:`KSelection`, :class:`TopicFit`) is in :mod:`voc.topics.results`.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import voc.forked
from voc.errors import VocError
from voc.topics.clustering import (
    ClusteringSteps,
    _hash_order,
    _nearest,
    _unit_rows,
    word_counts,
)
from voc.topics.describe import DescribingSteps, c_tf_idf, make_label
from voc.topics.results import OTHER, OTHER_LABEL, KSelection, Topic, TopicFit
from voc.topics.space import VectorMap, load_vector_map
from voc.topics.tokens import KeywordTokenizer

__all__ = [
    "OTHER",
    "OTHER_LABEL",
    "KSelection",
    "Topic",
    "TopicFit",
    "TopicModel",
    "c_tf_idf",
    "make_label",
]

logger = logging.getLogger(__name__)

#: ``min_cluster_words`` when it is None and a vector map applies (see TopicModel).
MAPPED_MIN_CLUSTER_WORDS = 2.0


class TopicModel(ClusteringSteps, DescribingSteps):
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
        fine_cluster_size: Target sentences per fine cluster; it only matters under
            ``fine_cluster_size * max_fine_clusters`` sentences sampled (small files). 5
            won the dev-half search (``python -m bench.topics --search``: worst dev-set
            NMI 0.260 against 0.233, clothing classes; app reviews 0.297 against 0.300),
            but on a 300-review file it split one concern into three topics ("wear an
            xs", "ordered my usual size", "regular size"; tests/test_enrich.py), so the
            default stays 10 until the agreement gain comes without that cost.
        max_fine_clusters: Cap on fine clusters (bounds the cost on large samples).
        max_topic_share: Largest share of the sentences one topic may hold: the
            fine-cluster cut is raised above ``merge_cosine`` until no group is bigger, and
            close topics stay apart when joined they would be. Texts all about one broad
            subject (whole clothing reviews) otherwise merge into one or two topics that
            say nothing. 1 turns it off.
        refine_steps: Spherical k-means steps after merging.
        lexical_weight: Weight of each text's words (:mod:`voc.topics.lexical`: TF-IDF,
            randomly projected) beside its embedding while fine clusters are cut, grouped
            and refined; the topics then move back to the embedding space (each one's
            members' mean embedding, close ones joined), so :meth:`assign` and seeding
            use embeddings only. 0 (the default) turns it off. The dev-half search
            (``python -m bench.topics --search``) puts 1.25 with ``lexical_max_df`` 0.1
            on top: worst dev-set NMI (clothing classes) 0.268 against 0.246 without the
            view, mean of seeds 0-3 (the garment of a clothing review is one noun the USE
            vectors weigh little). Not the default: the held-out sets did not gain
            (laptops 0.321 -> 0.313) and it costs about a third more in the topic fit
            (k-means over 1,024 dimensions; docs/benchmarks.md, 2026-12-03).
        lexical_max_df: Words in more than this share of the texts do not count (0.1).
        lexical_dims: Dimensions of the lexical view's random projection (512).
        vector_map: The linear map of the embeddings topics are found in
            (:mod:`voc.topics.space`, a folder under ``models/topics/``), applied in
            :meth:`fit`, :meth:`assign`, to seeds and to label phrases; None: the
            embeddings as they are, the default (config ``topics.vector_map``). The
            shipped map, ``use-cca-v1`` (USE's 256 directions most correlated with
            MiniLM's, fitted on English feedback we may train on), won the dev half
            (worst dev-set NMI 0.292 against 0.246, clothing classes, mean of seeds 0-3)
            and held on the held-out half (laptops 0.336 against 0.321, CFPB 0.276
            against 0.260, seed 0; docs/benchmarks.md, 2026-12-03). Not the default: with
            it the demo's W45 pain points get labels the digest's tests refuse ("form
            fitting", read as praise; complaint labels that name nothing), whichever
            ``min_cluster_words`` (tests/test_digest.py). It applies only to vectors of
            its input dimension (USE's 512): another embedder's are clustered as they are.
        min_cluster_words: Sentences of fewer words than this (:func:`~voc.topics.
            clustering.word_counts`: runs of letters, a third of a word per kana or CJK
            character), or with no word that names something ("but it's not."), do not
            shape topics: they are left out of the sample that is clustered, then go to
            their nearest topic like every sentence, or to other when none is near
            enough. None (the default): 2 when a vector map applies, else 0 (every
            sentence clustered, as before). One-word fragments ("Disappointing", "the
            to", "教えてください。") are far from every subject and near each other in
            USE's space, more so in the map's: on the demo they made a topic of 257
            sentences with no phrase label without the map, and with it one of 362 among
            the 20 largest; 2 removes it. With the map, 2 costs 0.003 NMI on the app
            reviews (0.321 -> 0.318, seeds 0-3; 3% of them are one word) and nothing on
            the clothing classes; 3 did no better on the worse set (0.293 against
            0.292). Without the map it moved the demo's topics (one W45 pain point got a
            label the digest's test refuses) and cost 0.005 on the app reviews, for one
            fragment topic ranked 28th, so it stays 0 there.
        min_similarity: Cosine to the nearest centroid under which a sentence is other.
        max_other_share: Most sentences the threshold may leave as other at fit time.
        n_keywords: Keywords kept per topic.
        keyword_sample: Sentences per topic tokenised for keywords (the English tagger is
            the slow part of a fit; a few hundred sentences give the same top words).
        keyword_chars: Characters per topic tokenised at most (the sample stops at the
            text that reaches it): 150 review sentences are about 12,000 characters, so
            this bounds only topics of long texts (whole complaints of 1,500 characters),
            where the tagger's time, per character, was most of a fit.
        n_quotes: Representative sentences per topic.
        quote_dedupe_cosine: Two quotes at least this similar count as one.
        random_state: Seed of every random step.
        tokenizer: Keyword tokenizer; a default :class:`KeywordTokenizer` when None.
        label_embedder: Embeds candidate label phrases: the embedder the sentences were
            embedded with, or its name (default ``use-multilingual``, the pipeline's);
            ``"none"`` ranks phrases without embeddings.
        label_language: The language a topic's label is in when it has several (the
            digest's); the others are its aliases.
        complaint_min_sentences: Negative sentences a topic needs for a complaint label
            (:attr:`Topic.complaint_label`, given ``negative`` to :meth:`fit`); with
            fewer its pain point keeps the topic's label.

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
        lexical_weight: float = 0.0,
        lexical_max_df: float = 0.1,
        lexical_dims: int = 512,
        vector_map: str | None = None,
        min_cluster_words: float | None = None,
        min_similarity: float = 0.35,
        max_other_share: float = 0.10,
        n_keywords: int = 10,
        keyword_sample: int = 150,
        keyword_chars: int = 20_000,
        n_quotes: int = 3,
        quote_dedupe_cosine: float = 0.95,
        random_state: int = 0,
        tokenizer: KeywordTokenizer | None = None,
        label_embedder: Any = None,
        label_language: str = "en",
        complaint_min_sentences: int = 5,
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
        self.lexical_weight = lexical_weight
        self.lexical_max_df = lexical_max_df
        self.lexical_dims = lexical_dims
        self.vector_map = vector_map
        self.min_cluster_words = min_cluster_words
        self.min_similarity = min_similarity
        self.max_other_share = max_other_share
        self.n_keywords = n_keywords
        self.keyword_sample = keyword_sample
        self.keyword_chars = keyword_chars
        self.n_quotes = n_quotes
        self.quote_dedupe_cosine = quote_dedupe_cosine
        self.random_state = random_state
        self.tokenizer = tokenizer
        self.label_embedder = label_embedder
        self.label_language = label_language
        self.complaint_min_sentences = complaint_min_sentences

    # -- fitting -----------------------------------------------------------------------

    # On one BLAS thread: a product that wakes OpenBLAS's second thread leaves it spinning
    # a while (on 2 cores, against the keyword tagger here and in the forked worker), and
    # the labels' small products each waited on waking it; k-means runs on its own OpenMP
    # threads. 5,000 short rows: 0.2-1.0 CPU s less a fit; the same values.
    @voc.forked.on_one_blas_thread
    def fit(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
        ids: Sequence[Hashable] | None = None,
        seed_centroids: np.ndarray | None = None,
        negative: Sequence[bool] | np.ndarray | None = None,
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
            negative: Whether each sentence is negative (its sentiment): each topic then
                also gets a complaint label from its negative sentences
                (:attr:`Topic.complaint_label`). None: no complaint labels.

        Returns:
            self (scikit-learn's contract), ready for :meth:`assign`; the topics and each
            sentence's topic are in :attr:`fit_result_`.

        Raises:
            VocError: Inputs of different lengths, or fewer sentences than
                ``min_topic_size``.
        """
        mapped = self._map(np.shape(embeddings)[-1]) is not None
        vectors = self.to_space(embeddings)
        if seed_centroids is not None and len(seed_centroids):
            seed_centroids = self.to_space(seed_centroids)
        n = vectors.shape[0]
        if len(texts) != n or (languages is not None and len(languages) != n):
            raise VocError(
                f"got {n} embeddings, {len(texts)} texts and "
                f"{'no' if languages is None else len(languages)} languages: pass one of "
                "each per sentence"
            )
        if ids is not None and len(ids) != n:
            raise VocError(f"got {n} embeddings but {len(ids)} ids: pass one id per sentence")
        if negative is not None and len(negative) != n:
            raise VocError(
                f"got {n} embeddings but {len(negative)} negative flags: pass one per sentence"
            )
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
        sample = self._clusterable(order, texts, mapped)[: self.sample_size]
        centroids, selection = self._cluster(
            vectors[sample], n, seed_centroids, [texts[row] for row in sample]
        )
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

        complaint_labels: list[Any] = [None] * len(centroids)
        if negative is not None:
            started = time.perf_counter()
            complaint_labels = self._complaint_labels(
                labels,
                vectors,
                texts,
                languages,
                order,
                np.asarray(negative, dtype=bool),
                centroids,
            )
            timings["complaint_labels"] = time.perf_counter() - started

        started = time.perf_counter()
        topics = []
        for index in range(len(centroids)):
            members = np.flatnonzero(labels == index)
            quote_rows = self._quotes(members, similarities, vectors, texts)
            words = keywords[index]
            named = topic_labels[index]
            complaint = complaint_labels[index]
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
                    complaint_label=complaint.label if complaint is not None else None,
                    complaint_aliases=dict(complaint.aliases) if complaint is not None else {},
                    complaint_phrases=complaint.phrases if complaint is not None else (),
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

    def _clusterable(self, order: np.ndarray, texts: Sequence[str], mapped: bool) -> np.ndarray:
        """``order`` without the sentences too short to shape a topic (fewer than
        ``min_cluster_words`` words, or no word that names something), unless too few
        would be left."""
        minimum = self.min_cluster_words
        if minimum is None:
            minimum = MAPPED_MIN_CLUSTER_WORDS if mapped else 0.0
        if minimum <= 0:
            return order
        ordered = [texts[row] for row in order]
        words, content = word_counts(ordered), word_counts(ordered, content_only=True)
        kept = order[(words >= minimum) & (content > 0)]
        return kept if len(kept) >= max(2, self.min_size_) else order

    def _map(self, dim: int) -> VectorMap | None:
        """The vector map that applies to ``dim``-d inputs (see :mod:`voc.topics.space`)."""
        if not self.vector_map or self.vector_map == "none":
            return None
        mapping = load_vector_map(self.vector_map)
        if dim != mapping.in_dim:
            return None  # another embedder's vectors: clustered as they are
        fitted = getattr(self, "centroids_", None)
        if fitted is not None and fitted.shape[1] != mapping.out_dim:
            return None  # a model fitted without the map (stored before it) keeps its space
        return mapping

    def to_space(self, embeddings: np.ndarray) -> np.ndarray:
        """Unit rows of ``embeddings`` in the space this model finds and assigns topics in:
        mapped by ``vector_map`` when it applies, else as they are. Idempotent: vectors
        already in the space pass unchanged (apart from normalising)."""
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.ndim == 2 and vectors.shape[0]:
            mapping = self._map(vectors.shape[1])
            if mapping is not None:
                return mapping(vectors)
        return _unit_rows(vectors)

    def warm_up(self) -> TopicModel:
        """Load what :meth:`fit` loads on first use (the English keyword tagger, k-means),
        so that a caller can report model loading apart from fitting time."""
        self._tokenizer().warm_up()
        from sklearn.cluster import KMeans  # noqa: F401

        return self

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
        vectors = self.to_space(embeddings)
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
