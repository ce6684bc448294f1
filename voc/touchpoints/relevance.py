"""The relevance model: "is this sentence about this touchpoint?" from pair features
(boosted trees or a logistic regression, saved as plain numbers, predicted with numpy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from voc.errors import ConfigError

#: Where the shipped relevance model lives (``models/touchpoints/<version>/``).
DEFAULT_RELEVANCE_MODEL = Path(__file__).resolve().parents[2] / "models" / "touchpoints" / "v2"

#: The pair features, in the order of the relevance model's weights. Cosines are between
#: the sentence embedding and the touchpoint's evidence; ``z_`` values are z-scores of a
#: cosine against :data:`BACKGROUND_SENTENCES` (so that a maximum over 50 keywords and one
#: over 5 mean the same); ``tax_`` values compare the touchpoint with the other
#: touchpoints of the same taxonomy; ``keyword_hit_`` values describe the keywords that
#: matched (how many, the best cosine between one of them and the sentence, and how
#: specific the best one is to the touchpoint: its cosine to the touchpoint's description
#: minus its highest cosine to another touchpoint's), 0 without a hit. A model may read a
#: subset (its file lists the features it was trained on, so a feature added later does
#: not retire it): its weights index this tuple once loaded.
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
    "keyword_hit_count",
    "keyword_hit_cos",
    "keyword_hit_specificity",
)

#: (row, tree) cells per block of :meth:`RelevanceModel._tree_logits` (a few MB: stays in cache).
_TREE_BLOCK_CELLS = 1 << 17


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
        features: The features of :data:`FEATURES` the model reads (all when None);
            :meth:`fit`, :meth:`predict_proba` and :meth:`contributions` still take all.

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
        features: tuple[str, ...] | list[str] | None = None,
    ) -> None:
        self.kind = kind
        self.features = tuple(FEATURES if features is None else features)
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
        columns = [FEATURES.index(name) for name in self.features]
        features = np.nan_to_num(np.asarray(features, dtype=np.float64))[:, columns]
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
        self._to_all_features(columns)
        self._arrays: list[tuple[np.ndarray, ...]] | None = None
        self._stack: tuple[np.ndarray, ...] | None = None
        self._plan: tuple[np.ndarray, ...] | None = None
        return self

    def _to_all_features(self, columns: list[int]) -> None:
        """Make the fitted weights index :data:`FEATURES` (``columns``: the position there
        of each feature the model read), so that predicting takes every feature as is."""
        if self.kind == "logistic":
            mean, scale = np.zeros(len(FEATURES)), np.ones(len(FEATURES))
            coef = np.zeros(len(FEATURES))
            mean[columns], scale[columns], coef[columns] = self.mean_, self.scale_, self.coef_
            self.mean_, self.scale_, self.coef_ = mean, scale, coef
        else:
            for tree in self.trees_:
                tree["feature"] = [
                    columns[f] if not leaf else 0
                    for f, leaf in zip(tree["feature"], tree["is_leaf"], strict=True)
                ]

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
            "reads": list(self.features),
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
                "`python -m voc.models.touchpoint_training --out models/touchpoints/v2`"
            ) from e
        except (OSError, ValueError) as e:
            raise ConfigError(f"touchpoint relevance model {path} is unreadable: {e}") from e
        written = list(payload.get("features") or [])
        unknown = [name for name in written if name not in FEATURES]
        if unknown or not written:
            raise ConfigError(
                f"touchpoint relevance model {path} reads features this version of voc does "
                f"not compute ({', '.join(unknown) or 'none listed'}); retrain it "
                "(python -m voc.models.touchpoint_training)"
            )
        model = cls(
            payload["kind"],
            payload["threshold"],
            keyword_threshold=payload["keyword_threshold"],
            features=payload.get("reads", written),
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
        if model.kind == "trees" and any(
            f >= len(written)
            for tree in model.trees_
            for f, leaf in zip(tree["feature"], tree["is_leaf"], strict=True)
            if not leaf
        ):
            raise ConfigError(
                f"touchpoint relevance model {path} lists fewer features than its trees read; "
                "retrain it (python -m voc.models.touchpoint_training)"
            )
        # The file's feature positions -> this version's (older files list fewer features).
        model._to_all_features([FEATURES.index(name) for name in written])
        model.name_ = Path(folder).name
        return model
