# Over 600 lines, for now: the tagger, its relevance model (boosted trees predicted in numpy),
# the keyword tries and the evidence features share private helpers. Next split (issue 12):
# the relevance model (with its blocked tree walk) and the keyword matching into modules of
# their own; the speed work that held it back is merged, the split is not done yet.
"""Tag sentences with the touchpoints of any taxonomy: keywords, meaning and a relevance model.

Any taxonomy works without training, which is how analysts start: write a YAML file (see
``configs/taxonomy.yaml``), tag, read, edit. What a touchpoint offers as evidence:

- **Keywords**, matched per language. Languages written with spaces (English, ...) match
  whole words, case-insensitively, with hyphens read as spaces and the regular plural and
  -ed/-ing forms of a keyword's last word (``refund`` -> ``refunds``, ``refunded``); a
  trailing ``*`` matches any ending. Japanese matches substrings of the NFKC-folded text
  with white space removed (no word boundaries exist to respect). A sentence uses the
  keywords of its own language; a language the taxonomy has no keywords for (or an
  undetermined one) is matched against every language's keywords, since short texts are
  often misdetected (kanji-only Japanese as Chinese). Each touchpoint compiles to one
  regular expression per language, built as a trie, so matching costs a few microseconds
  per sentence.
- **Meaning**: the cosine between the sentence embedding (the one the pipeline computed
  for sentiment; nothing is embedded twice) and the embeddings of the touchpoint's name,
  description, each keyword (any language: the embedder is multilingual, so Japanese
  keywords speak for English sentences and back), its ``examples`` and its
  ``negative_examples``; embedded once per taxonomy in :meth:`TouchpointTagger.fit`.
  Raw cosines are not comparable across touchpoints (a broad description is close to
  everything), so they are also read as z-scores against a fixed background of sentences
  about no touchpoint (:data:`BACKGROUND_SENTENCES`) and against the taxonomy's other
  touchpoints (rank, margin to the best other one).

A **relevance model** (:class:`RelevanceModel`, ``models/touchpoints/v1``) turns these
pair features (:data:`FEATURES`) into the probability that the sentence is about the
touchpoint. It is trained once, on several labelled taxonomies written the way a user
writes one (``voc.models.touchpoint_training``: app-review topics, consumer-complaint
products and issues, clothing departments and classes, with and without examples and
negative examples), so it judges evidence, not words of one domain: a keyword used in
another sense ("I bought this shirt" for billing) is outweighed by the meaning, and a
sentence about no touchpoint gets none. Its threshold was chosen on dev splits of the
training data, precision first. ``use_embeddings=False`` is the keyword-only tagger.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voc.errors import ConfigError, VocError
from voc.models.embedders import DEFAULT_EMBEDDER
from voc.taxonomy import Taxonomy

__all__ = [
    "BACKGROUND_SENTENCES",
    "DEFAULT_RELEVANCE_MODEL",
    "FEATURES",
    "RelevanceModel",
    "TouchpointEvidence",
    "TouchpointScores",
    "TouchpointTagger",
    "pair_features",
    "roll_up",
    "taxonomy_evidence",
]

logger = logging.getLogger(__name__)

#: Sentences about no touchpoint, the reference that similarities are measured against.
#: Written for this purpose (small talk, generic opinions, other topics); English and
#: Japanese in equal numbers so that neither language's typical cosine dominates.
BACKGROUND_SENTENCES: tuple[str, ...] = (
    "I love it.",
    "This is terrible.",
    "Great, thanks!",
    "Five stars.",
    "Not bad at all.",
    "I'm really disappointed.",
    "Would recommend to my friends.",
    "It's okay I guess.",
    "Absolutely amazing, well done.",
    "Worst experience ever.",
    "I have been a customer for years.",
    "My sister told me about you.",
    "The weather was lovely this weekend.",
    "We went to the beach with the kids.",
    "I watched a good film last night.",
    "My dog loves going for walks.",
    "The football match was exciting.",
    "I'm learning to play the guitar.",
    "Happy new year to everyone.",
    "I usually drink coffee in the morning.",
    "My grandmother turned ninety today.",
    "The garden is full of flowers.",
    "It rained all day yesterday.",
    "I read a book about history.",
    "Keep up the good work.",
    "Nothing else to say.",
    "See you next time.",
    "I have mixed feelings.",
    "Overall a pleasant experience.",
    "It does what it says.",
    "I will try again later.",
    "Just wanted to say thank you.",
    "Hello, hope you are well.",
    "Thanks for listening.",
    "Honestly, I expected more.",
    "This made my day.",
    "Such a shame.",
    "I'm not sure what to think.",
    "Everything was fine.",
    "Love it, love it, love it!",
    "大好きです。",
    "最悪でした。",
    "ありがとうございます。",
    "星5つです。",
    "悪くないと思います。",
    "とてもがっかりしました。",
    "友達にも勧めたいです。",
    "まあまあかな。",
    "本当に素晴らしい。",
    "今までで一番ひどい。",
    "何年も利用しています。",
    "姉に教えてもらいました。",
    "週末は天気が良かった。",
    "子どもたちと海に行きました。",
    "昨日の夜、面白い映画を見た。",
    "うちの犬は散歩が大好きです。",
    "サッカーの試合が盛り上がった。",
    "ギターを練習しています。",
    "あけましておめでとうございます。",
    "朝はいつもコーヒーを飲みます。",
    "祖母が今日九十歳になりました。",
    "庭に花がたくさん咲いている。",
    "昨日は一日中雨だった。",
    "歴史の本を読みました。",
    "これからも頑張ってください。",
    "特に言うことはありません。",
    "また次回よろしくお願いします。",
    "複雑な気持ちです。",
    "全体的に良い体験でした。",
    "普通です。",
    "また後で試してみます。",
    "お礼を言いたくて書きました。",
    "こんにちは、お元気ですか。",
    "読んでくれてありがとう。",
    "正直、もっと期待していました。",
    "おかげで良い一日になった。",
    "残念です。",
    "どう考えればいいのか分からない。",
    "特に問題はなかった。",
    "最高!最高!",
)

# A character of a word: letters and digits of any script, not the underscore.
_WORD_CHAR = r"[^\W_]"
# Checked just after a keyword's first character: the character before that is not a word's.
_AFTER_FIRST = rf"(?<!{_WORD_CHAR}[\s\S])"
_AFTER_WORD = rf"(?!{_WORD_CHAR})"
# Apostrophes customers type, folded to ASCII so "can’t" matches "can't".
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
# A hyphen (or slash) between word characters reads as a space: e-mail = e mail.
_JOINER = re.compile(r"(?<=[^\W_])[-‐‑–/](?=[^\W_])")
_SPACES = re.compile(r"\s+")
# Languages written without spaces between words: substring matching.
_UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my"})
_VOWELS = frozenset("aeiou")
# Sentinel keys of the keyword trie: "a keyword ends here" (exactly / with any ending).
_END = "\x00end"
_END_ANY = "\x00any"


#: Where the shipped relevance model lives (``models/touchpoints/<version>/``).
DEFAULT_RELEVANCE_MODEL = Path(__file__).resolve().parents[1] / "models" / "touchpoints" / "v1"

#: The pair features, in the order of the relevance model's weights. Cosines are between
#: the sentence embedding and the touchpoint's evidence; ``z_`` values are z-scores of a
#: cosine against :data:`BACKGROUND_SENTENCES` (so that a maximum over 50 keywords and one
#: over 5 mean the same); ``tax_`` values compare the touchpoint with the other
#: touchpoints of the same taxonomy.
FEATURES: tuple[str, ...] = (
    "cos_name",
    "cos_description",
    "z_name",
    "z_description",
    "z_keyword_max",
    "z_keyword_top3",
    "z_example_max",
    "z_example_top3",
    "z_negative_max",
    "has_keywords",
    "has_examples",
    "has_negatives",
    "keyword_hit",
    "z_evidence",
    "tax_z",
    "tax_margin",
    "tax_is_best",
    "negative_margin",
    "log_length",
    "other_keyword_hits",
    "keyword_hit_x_z",
    "keyword_hit_x_tax_z",
)

# Prototype kinds: what a row of ``prototypes_`` is evidence of.
_NAME, _DESCRIPTION, _KEYWORD, _EXAMPLE, _NEGATIVE = range(5)
# Floors of standard deviations: a touchpoint whose background is uniformly far away must
# not turn tiny cosine differences into huge z-scores.
_MIN_STD = 0.02
#: (row, tree) cells per block of :meth:`RelevanceModel._tree_logits` (a few MB: stays in cache).
_TREE_BLOCK_CELLS = 1 << 17
#: Nearest-neighbour overrides, so that an analyst's ``examples`` and ``negative_examples``
#: act the way one expects: a sentence whose cosine to one of the touchpoint's examples
#: is at least :data:`EXAMPLE_MATCH` (a near paraphrase for the default embedder) is
#: tagged; one whose closest negative example is at least :data:`NEGATIVE_MATCH` and closer
#: than the name, the description and every example is not. Set by hand on pairs of
#: paraphrases, not tuned on any benchmark.
EXAMPLE_MATCH = 0.7
NEGATIVE_MATCH = 0.4
#: Meaning alone tags when it is strong and specific: the blend of the description's and
#: the closest example's cosines stands :data:`MEANING_MIN_Z` standard deviations above
#: the background sentences (the previous tagger's rule, set on the app reviews'
#: development half in issue 3) AND the touchpoint's background z-score of its evidence
#: leads the taxonomy's next touchpoint by :data:`MEANING_MIN_MARGIN`. The relevance model
#: is cautious without a keyword (its training labels rarely reward meaning alone), yet a
#: clear paraphrase with no keyword ("車を停める場所が見つからなかった" for parking) must be
#: found; the margin keeps a sentence about the domain in general ("great laptop") from
#: matching every touchpoint of a laptop taxonomy, which the rule alone did (62 % of the
#: SemEval laptop sentences without an aspect were tagged). On the training dev splits
#: (with the evidence z-score for the blend) the margin 2 moved the worst taxonomy's F1
#: from 0.225 to 0.303 and the mean from 0.542 to 0.519.
MEANING_MIN_Z = 4.0
MEANING_MIN_MARGIN = 2.0


@dataclass(frozen=True)
class TouchpointScores:
    """The evidence behind tags, per sentence and touchpoint.

    Attributes:
        names: Touchpoint names, the order of the columns.
        keyword_hits: bool array ``(n_sentences, n_touchpoints)``: a keyword matched.
        features: float32 ``(n_sentences, n_touchpoints, len(FEATURES))``: the pair
            features the relevance model reads; empty (last axis 0) without embeddings.
        probability: float32 ``(n_sentences, n_touchpoints)``: the relevance model's
            probability that the sentence is about the touchpoint; the keyword hits as
            0/1 without embeddings.
        nearest: ``example``, ``negative`` and ``positive`` (the closest of name,
            description and examples): raw cosines ``(n_sentences, n_touchpoints)``, 0
            where a touchpoint has none; empty without embeddings.
    """

    names: list[str]
    keyword_hits: np.ndarray
    features: np.ndarray
    probability: np.ndarray
    nearest: dict[str, np.ndarray] = field(default_factory=dict)

    def feature(self, name: str) -> np.ndarray:
        """One feature ``(n_sentences, n_touchpoints)`` by its name in :data:`FEATURES`."""
        return self.features[:, :, FEATURES.index(name)]


@dataclass(frozen=True)
class TouchpointEvidence:
    """What :meth:`TouchpointTagger.explain` found for one touchpoint.

    Attributes:
        name: The touchpoint.
        keyword_hits: Its keywords that matched the sentence.
        closest: Per kind of evidence (``name``, ``description``, ``keyword``,
            ``example``, ``negative_example``), the closest text and its cosine to the
            sentence; None when the touchpoint has none of that kind. Empty without
            embeddings.
        probability: The relevance model's probability (keyword-only: 1 or 0).
        threshold: The probability from which the sentence is tagged (lower when a
            keyword matched).
        tagged: The verdict.
        drivers: The features that moved the probability most, with their share of the
            logit (positive: towards the touchpoint).
        reason: Why the verdict: ``probability``, ``example match`` (an example is a near
            paraphrase) or ``negative example closest`` (the verdict overridden).
    """

    name: str
    keyword_hits: list[str]
    closest: dict[str, tuple[str, float] | None]
    probability: float
    threshold: float
    tagged: bool
    drivers: list[tuple[str, float]]
    reason: str = ""


class RelevanceModel:
    """ "Is this sentence about this touchpoint?": a small classifier over pair features.

    Trained once, on many labelled taxonomies (``voc.models.touchpoint_training``), so it
    judges touchpoints of a taxonomy it never saw from their evidence: how close the
    sentence is to the touchpoint's name, description, keywords and examples, whether a
    keyword matched, how it ranks among the taxonomy's touchpoints, how close it is to the
    negative examples. Two kinds: ``"trees"``, gradient-boosted trees (scikit-learn's
    ``HistGradientBoostingClassifier``, which can weigh a keyword hit by the meaning
    around it), and ``"logistic"``, a logistic regression. Either is saved as plain
    numbers in one JSON file (no pickle), versioned with the code, and predicted with
    numpy alone.

    Args:
        kind: ``"trees"`` or ``"logistic"``.
        threshold: Probability from which a sentence is tagged (chosen on dev splits of
            the training data).
        keyword_threshold: Probability from which a sentence is tagged when a keyword of
            the touchpoint matched (lower: a keyword the analyst wrote is strong evidence,
            which the model only vetoes when the meaning is clearly elsewhere); the same
            as ``threshold`` when None.
        c: Inverse regularisation strength of the logistic regression.
        max_depth, max_iter, learning_rate, min_samples_leaf: Of the boosted trees.

    Attributes set by :meth:`fit` (or :meth:`load`):
        mean_, scale_, coef_, intercept_: The logistic regression (standardised features).
        trees_: Per tree, its node arrays (feature, threshold, left, right, is_leaf,
            value); baseline_: the trees' starting logit.
    """

    #: The folder the model was loaded from ("custom" for one fitted in this process).
    name_: str = "custom"

    def __init__(
        self,
        kind: str = "trees",
        threshold: float = 0.5,
        *,
        keyword_threshold: float | None = None,
        c: float = 1.0,
        max_depth: int = 3,
        max_iter: int = 150,
        learning_rate: float = 0.1,
        min_samples_leaf: int = 200,
    ) -> None:
        self.kind = kind
        self.threshold = threshold
        self.keyword_threshold = threshold if keyword_threshold is None else keyword_threshold
        self.c = c
        self.max_depth = max_depth
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.min_samples_leaf = min_samples_leaf

    def fit(
        self,
        features: np.ndarray,
        labels: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> RelevanceModel:
        """Fit on pair features ``(n_pairs, len(FEATURES))`` and 0/1 labels ``(n_pairs,)``.

        Args:
            features: The pairs' features.
            labels: 1 when the text is about the touchpoint.
            sample_weight: Optional weight per pair (rescaled to a mean of 1, so that
                the regularisation means the same whatever the weights' scale).

        Returns:
            self.

        Raises:
            ConfigError: Unknown ``kind``.
        """
        features = np.nan_to_num(np.asarray(features, dtype=np.float64))
        labels = np.asarray(labels, dtype=int)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            sample_weight = sample_weight * (len(sample_weight) / sample_weight.sum())
        if self.kind == "logistic":
            from sklearn.linear_model import LogisticRegression

            self.mean_ = features.mean(axis=0)
            self.scale_ = np.maximum(features.std(axis=0), 1e-6)
            classifier = LogisticRegression(C=self.c, max_iter=5000).fit(
                (features - self.mean_) / self.scale_, labels, sample_weight=sample_weight
            )
            self.coef_ = classifier.coef_[0].astype(np.float64)
            self.intercept_ = float(classifier.intercept_[0])
        elif self.kind == "trees":
            from sklearn.ensemble import HistGradientBoostingClassifier

            booster = HistGradientBoostingClassifier(
                max_depth=self.max_depth,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                min_samples_leaf=self.min_samples_leaf,
                early_stopping=False,
                random_state=0,
            ).fit(features, labels, sample_weight=sample_weight)
            self.baseline_ = float(np.ravel(booster._baseline_prediction)[0])
            self.trees_ = []
            for (predictor,) in booster._predictors:
                nodes = predictor.nodes
                value = nodes["value"].astype(np.float64)
                # scikit-learn shrinks leaf values only; inner values are shrunk here too
                # so that explanations (value changes along the path) add up.
                value = np.where(nodes["is_leaf"] == 1, value, value * self.learning_rate)
                self.trees_.append(
                    {
                        "feature": nodes["feature_idx"].astype(np.int64).tolist(),
                        "threshold": nodes["num_threshold"].astype(np.float64).tolist(),
                        "left": nodes["left"].astype(np.int64).tolist(),
                        "right": nodes["right"].astype(np.int64).tolist(),
                        "is_leaf": nodes["is_leaf"].astype(bool).tolist(),
                        "value": value.tolist(),
                    }
                )
        else:
            raise ConfigError(
                f"relevance model kind must be 'trees' or 'logistic', not {self.kind!r}"
            )
        self._arrays: list[tuple[np.ndarray, ...]] | None = None
        self._stack: tuple[np.ndarray, ...] | None = None
        self._plan: tuple[np.ndarray, ...] | None = None
        return self

    def _tree_arrays(self) -> list[tuple[np.ndarray, ...]]:
        arrays: list[tuple[np.ndarray, ...]] | None = getattr(self, "_arrays", None)
        if arrays is None:
            arrays = self._arrays = [
                (
                    np.asarray(t["feature"], dtype=np.intp),
                    np.asarray(t["threshold"], dtype=np.float64),
                    np.asarray(t["left"], dtype=np.intp),
                    np.asarray(t["right"], dtype=np.intp),
                    np.asarray(t["is_leaf"], dtype=bool),
                    np.asarray(t["value"], dtype=np.float64),
                )
                for t in self.trees_
            ]
        return arrays

    def _stacked(self) -> tuple[np.ndarray, ...]:
        """Every tree's nodes in one padded array per field ``(n_trees, max_nodes)``."""
        stack: tuple[np.ndarray, ...] | None = getattr(self, "_stack", None)
        if stack is None:
            arrays = self._tree_arrays()
            width = max(len(a[0]) for a in arrays)

            def pad(index: int, fill: Any, dtype: Any) -> np.ndarray:
                out = np.full((len(arrays), width), fill, dtype=dtype)
                for row, a in enumerate(arrays):
                    out[row, : len(a[index])] = a[index]
                return out

            stack = self._stack = (
                pad(0, 0, np.intp),
                pad(1, 0.0, np.float64),
                pad(2, 0, np.intp),
                pad(3, 0, np.intp),
                pad(4, True, bool),
                pad(5, 0.0, np.float64),
            )
        return stack

    def _logits(self, flat: np.ndarray, contributions: np.ndarray | None = None) -> np.ndarray:
        """Logits of ``(m, f)`` features; adds each feature's share into ``contributions``."""
        if self.kind == "logistic":
            shares = ((flat - self.mean_) / self.scale_) * self.coef_
            if contributions is not None:
                contributions += shares
            return shares.sum(axis=1) + self.intercept_
        if contributions is None:
            return self._tree_logits(flat)
        rows = np.arange(len(flat))
        logits = np.full(len(flat), self.baseline_)
        for feature, threshold, left, right, is_leaf, value in self._tree_arrays():
            node = np.zeros(len(flat), dtype=np.intp)
            logits += value[0]
            for _ in range(self.max_depth + 1):
                inner = ~is_leaf[node]
                if not inner.any():
                    break
                goes_left = flat[rows, feature[node]] <= threshold[node]
                child = np.where(inner, np.where(goes_left, left[node], right[node]), node)
                step = value[child] - value[node]
                logits += step
                np.add.at(contributions, (rows[inner], feature[node][inner]), step[inner])
                node = child
        return logits

    def _tree_logits_reference(self, flat: np.ndarray) -> np.ndarray:
        """The trees' logits, every row at once (the traversal before issue 15): kept as
        the reference :meth:`_tree_logits` is tested against (identical results)."""
        feature, threshold, left, right, is_leaf, value = self._stacked()
        n_trees, width = feature.shape
        own = np.arange(n_trees * width, dtype=np.int32).reshape(n_trees, width)
        base = own[:, :1]
        left_at = np.where(is_leaf, own, base + left).astype(np.int32).ravel()
        right_at = np.where(is_leaf, own, base + right).astype(np.int32).ravel()
        feature_at = np.where(is_leaf, 0, feature).astype(np.int32).ravel()
        threshold_at = threshold.astype(np.float32).ravel()
        values = np.ascontiguousarray(flat, dtype=np.float32).ravel()
        offset = (np.arange(len(flat), dtype=np.int32) * flat.shape[1])[:, None]
        node = np.broadcast_to(base.ravel()[None, :], (len(flat), n_trees))
        for _ in range(self.max_depth):
            goes_left = values[offset + feature_at[node]] <= threshold_at[node]
            node = np.where(goes_left, left_at[node], right_at[node])
        return value.ravel()[node].sum(axis=1) + self.baseline_

    def _tree_plan(self) -> tuple[np.ndarray, ...]:
        """Flat node tables for :meth:`_tree_logits`, built once per model."""
        plan: tuple[np.ndarray, ...] | None = getattr(self, "_plan", None)
        if plan is None:
            feature, threshold, left, right, is_leaf, value = self._stacked()
            n_trees, width = feature.shape
            own = np.arange(n_trees * width, dtype=np.int32).reshape(n_trees, width)
            base = own[:, :1]
            # child[2 * node + goes_right]; leaves point to themselves both ways.
            child = np.empty(2 * n_trees * width, dtype=np.int32)
            child[0::2] = np.where(is_leaf, own, base + left).ravel()
            child[1::2] = np.where(is_leaf, own, base + right).ravel()
            plan = self._plan = (
                np.where(is_leaf, 0, feature).astype(np.int32).ravel(),
                threshold.astype(np.float32).ravel(),
                child,
                value.ravel(),
                base.ravel().astype(np.int32),
            )
        return plan

    def _tree_logits(self, flat: np.ndarray) -> np.ndarray:
        """The trees' logits of ``(m, f)`` features: the same float32 comparisons and the
        same per-row sum of leaf values as :meth:`_tree_logits_reference` (so identical
        results), in blocks of rows that stay in cache, one gather fewer per level, the
        root's split read as a column. About 3x faster on 12 touchpoints x 10,000 clauses."""
        if self.max_depth < 1:
            return self._tree_logits_reference(flat)
        feature_at, threshold_at, child, value, roots = self._tree_plan()
        values = np.ascontiguousarray(flat, dtype=np.float32)
        m, n_features = values.shape
        out = np.empty(m, dtype=np.float64)
        root_feature = feature_at[roots]
        root_threshold = threshold_at[roots]
        step = max(1, _TREE_BLOCK_CELLS // max(len(roots), 1))
        for first in range(0, m, step):
            block = values[first : first + step]
            rows = len(block)
            goes_right = ~(block[:, root_feature] <= root_threshold)
            node = np.ascontiguousarray(child[2 * roots + goes_right])
            cells = block.ravel()
            offset = (np.arange(rows, dtype=np.int32) * n_features)[:, None]
            for _ in range(self.max_depth - 1):
                goes_right = ~(cells[offset + feature_at[node]] <= threshold_at[node])
                node = child[2 * node + goes_right]
            # C order, as the reference sums: the same pairwise sum per row, bit for bit.
            out[first : first + rows] = value[np.ascontiguousarray(node)].sum(axis=1)
        return out + self.baseline_

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probability of relevance for features of any shape ``(..., len(FEATURES))``."""
        shape = features.shape[:-1]
        flat = np.nan_to_num(np.asarray(features, dtype=np.float64).reshape(-1, features.shape[-1]))
        logits = self._logits(flat)
        return (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).astype(np.float32).reshape(shape)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Each feature's share of the logit ``(..., len(FEATURES))``, for explanations
        (tree paths: the change of value at each split, credited to its feature)."""
        flat = np.nan_to_num(np.asarray(features, dtype=np.float64).reshape(-1, features.shape[-1]))
        shares = np.zeros_like(flat)
        self._logits(flat, shares)
        return shares.reshape(features.shape)

    def save(self, folder: str | Path, **metadata: Any) -> Path:
        """Write ``relevance.json`` into ``folder`` (created); returns the file."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "relevance.json"
        payload: dict[str, Any] = {
            "kind": self.kind,
            "format": 1,
            "features": list(FEATURES),
            "threshold": self.threshold,
            "keyword_threshold": self.keyword_threshold,
            "settings": {
                "c": self.c,
                "max_depth": self.max_depth,
                "max_iter": self.max_iter,
                "learning_rate": self.learning_rate,
                "min_samples_leaf": self.min_samples_leaf,
            },
            **metadata,
        }
        if self.kind == "logistic":
            payload.update(
                mean=self.mean_.tolist(),
                scale=self.scale_.tolist(),
                coef=self.coef_.tolist(),
                intercept=self.intercept_,
            )
        else:
            payload.update(baseline=self.baseline_, trees=self.trees_)
        path.write_text(json.dumps(payload, ensure_ascii=False) + "\n", "utf-8")
        return path

    @classmethod
    def load(cls, folder: str | Path = DEFAULT_RELEVANCE_MODEL) -> RelevanceModel:
        """Read a model written by :meth:`save`.

        Raises:
            ConfigError: The file is missing or was written for other features.
        """
        path = Path(folder) / "relevance.json"
        try:
            payload = json.loads(path.read_text("utf-8"))
        except FileNotFoundError as e:
            raise ConfigError(
                f"touchpoint relevance model {path} not found; retrain it with "
                "`python -m voc.models.touchpoint_training --out models/touchpoints/v1`"
            ) from e
        except (OSError, ValueError) as e:
            raise ConfigError(f"touchpoint relevance model {path} is unreadable: {e}") from e
        if payload.get("features") != list(FEATURES):
            raise ConfigError(
                f"touchpoint relevance model {path} was trained on other features than this "
                "version of voc computes; retrain it (python -m voc.models.touchpoint_training)"
            )
        model = cls(
            payload["kind"],
            payload["threshold"],
            keyword_threshold=payload["keyword_threshold"],
            **payload["settings"],
        )
        if model.kind == "logistic":
            model.mean_ = np.asarray(payload["mean"], dtype=np.float64)
            model.scale_ = np.asarray(payload["scale"], dtype=np.float64)
            model.coef_ = np.asarray(payload["coef"], dtype=np.float64)
            model.intercept_ = float(payload["intercept"])
        else:
            model.baseline_ = float(payload["baseline"])
            model.trees_ = payload["trees"]
        model.name_ = Path(folder).name
        return model


class TouchpointTagger:
    """Tag sentences with zero or more touchpoints of any taxonomy.

    Args:
        taxonomy: The touchpoints, e.g. ``load_taxonomy()``.
        embedder_name: Embedder for the similarity evidence (see
            :func:`voc.models.embedders.get_embedder`). Sentence embeddings passed to
            :meth:`tag` must come from the same embedder.
        use_embeddings: False gives the keyword-only tagger (nothing is embedded, no
            relevance model).
        relevance: The relevance model, or a folder to load it from; the shipped one
            (``models/touchpoints/v1``) when None.
        threshold: Probability from which to tag; the relevance model's (chosen on dev
            splits of its training data) when None. A sentence with a keyword of the
            touchpoint needs the model's ``keyword_threshold`` instead (scaled alike).
        embedder: An embedder object to use instead of building ``embedder_name`` (lets
            the pipeline share one loaded model between stages).

    Attributes set by :meth:`fit`:
        patterns_: Per language, one compiled pattern (or None) per touchpoint.
        prototypes_: float32 ``(n_prototypes, dim)``: names, descriptions, keywords,
            examples and negative examples, embedded.
        prototype_touchpoint_, prototype_kind_: int ``(n_prototypes,)``: the touchpoint
            and kind of each prototype.
        background_: float32 ``(n_background, dim)``: :data:`BACKGROUND_SENTENCES`, embedded.
        relevance_: The loaded :class:`RelevanceModel`.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        embedder_name: str = DEFAULT_EMBEDDER,
        *,
        use_embeddings: bool = True,
        relevance: RelevanceModel | str | Path | None = None,
        threshold: float | None = None,
        embedder: Any = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.embedder_name = embedder_name
        self.use_embeddings = use_embeddings
        self.relevance = relevance
        self.threshold = threshold
        self.embedder = embedder

    # -- fitting -----------------------------------------------------------------------

    def fit(self, taxonomy: Taxonomy | None = None) -> TouchpointTagger:
        """Compile the keywords, embed the taxonomy's evidence and load the relevance model.

        Optional: :meth:`tag` calls it on first use. Calling it again recomputes.

        Args:
            taxonomy: The touchpoints to learn, as scikit-learn's ``fit`` takes its data;
                the constructor's when None (a given one replaces it).

        Returns:
            self.

        Raises:
            ConfigError: Unknown embedder name, missing relevance model.
            MissingDependencyError: The embedder's package is not installed.
        """
        if taxonomy is not None:
            self.taxonomy = taxonomy
        self.fit_evidence()
        if self.use_embeddings:
            if isinstance(self.relevance, RelevanceModel):
                self.relevance_ = self.relevance
            else:
                self.relevance_ = RelevanceModel.load(self.relevance or DEFAULT_RELEVANCE_MODEL)
        return self

    def fit_evidence(self) -> TouchpointTagger:
        """Compile the keywords and embed the taxonomy's evidence and the background.

        What :meth:`features` needs; training calls it without a relevance model.

        Returns:
            self.
        """
        self.names_ = self.taxonomy.names
        self.patterns_ = _compile_patterns(self.taxonomy)
        if not self.use_embeddings:
            return self
        texts, owners, kinds = taxonomy_evidence(self.taxonomy)
        embedder = self._embedder()
        vectors = np.asarray(embedder.embed(texts + list(BACKGROUND_SENTENCES)), np.float32)
        self.prototypes_ = vectors[: len(texts)]
        self.prototype_touchpoint_ = np.asarray(owners, dtype=np.intp)
        self.prototype_kind_ = np.asarray(kinds, dtype=np.intp)
        self.prototype_text_ = texts
        groups: dict[tuple[int, int], list[int]] = {}
        for row, key in enumerate(zip(owners, kinds, strict=True)):
            groups.setdefault(key, []).append(row)
        self.prototype_groups_ = {key: np.asarray(rows) for key, rows in groups.items()}
        has = np.zeros((5, len(self.names_)), dtype=np.float32)
        for column, kind in groups:
            has[kind, column] = 1.0
        self.prototype_has_ = has
        self.background_ = vectors[len(texts) :]
        # Statistics of the background's similarities, per touchpoint: the z-scores.
        raw = _raw_similarities(self.background_, self)
        self.background_mean_ = {k: v.mean(axis=0) for k, v in raw.items()}
        self.background_std_ = {k: np.maximum(v.std(axis=0), _MIN_STD) for k, v in raw.items()}
        logger.debug(
            "touchpoint tagger fitted: %d touchpoints, %d prototypes, embedder %s",
            len(self.names_),
            len(texts),
            self.embedder_name,
        )
        return self

    @property
    def relevance_name(self) -> str:
        """Names the relevance model and threshold, for analysis versions (no loading)."""
        if not self.use_embeddings:
            return "keywords"
        if isinstance(self.relevance, RelevanceModel):
            name = str(getattr(self.relevance, "name_", "custom"))
        else:
            name = Path(self.relevance or DEFAULT_RELEVANCE_MODEL).name
        return name if self.threshold is None else f"{name}@{self.threshold}"

    @property
    def threshold_(self) -> float:
        """The probability from which a sentence without a keyword hit is tagged."""
        return self.threshold if self.threshold is not None else self.relevance_.threshold

    @property
    def keyword_threshold_(self) -> float:
        """The probability from which a sentence with a keyword hit is tagged."""
        model = self.relevance_
        if self.threshold is None:
            return model.keyword_threshold
        # A threshold set by hand moves both, keeping the model's ratio.
        return self.threshold * model.keyword_threshold / max(model.threshold, 1e-9)

    def _embedder(self) -> Any:
        if self.embedder is None:
            from voc.models.embedders import get_embedder

            self.embedder = get_embedder(self.embedder_name)
        return self.embedder

    def _fitted(self) -> None:
        if not hasattr(self, "patterns_") or (
            self.use_embeddings and not hasattr(self, "relevance_")
        ):
            self.fit()

    # -- scoring and tagging -----------------------------------------------------------

    def keyword_hits(self, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        """bool ``(len(texts), n_touchpoints)``: a keyword of the touchpoint matched."""
        if not hasattr(self, "patterns_"):
            self.fit_evidence()
        if len(languages) != len(texts):
            raise VocError(
                f"got {len(texts)} texts but {len(languages)} languages: pass one language "
                "code per text (None when unknown)"
            )
        hits = np.zeros((len(texts), len(self.names_)), dtype=bool)
        plans: dict[str | None, list[tuple[bool, list[Any]]]] = {}
        for row, (text, language) in enumerate(zip(texts, languages, strict=True)):
            plan = plans.get(language)
            if plan is None:
                plan = plans[language] = self._keyword_plan(language)
            for unspaced, searches in plan:
                folded = _fold(text, unspaced)
                for column, search in searches:
                    if search(folded):
                        hits[row, column] = True
        return hits

    def score(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None = None,
    ) -> TouchpointScores:
        """The evidence and the relevance probability for each sentence and touchpoint.

        Args:
            texts: Sentences (one judgement each works best; see
                :func:`voc.text.sentences.split_clauses`).
            languages: ISO 639-1 code per sentence (``en``, ``ja``, ``ja-JP``); None, ""
                or ``und`` match every language's keywords.
            embeddings: Optional float32 ``(len(texts), dim)`` sentence embeddings from
                the same embedder, so that the pipeline embeds each sentence once; when
                None they are computed here. Ignored when ``use_embeddings`` is False.

        Raises:
            VocError: ``languages`` or ``embeddings`` do not match ``texts``.
        """
        self._fitted()
        hits, features, raw = self._evidence(texts, languages, embeddings)
        if not self.use_embeddings:
            return TouchpointScores(list(self.names_), hits, features, hits.astype(np.float32))
        probability = self.relevance_.predict_proba(features)
        positive = np.maximum(np.maximum(raw["name"], raw["description"]), raw["example_max"])
        meaning_z = (raw["blend"] - self.background_mean_["blend"]) / self.background_std_["blend"]
        nearest = {
            "example": raw["example_max"],
            "negative": raw["negative_max"],
            "positive": positive,
            "meaning_z": meaning_z,
        }
        return TouchpointScores(list(self.names_), hits, features, probability, nearest)

    def features(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keyword hits ``(n, n_touchpoints)`` and pair features ``(n, n_touchpoints, f)``.

        See :meth:`score` for the arguments; needs only :meth:`fit_evidence`.
        """
        hits, features, _ = self._evidence(texts, languages, embeddings)
        return hits, features

    def _evidence(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        if not hasattr(self, "patterns_"):
            self.fit_evidence()
        hits = self.keyword_hits(texts, languages)
        if not self.use_embeddings:
            return hits, np.zeros((*hits.shape, 0), dtype=np.float32), {}
        if embeddings is None:
            embeddings = self._embedder().embed(list(texts))
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.shape != (len(texts), self.prototypes_.shape[1]):
            raise VocError(
                f"embeddings have shape {embeddings.shape}, expected "
                f"({len(texts)}, {self.prototypes_.shape[1]}): embed the same texts with "
                f"the tagger's embedder ({self.embedder_name!r})"
            )
        lengths = np.asarray([len(text) for text in texts], dtype=np.float32)
        raw = _raw_similarities(embeddings, self)
        return hits, pair_features(embeddings, hits, lengths, self, raw), raw

    def decide(self, scores: TouchpointScores) -> np.ndarray:
        """Apply the thresholds and the example overrides: bool ``(n_sentences, n_touchpoints)``.

        Tagged when the probability reaches the threshold (the lower keyword threshold
        with a keyword hit), when the meaning alone is strong (:data:`MEANING_MIN_Z`), or
        when the sentence matches an example (:data:`EXAMPLE_MATCH`); not tagged when a
        negative example is the closest evidence (:data:`NEGATIVE_MATCH`).
        """
        if not self.use_embeddings:
            return scores.keyword_hits.copy()
        by_keyword = scores.keyword_hits & (scores.probability >= self.keyword_threshold_)
        tagged: np.ndarray = by_keyword | (scores.probability >= self.threshold_)
        if scores.nearest:
            example, negative = scores.nearest["example"], scores.nearest["negative"]
            specific = scores.feature("tax_margin") >= MEANING_MIN_MARGIN
            tagged |= (scores.nearest["meaning_z"] >= MEANING_MIN_Z) & specific
            tagged |= (example >= EXAMPLE_MATCH) & (example > negative)
            tagged &= ~((negative >= NEGATIVE_MATCH) & (negative > scores.nearest["positive"]))
        return tagged

    def explain(self, text: str, language: str | None) -> list[TouchpointEvidence]:
        """Why ``text`` gets (or does not get) each touchpoint: the evidence that fired.

        Args:
            text: One sentence (the pipeline tags clauses; see
                :func:`voc.text.sentences.split_clauses`).
            language: Its ISO 639-1 code (None: every language's keywords).

        Returns:
            One :class:`TouchpointEvidence` per touchpoint, most probable first.
        """
        self._fitted()
        scores = self.score([text], [language])
        verdicts = self.decide(scores)[0]
        if self.use_embeddings:
            embedding = self._embedder().embed([text])[0]
            cosines = self.prototypes_ @ embedding
            contributions = self.relevance_.contributions(scores.features[0])
        out = []
        for column, touchpoint in enumerate(self.taxonomy.touchpoints):
            matched = _matching_keywords(text, language, touchpoint)
            closest: dict[str, tuple[str, float] | None] = {}
            drivers: list[tuple[str, float]] = []
            if self.use_embeddings:
                for kind, key in (
                    (_NAME, "name"),
                    (_DESCRIPTION, "description"),
                    (_KEYWORD, "keyword"),
                    (_EXAMPLE, "example"),
                    (_NEGATIVE, "negative_example"),
                ):
                    rows = self.prototype_groups_.get((column, kind))
                    if rows is None:
                        closest[key] = None
                        continue
                    best = rows[int(np.argmax(cosines[rows]))]
                    closest[key] = (self.prototype_text_[best], float(cosines[best]))
                order = np.argsort(-np.abs(contributions[column]))[:4]
                drivers = [(FEATURES[i], float(contributions[column][i])) for i in order]
            probability = float(scores.probability[0, column])
            if not self.use_embeddings:
                threshold = 0.5
            elif scores.keyword_hits[0, column]:
                threshold = self.keyword_threshold_
            else:
                threshold = self.threshold_
            out.append(
                TouchpointEvidence(
                    name=touchpoint.name,
                    keyword_hits=matched,
                    closest=closest,
                    probability=probability,
                    threshold=threshold,
                    tagged=bool(verdicts[column]),
                    reason=_reason(scores, column, probability >= threshold, verdicts[column]),
                    drivers=drivers,
                )
            )
        return sorted(out, key=lambda e: -e.probability)

    def tag(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None = None,
    ) -> list[list[str]]:
        """Touchpoints of each sentence.

        Args:
            texts: Sentences.
            languages: ISO 639-1 code per sentence (see :meth:`score`).
            embeddings: Optional precomputed sentence embeddings ``(len(texts), dim)``.

        Returns:
            Per sentence, the names of its touchpoints in taxonomy order; an empty list
            for a sentence about none.
        """
        tagged = self.decide(self.score(texts, languages, embeddings))
        result: list[list[str]] = [[] for _ in range(len(texts))]
        rows, columns = np.nonzero(tagged)  # row-major: columns ascend within a row
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            result[row].append(self.names_[column])
        return result

    def tag_records(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        record_ids: Sequence[Hashable],
        embeddings: np.ndarray | None = None,
    ) -> dict[Hashable, list[str]]:
        """Touchpoints of each record: the union over its sentences (see :func:`roll_up`).

        Args:
            texts: Sentences of all records, e.g. the ``text`` column of a sentence frame.
            languages: ISO 639-1 code per sentence.
            record_ids: The record each sentence belongs to (same length as ``texts``).
            embeddings: Optional precomputed sentence embeddings ``(len(texts), dim)``.

        Returns:
            Record id -> touchpoint names in taxonomy order, records in order of first
            appearance; a record whose sentences got no touchpoint maps to ``[]``.
        """
        if len(record_ids) != len(texts):
            raise VocError(
                f"got {len(texts)} texts but {len(record_ids)} record ids: pass the record "
                "of every sentence"
            )
        return roll_up(self.tag(texts, languages, embeddings), record_ids, self.taxonomy.names)

    # -- keywords ----------------------------------------------------------------------

    def _keyword_plan(self, language: str | None) -> list[tuple[bool, list[Any]]]:
        """How to match a sentence of ``language``: per folding, (column, search) pairs."""
        base = (language or "").split("-")[0].split("_")[0].lower()
        codes = [base] if base in self.patterns_ else list(self.patterns_)
        plan: dict[bool, list[Any]] = {}
        for code in codes:
            searches = plan.setdefault(code in _UNSPACED, [])
            for column, pattern in enumerate(self.patterns_[code]):
                if pattern is not None:
                    searches.append((column, pattern.search))
        return list(plan.items())

    # -- saving ------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the fitted tagger to ``folder``: ``tagger.json`` (settings and taxonomy),
        ``evidence.npz`` (the embedded evidence and background statistics) and the
        relevance model under ``relevance/``. :meth:`load` gives back a tagger that tags
        the same without embedding the taxonomy again. Returns the folder."""
        self._fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state: dict[str, Any] = {
            "kind": "voc.touchpoint-tagger",
            "format": 1,
            "embedder_name": self.embedder_name,
            "use_embeddings": self.use_embeddings,
            "threshold": self.threshold,
            "relevance_name": self.relevance_name.split("@")[0],
            "taxonomy": self.taxonomy.model_dump(mode="json"),
        }
        if self.use_embeddings:
            state["prototype_text"] = list(self.prototype_text_)
            arrays: dict[str, np.ndarray] = {
                "prototypes": self.prototypes_,
                "prototype_touchpoint": self.prototype_touchpoint_,
                "prototype_kind": self.prototype_kind_,
                "prototype_has": self.prototype_has_,
                "background": self.background_,
            }
            for key, value in self.background_mean_.items():
                arrays[f"mean__{key}"] = value
            for key, value in self.background_std_.items():
                arrays[f"std__{key}"] = value
            for (owner, kind), rows in self.prototype_groups_.items():
                arrays[f"group__{owner}__{kind}"] = rows
            # numpy's stub reads **arrays as its allow_pickle flag.
            np.savez(folder / "evidence.npz", **arrays)  # type: ignore[arg-type]
            self.relevance_.save(folder / "relevance")
        (folder / "tagger.json").write_text(
            json.dumps(state, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return folder

    @classmethod
    def load(cls, folder: str | Path, embedder: Any = None) -> TouchpointTagger:
        """Read a tagger written by :meth:`save`, fitted (the embedder loads on first use).

        Args:
            folder: The folder :meth:`save` wrote.
            embedder: A loaded embedder to share (as the constructor's ``embedder``).

        Raises:
            ConfigError: No tagger in ``folder``, or one of another format.
        """
        from voc.taxonomy import parse_taxonomy

        folder = Path(folder)
        try:
            state = json.loads((folder / "tagger.json").read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise ConfigError(f"no touchpoint tagger in {folder}: expected tagger.json") from e
        if state.get("kind") != "voc.touchpoint-tagger" or state.get("format") != 1:
            raise ConfigError(f"{folder} holds no touchpoint tagger this voc reads (format 1)")
        taxonomy = parse_taxonomy(state["taxonomy"], str(folder / "tagger.json"))
        relevance = None
        if state["use_embeddings"]:
            relevance = RelevanceModel.load(folder / "relevance")
            relevance.name_ = state["relevance_name"]
        tagger = cls(
            taxonomy,
            state["embedder_name"],
            use_embeddings=state["use_embeddings"],
            relevance=relevance,
            threshold=state["threshold"],
            embedder=embedder,
        )
        tagger.names_ = taxonomy.names
        tagger.patterns_ = _compile_patterns(taxonomy)
        if relevance is None:
            return tagger
        with np.load(folder / "evidence.npz") as arrays:
            tagger.prototypes_ = arrays["prototypes"]
            tagger.prototype_touchpoint_ = arrays["prototype_touchpoint"]
            tagger.prototype_kind_ = arrays["prototype_kind"]
            tagger.prototype_has_ = arrays["prototype_has"]
            tagger.background_ = arrays["background"]
            tagger.background_mean_ = {
                k.split("__", 1)[1]: arrays[k] for k in arrays.files if k.startswith("mean__")
            }
            tagger.background_std_ = {
                k.split("__", 1)[1]: arrays[k] for k in arrays.files if k.startswith("std__")
            }
            tagger.prototype_groups_ = {
                (int(k.split("__")[1]), int(k.split("__")[2])): arrays[k]
                for k in arrays.files
                if k.startswith("group__")
            }
        tagger.prototype_text_ = state["prototype_text"]
        tagger.relevance_ = relevance
        return tagger


def roll_up(
    sentence_tags: Sequence[Sequence[str]],
    record_ids: Sequence[Hashable],
    order: Sequence[str] | None = None,
) -> dict[Hashable, list[str]]:
    """Touchpoints per record: the union of its sentences' touchpoints.

    A record is about every touchpoint any of its sentences is about ("fast delivery but
    support never answered" is about both); how often each is mentioned is left to
    counting sentences.

    Args:
        sentence_tags: Touchpoints per sentence, as :meth:`TouchpointTagger.tag` returns.
        record_ids: The record of each sentence.
        order: Order of the names in each result (the taxonomy's); sorted when None.

    Returns:
        Record id -> touchpoint names, records in order of first appearance.
    """
    rank = {name: index for index, name in enumerate(order or ())}
    union: dict[Hashable, set[str]] = {}
    for record_id, tags in zip(record_ids, sentence_tags, strict=True):
        union.setdefault(record_id, set()).update(tags)
    return {
        record_id: sorted(names, key=lambda name: (rank.get(name, len(rank)), name))
        for record_id, names in union.items()
    }


# -- evidence and pair features ------------------------------------------------------------


def taxonomy_evidence(taxonomy: Taxonomy) -> tuple[list[str], list[int], list[int]]:
    """The texts to embed for a taxonomy: per touchpoint its name (underscores read as
    spaces), description, every keyword (all languages), examples and negative examples.

    Returns:
        Texts, the touchpoint index of each, and its kind (name, description, keyword,
        example, negative example: 0-4).
    """
    texts: list[str] = []
    owners: list[int] = []
    kinds: list[int] = []

    def add(index: int, kind: int, items: Iterable[str]) -> None:
        for text in items:
            texts.append(text)
            owners.append(index)
            kinds.append(kind)

    for index, touchpoint in enumerate(taxonomy.touchpoints):
        add(index, _NAME, [touchpoint.name.replace("_", " ")])
        add(index, _DESCRIPTION, [touchpoint.description])
        keywords = dict.fromkeys(
            word.rstrip("*") for words in touchpoint.keywords.values() for word in words
        )
        add(index, _KEYWORD, [word for word in keywords if word.strip()])
        add(index, _EXAMPLE, touchpoint.examples)
        add(index, _NEGATIVE, touchpoint.negative_examples)
    return texts, owners, kinds


_RAW = (
    "blend",
    "name",
    "description",
    "keyword_max",
    "keyword_top3",
    "example_max",
    "example_top3",
    "negative_max",
    "evidence",
)


def _raw_similarities(embeddings: np.ndarray, tagger: TouchpointTagger) -> dict[str, np.ndarray]:
    """Cosines of sentences to each touchpoint's evidence, ``(n, n_touchpoints)`` each.

    Absent evidence (no keywords, no examples) gives 0. ``evidence`` is the mean of the
    name, description, best keyword and best example cosines that exist.
    """
    n, n_touchpoints = len(embeddings), len(tagger.names_)
    cosines = embeddings @ tagger.prototypes_.T
    out = {key: np.zeros((n, n_touchpoints), dtype=np.float32) for key in _RAW}
    count = np.zeros(n_touchpoints, dtype=np.float32)
    for (column, kind), rows in tagger.prototype_groups_.items():
        block = cosines[:, rows]
        if kind == _NAME:
            out["name"][:, column] = block[:, 0]
        elif kind == _DESCRIPTION:
            out["description"][:, column] = block[:, 0]
        elif kind == _NEGATIVE:
            out["negative_max"][:, column] = block.max(axis=1)
        else:
            prefix = "keyword" if kind == _KEYWORD else "example"
            out[f"{prefix}_max"][:, column] = block.max(axis=1)
            top = min(3, block.shape[1])
            best = -np.partition(-block, top - 1, axis=1)[:, :top]
            out[f"{prefix}_top3"][:, column] = best.mean(axis=1)
        if kind != _NEGATIVE:
            count[column] += 1
            key = {
                _NAME: "name",
                _DESCRIPTION: "description",
                _KEYWORD: "keyword_max",
                _EXAMPLE: "example_max",
            }[kind]
            out["evidence"][:, column] += out[key][:, column]
    out["evidence"] /= np.maximum(count, 1)
    has_examples = np.zeros(n_touchpoints, dtype=bool)
    for column, kind in tagger.prototype_groups_:
        has_examples[column] |= kind == _EXAMPLE
    out["blend"] = np.where(
        has_examples, 0.5 * out["description"] + 0.5 * out["example_max"], out["description"]
    )
    return out


def pair_features(
    embeddings: np.ndarray,
    hits: np.ndarray,
    lengths: np.ndarray,
    tagger: TouchpointTagger,
    raw: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Features of every (sentence, touchpoint) pair, in the order of :data:`FEATURES`.

    Args:
        embeddings: float32 ``(n, dim)`` unit sentence embeddings.
        hits: bool ``(n, n_touchpoints)`` keyword hits.
        lengths: ``(n,)`` sentence lengths in characters.
        tagger: A tagger whose evidence is fitted (:meth:`TouchpointTagger.fit_evidence`).
        raw: The sentences' raw similarities when already computed.

    Returns:
        float32 ``(n, n_touchpoints, len(FEATURES))``.
    """
    n, n_touchpoints = hits.shape
    if raw is None:
        raw = _raw_similarities(embeddings, tagger)

    def z(key: str) -> np.ndarray:
        return (raw[key] - tagger.background_mean_[key]) / tagger.background_std_[key]

    has = tagger.prototype_has_
    z_evidence = z("evidence")
    # Relative to the taxonomy's other touchpoints, on background-normalised evidence: raw
    # cosines favour touchpoints with many keywords or examples (a maximum over 50
    # keywords is high for any sentence).
    spread = np.maximum(z_evidence.std(axis=1, keepdims=True), 0.25)
    tax_z = (z_evidence - z_evidence.mean(axis=1, keepdims=True)) / spread
    if n_touchpoints > 1 and n:
        order = np.argsort(-z_evidence, axis=1)
        first = np.take_along_axis(z_evidence, order[:, :1], axis=1)
        second = np.take_along_axis(z_evidence, order[:, 1:2], axis=1)
        is_best = np.zeros_like(z_evidence)
        np.put_along_axis(is_best, order[:, :1], 1.0, axis=1)
        margin = z_evidence - np.where(is_best > 0, second, first)
    else:
        is_best = np.ones_like(z_evidence)
        margin = np.zeros_like(z_evidence)
    closest_positive = np.where(has[_EXAMPLE], raw["example_max"], raw["description"])
    negative_margin = np.where(has[_NEGATIVE], raw["negative_max"] - closest_positive, 0.0)
    hit = hits.astype(np.float32)
    columns = {
        "cos_name": raw["name"],
        "cos_description": raw["description"],
        "z_name": z("name"),
        "z_description": z("description"),
        "z_keyword_max": np.where(has[_KEYWORD], z("keyword_max"), 0.0),
        "z_keyword_top3": np.where(has[_KEYWORD], z("keyword_top3"), 0.0),
        "z_example_max": np.where(has[_EXAMPLE], z("example_max"), 0.0),
        "z_example_top3": np.where(has[_EXAMPLE], z("example_top3"), 0.0),
        "z_negative_max": np.where(has[_NEGATIVE], z("negative_max"), 0.0),
        "has_keywords": np.broadcast_to(has[_KEYWORD], (n, n_touchpoints)),
        "has_examples": np.broadcast_to(has[_EXAMPLE], (n, n_touchpoints)),
        "has_negatives": np.broadcast_to(has[_NEGATIVE], (n, n_touchpoints)),
        "keyword_hit": hit,
        "z_evidence": z_evidence,
        "tax_z": tax_z,
        "tax_margin": margin,
        "tax_is_best": is_best,
        "negative_margin": negative_margin,
        "log_length": np.broadcast_to(np.log1p(lengths)[:, None], (n, n_touchpoints)),
        "other_keyword_hits": hit.sum(axis=1, keepdims=True) - hit,
        "keyword_hit_x_z": hit * z_evidence,
        "keyword_hit_x_tax_z": hit * tax_z,
    }
    return np.stack([columns[name] for name in FEATURES], axis=-1).astype(np.float32)


# -- keyword compilation -------------------------------------------------------------------


def _fold(text: str, unspaced: bool) -> str:
    """Text as keywords are matched against: NFKC, case-folded; see the module docstring."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    if unspaced:
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", _JOINER.sub(" ", text)).strip()


def _reason(scores: TouchpointScores, column: int, above: bool, tagged: bool) -> str:
    """Which rule gave the verdict of :meth:`TouchpointTagger.explain`."""
    if scores.nearest and tagged and not above:
        if scores.nearest["example"][0, column] >= EXAMPLE_MATCH:
            return "example match"
        return "strong, specific meaning"
    if scores.nearest and above and not tagged:
        return "negative example closest"
    return "probability"


def _matching_keywords(text: str, language: str | None, touchpoint: Any) -> list[str]:
    """The keywords of ``touchpoint`` that match ``text`` (for explanations; slow path)."""
    base = (language or "").split("-")[0].split("_")[0].lower()
    codes = [c for c in touchpoint.keywords if c.split("-")[0] == base] or list(touchpoint.keywords)
    matched = []
    for code in codes:
        unspaced = code.split("-")[0] in _UNSPACED
        folded = _fold(text, unspaced)
        for keyword in touchpoint.keywords[code]:
            forms = _forms(keyword, unspaced) - {"", "*"}
            if forms and re.search(_trie_pattern(forms, bounded=not unspaced), folded):
                matched.append(keyword)
    return list(dict.fromkeys(matched))


def _compile_patterns(taxonomy: Taxonomy) -> dict[str, list[re.Pattern[str] | None]]:
    """Per base language code (``en-GB`` counts as ``en``), one pattern per touchpoint."""
    by_language: dict[str, list[set[str]]] = {}
    for code in taxonomy.languages:
        base = code.split("-")[0]
        forms_per_touchpoint = by_language.setdefault(base, [set() for _ in taxonomy.touchpoints])
        for forms, touchpoint in zip(forms_per_touchpoint, taxonomy.touchpoints, strict=True):
            for keyword in touchpoint.keywords.get(code, []):
                forms.update(_forms(keyword, base in _UNSPACED))
    patterns: dict[str, list[re.Pattern[str] | None]] = {}
    for base, forms_per_touchpoint in by_language.items():
        patterns[base] = [
            re.compile(_trie_pattern(forms, bounded=base not in _UNSPACED)) if forms else None
            for forms in (f - {"", "*"} for f in forms_per_touchpoint)
        ]
    return patterns


def _forms(keyword: str, unspaced: bool) -> set[str]:
    """The folded keyword and, for spaced languages, inflections of its last word."""
    wildcard = keyword.endswith("*")
    folded = _fold(keyword.rstrip("*"), unspaced)
    if unspaced or wildcard:
        return {folded + ("*" if wildcard else "")}
    head, _, last = folded.rpartition(" ")
    prefix = f"{head} " if head else ""
    return {prefix + form for form in _inflections(last)}


def _inflections(word: str) -> set[str]:
    """A word and its regular plural, -ed and -ing forms (words of 4+ letters only).

    Short words are left alone: their inflections collide with other words too often
    (fee -> feed, ad -> add). Over-generation is otherwise harmless: a form nobody writes
    never matches.
    """
    forms = {word}
    if len(word) < 4 or not word.isalpha() or not word.isascii():
        return forms
    last, before = word[-1], word[-2]
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms |= {word + "es", word + "ed", word + "ing"}
    elif last == "y" and before not in _VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    elif last == "e":
        forms |= {word + "s", word + "d", word[:-1] + "ing"}
    else:
        forms |= {word + "s", word + "ed", word + "ing"}
        # Consonant-vowel-consonant endings double (ship -> shipped, cancel -> cancelled).
        doubles = last not in _VOWELS and last not in "wxy" and before in _VOWELS
        if doubles and word[-3] not in _VOWELS:
            forms |= {word + last + "ed", word + last + "ing"}
    return forms


def _trie_pattern(forms: Iterable[str], bounded: bool) -> str:
    """One regular expression matching any of ``forms``, longest first, built as a trie.

    A form ending in ``*`` matches any continuation of word characters. With ``bounded``,
    a form that starts (ends) with a word character must not be preceded (followed) by one.
    """
    trie: dict[str, Any] = {}
    for form in forms:
        wildcard = form.endswith("*")
        node = trie
        for char in form.rstrip("*"):
            node = node.setdefault(char, {})
        node[_END_ANY if wildcard else _END] = True

    def emit(node: dict[str, Any], previous: str) -> str:
        branches = [
            re.escape(char) + emit(child, char)
            for char, child in sorted(node.items())
            if char not in (_END, _END_ANY)
        ]
        word_end = bounded and bool(re.match(_WORD_CHAR, previous))
        if _END_ANY in node:
            branches.append(f"{_WORD_CHAR}*{_AFTER_WORD}" if bounded else "")
        if _END in node:
            branches.append(_AFTER_WORD if word_end else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    starts = []
    for char, child in sorted(trie.items()):
        # The "no word character before" guard goes after the first character, as a
        # two-character lookbehind: a pattern that starts with literals lets the regex
        # engine skip ahead to candidate first characters, about 10x faster.
        guard = _AFTER_FIRST if bounded and re.match(_WORD_CHAR, char) else ""
        starts.append(re.escape(char) + guard + emit(child, char))
    return "|".join(starts)
