"""Meaning evidence of the touchpoint tagger: the taxonomy's texts to embed, the background
sentences, the raw similarities and the pair features the relevance model reads, and the
scores (with the decision rules' constants) that :meth:`TouchpointTagger.decide` applies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from voc.taxonomy import Taxonomy
from voc.touchpoints.relevance import FEATURES

if TYPE_CHECKING:
    from voc.touchpoints.tagger import TouchpointTagger

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

# Prototype kinds: what a row of ``prototypes_`` is evidence of.
_NAME, _DESCRIPTION, _KEYWORD, _EXAMPLE, _NEGATIVE = range(5)
# Floors of standard deviations: a touchpoint whose background is uniformly far away must
# not turn tiny cosine differences into huge z-scores.
_MIN_STD = 0.02

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


def rule_overrides(
    nearest: dict[str, np.ndarray],
    tax_margin: np.ndarray,
    meaning_rule: tuple[float, float] | None = (MEANING_MIN_Z, MEANING_MIN_MARGIN),
) -> tuple[np.ndarray, np.ndarray]:
    """The decision rules beside the relevance model's thresholds, bool ``(n, n_touchpoints)``
    each: ``forced`` (strong, specific meaning: :data:`MEANING_MIN_Z` and
    :data:`MEANING_MIN_MARGIN`; or an example at :data:`EXAMPLE_MATCH`, closer than every
    negative example) and ``vetoed`` (a negative example at :data:`NEGATIVE_MATCH`, closer
    than the name, the description and every example). :meth:`TouchpointTagger.decide`
    tags ``(thresholds | forced) & ~vetoed``; training scores its thresholds the same way.

    Args:
        nearest: ``example``, ``negative``, ``positive`` and ``meaning_z`` as
            :attr:`TouchpointScores.nearest` holds them.
        tax_margin: The ``tax_margin`` feature ``(n, n_touchpoints)``.
        meaning_rule: The minimum z-score and margin of the strong-meaning rule (None:
            no such rule); the tagger's by default.
    """
    example, negative = nearest["example"], nearest["negative"]
    forced = (example >= EXAMPLE_MATCH) & (example > negative)
    if meaning_rule is not None:
        min_z, min_margin = meaning_rule
        forced |= (nearest["meaning_z"] >= min_z) & (tax_margin >= min_margin)
    vetoed = (negative >= NEGATIVE_MATCH) & (negative > nearest["positive"])
    return forced, vetoed


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
        raw: The sentences' raw similarities when already computed; with the keyword
            details of :meth:`TouchpointTagger.keyword_details` under ``hit_count``,
            ``hit_cos`` and ``hit_specificity`` (0 where absent).

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
    zeros = np.zeros_like(hit)
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
        "keyword_hit_count": raw.get("hit_count", zeros),
        "keyword_hit_cos": raw.get("hit_cos", zeros),
        "keyword_hit_specificity": raw.get("hit_specificity", zeros),
    }
    return np.stack([columns[name] for name in FEATURES], axis=-1).astype(np.float32)
