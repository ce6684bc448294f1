"""The touchpoint tagger: fit a taxonomy (keywords compiled, evidence embedded), score and
decide, tag sentences and records, save and load; :func:`roll_up` to records."""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voc.errors import ConfigError, VocError
from voc.models.embedders import DEFAULT_EMBEDDER
from voc.taxonomy import Taxonomy
from voc.touchpoints.evidence import (
    _DESCRIPTION,
    _KEYWORD,
    _MIN_STD,
    BACKGROUND_SENTENCES,
    TouchpointScores,
    _raw_similarities,
    pair_features,
    rule_overrides,
    taxonomy_evidence,
)
from voc.touchpoints.keywords import _UNSPACED, _compile_patterns, _fold, keyword_patterns
from voc.touchpoints.relevance import DEFAULT_RELEVANCE_MODEL, RelevanceModel

if TYPE_CHECKING:
    from voc.touchpoints.explain import TouchpointEvidence

logger = logging.getLogger("voc.touchpoints")


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
            (``models/touchpoints/v2``) when None.
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
        self._fit_keyword_details()
        logger.debug(
            "touchpoint tagger fitted: %d touchpoints, %d prototypes, embedder %s",
            len(self.names_),
            len(texts),
            self.embedder_name,
        )
        return self

    def _fit_keyword_details(self) -> None:
        """Per keyword its own pattern, prototype row and specificity (see :data:`FEATURES`)."""
        self.keyword_patterns_ = keyword_patterns(self.taxonomy)
        n_touchpoints = len(self.names_)
        self.keyword_row_: list[dict[str, int]] = []
        for column in range(n_touchpoints):
            rows = self.prototype_groups_.get((column, _KEYWORD), np.zeros(0, dtype=np.intp))
            self.keyword_row_.append({self.prototype_text_[int(r)]: int(r) for r in rows})
        descriptions = np.zeros((n_touchpoints, self.prototypes_.shape[1]), dtype=np.float32)
        for column in range(n_touchpoints):
            descriptions[column] = self.prototypes_[
                self.prototype_groups_[(column, _DESCRIPTION)][0]
            ]
        cosines = self.prototypes_ @ descriptions.T  # (n_prototypes, n_touchpoints)
        own = cosines[np.arange(len(cosines)), self.prototype_touchpoint_]
        others = cosines.copy()
        others[np.arange(len(cosines)), self.prototype_touchpoint_] = -np.inf
        best_other = others.max(axis=1) if n_touchpoints > 1 else np.zeros_like(own)
        self.prototype_specificity_ = (own - best_other).astype(np.float32)

    def keyword_details(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        hits: np.ndarray,
        embeddings: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Which keywords matched where a touchpoint's keywords hit: float32 arrays
        ``(n, n_touchpoints)`` ``hit_count`` (distinct keywords matched), ``hit_cos`` (the
        best cosine between a matched keyword and the sentence) and ``hit_specificity``
        (the most specific matched keyword's, see :data:`FEATURES`); 0 without a hit.
        Each keyword's own pattern runs only where the touchpoint's trie matched."""
        shape = hits.shape
        out = {
            key: np.zeros(shape, dtype=np.float32)
            for key in ("hit_count", "hit_cos", "hit_specificity")
        }
        rows, columns = np.nonzero(hits)
        folded: dict[tuple[int, bool], str] = {}
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            language = languages[row]
            base = (language or "").split("-")[0].split("_")[0].lower()
            codes = [base] if base in self.keyword_patterns_ else list(self.keyword_patterns_)
            matched: set[int] = set()
            for code in codes:
                unspaced = code in _UNSPACED
                key = (row, unspaced)
                if key not in folded:
                    folded[key] = _fold(texts[row], unspaced)
                for keyword, pattern in self.keyword_patterns_[code][column]:
                    prototype = self.keyword_row_[column].get(keyword)
                    if prototype is not None and pattern.search(folded[key]):
                        matched.add(prototype)
            if not matched:
                continue
            chosen = np.fromiter(matched, dtype=np.intp)
            out["hit_count"][row, column] = len(chosen)
            out["hit_cos"][row, column] = float((self.prototypes_[chosen] @ embeddings[row]).max())
            out["hit_specificity"][row, column] = float(self.prototype_specificity_[chosen].max())
        return out

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
        return TouchpointScores(list(self.names_), hits, features, probability, self._nearest(raw))

    def _nearest(self, raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """:attr:`TouchpointScores.nearest` from the raw similarities."""
        positive = np.maximum(np.maximum(raw["name"], raw["description"]), raw["example_max"])
        meaning_z = (raw["blend"] - self.background_mean_["blend"]) / self.background_std_["blend"]
        return {
            "example": raw["example_max"],
            "negative": raw["negative_max"],
            "positive": positive,
            "meaning_z": meaning_z,
        }

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

    def features_and_nearest(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """:meth:`features` and what the rules of :meth:`decide` read beside the relevance
        model (:attr:`TouchpointScores.nearest`; see :func:`rule_overrides`), so that
        training and measurement decide as the pipeline does. Needs only :meth:`fit_evidence`.
        """
        hits, features, raw = self._evidence(texts, languages, embeddings)
        return hits, features, self._nearest(raw)

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
        raw.update(self.keyword_details(texts, languages, hits, embeddings))
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
            forced, vetoed = rule_overrides(scores.nearest, scores.feature("tax_margin"))
            tagged = (tagged | forced) & ~vetoed
        return tagged

    def explain(self, text: str, language: str | None) -> list[TouchpointEvidence]:
        """Why ``text`` gets (or does not get) each touchpoint: the evidence that fired.

        See :func:`voc.touchpoints.explain.explain`.
        """
        from voc.touchpoints.explain import explain

        return explain(self, text, language)

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
        tagger._fit_keyword_details()
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
