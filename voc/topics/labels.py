"""Readable topic labels: the key phrase of a topic's sentences nearest its centroid.

A keyword triple ("answer · なし · question") is not something a CX lead can forward. A
topic's label here is a phrase its own sentences use ("parcel arrived late", "決済エラー"):

1. **Candidates.** Key phrases of the topic's sampled sentences (the same sentences, and
   the same spaCy pass, as its keywords: :meth:`KeywordTokenizer.terms`): English noun
   phrases, verb + object ("waiting on my refund"), subject + verb ("app keeps
   crashing"); Japanese compound nouns, noun + particle + predicate ("荷物が届かない"),
   modifier + noun ("丁寧な対応"). A candidate must occur in ``min_count`` sentences
   (variants counted together by their lemmas); the most frequent ``max_candidates`` per
   topic and language are kept, and as many phrases written once but made of two or more
   of the topic's recurring words ("fit was unflattering" where "fit" and "unflattering"
   each recur). Fillers ("nope", "thanks", 特になし) are no candidates
   (:mod:`voc.topics.phrases`).
2. **Ranking.** Each candidate is embedded with the embedder the topics were fitted
   with and scored by its cosine to its topic's centroid, minus ``distinct_weight`` x its
   cosine to the nearest *other* centroid (so "dress", near every clothing topic, loses
   to "runs small" for the sizing topic), plus ``frequency_weight`` x the share of the
   topic's sentences that use it (so a phrase one customer wrote twice does not win),
   minus ``single_word_penalty`` for a bare word ("waist" names a part, "waist runs
   small" the complaint) and ``once_penalty`` for a phrase written once (one of many
   such phrases is near the centroid by chance).
3. **Diversity.** Maximal marginal relevance picks ``n_phrases`` key phrases: the best
   one is the label, the next ones are as relevant but unlike those already picked.
4. **Languages.** Each language with at least ``min_language_share`` of the topic's
   sentences gets its own label (the aliases); the label is the one in ``language`` (the
   digest's) whenever the topic has one, else the best-scoring one (the others stay as
   aliases). Readers in another language take the alias in theirs
   (:func:`voc.store.topics.label_sql`). A complaint label's candidates in one language
   are ranked against the centroid of that language's complaints when the topic has
   enough of them (``language_centroids``): the English name of mostly Japanese payment
   errors is judged by the English ones.

A topic without any candidate (too few sentences, or none repeats) keeps its keyword
label, so every topic has one.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voc.topics.tokens import TextTerms

__all__ = [
    "PhraseLabeler",
    "TopicLabel",
    "complaint_labeler",
    "is_phrase",
    "keyword_triple",
    "label_check",
    "names_a_thing",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicLabel:
    """A topic's label and what it was chosen from.

    Attributes:
        label: The phrase (or the keyword label when no phrase qualified).
        language: The label's language (``en``, ``ja``).
        aliases: The label in each language the topic has, e.g. ``{"en": "parcel arrived
            late", "ja": "荷物が届かない"}``.
        phrases: Key phrases, best first (the label first), in the label's language.
        score: The label's ranking score (cosine terms; NaN for a keyword label).
    """

    label: str
    language: str
    aliases: dict[str, str] = field(default_factory=dict)
    phrases: tuple[str, ...] = ()
    score: float = float("nan")


class PhraseLabeler:
    """Picks each topic's label from its sentences' key phrases (the module docstring).

    Args:
        embedder: Embeds candidate phrases (``embed(texts) -> (n, dim)``); it must be the
            embedder the centroids come from. None: candidates are ranked by frequency
            and distinctiveness of their words only.
        language: The label's language (the digest's) whenever the topic has a label in
            it; the others are aliases.
        n_phrases: Key phrases kept per topic and language.
        diversity: MMR trade-off: 0 ranks by relevance only, 1 by novelty only.
        distinct_weight: Weight of the cosine to the nearest other centroid (subtracted).
        frequency_weight: Weight of the share of the topic's sentences using the phrase.
        single_word_penalty: Subtracted from a one-word candidate's score: "love this
            dress" says more than "dress" (a Japanese compound such as 決済エラー is one word
            only when Sudachi left it whole, so it counts as a phrase).
        once_penalty: Subtracted from the score of a phrase written in fewer than
            ``min_count`` sentences (admitted because its words recur).
        min_count: Sentences a candidate must occur in (or each of its words, for a
            phrase written once).
        max_candidates: Most frequent candidates ranked per topic and language.
        min_language_share: Share of a topic's sentences a language needs for its own label.
        object_bonus: Added to the score of a phrase that names a thing (holds a noun:
            :attr:`TextTerms.objects`). 0 for a topic's own label; a pain point's label
            (:func:`complaint_labeler`) uses it so that "sleeves are too tight" wins over
            "too bad" or "not worth" said as often. A bare word gets none (it is one
            already, and the bare-word penalty stands).
    """

    def __init__(
        self,
        embedder: Any = None,
        language: str = "en",
        n_phrases: int = 3,
        diversity: float = 0.3,
        distinct_weight: float = 0.5,
        frequency_weight: float = 0.2,
        single_word_penalty: float = 0.1,
        once_penalty: float = 0.1,
        min_count: int = 2,
        max_candidates: int = 40,
        min_language_share: float = 0.2,
        object_bonus: float = 0.0,
    ) -> None:
        self.embedder = embedder
        self.language = language
        self.n_phrases = n_phrases
        self.diversity = diversity
        self.distinct_weight = distinct_weight
        self.frequency_weight = frequency_weight
        self.single_word_penalty = single_word_penalty
        self.once_penalty = once_penalty
        self.min_count = min_count
        self.max_candidates = max_candidates
        self.min_language_share = min_language_share
        self.object_bonus = object_bonus

    def label_topics(
        self,
        terms: Sequence[Sequence[TextTerms]],
        languages: Sequence[Sequence[str]],
        centroids: np.ndarray,
        keyword_labels: Sequence[str],
        against: Sequence[Sequence[TextTerms]] | None = None,
        language_centroids: Mapping[tuple[int, str], np.ndarray] | None = None,
    ) -> list[TopicLabel]:
        """A label per topic.

        Args:
            terms: Per topic, the :class:`TextTerms` of its sampled sentences.
            languages: Per topic, the keyword language (``en``/``ja``) of each of them.
            centroids: float ``(k, dim)`` unit topic centroids, in topic order.
            keyword_labels: Per topic, the label to fall back on.
            against: Per topic, the :class:`TextTerms` of sentences its label must not
                come from: for a pain point's label, its topic's other (not negative)
                sentences. A candidate used in a larger share of those than of the
                topic's own (``terms``) is dropped: praise written in a complaint ("the v
                neck is just right, but the sleeves ...") is praise. None: none.
            language_centroids: ``(topic, language) -> unit vector``: the centroid of the
                topic's sentences in that language, which that language's candidates are
                ranked against instead of ``centroids[topic]`` (the English label of a
                mostly Japanese topic is judged by its English sentences). None or a
                missing key: ``centroids[topic]``.

        Returns:
            One :class:`TopicLabel` per topic, in topic order.
        """
        k = len(terms)
        # (topic, language) -> [(surface, share, repeated)], the candidates to rank.
        candidates: dict[tuple[int, str], list[tuple[str, float, bool, bool]]] = {}
        main_language: list[str] = []
        for topic in range(k):
            by_language: dict[str, list[TextTerms]] = {}
            for item, language in zip(terms[topic], languages[topic], strict=True):
                by_language.setdefault(language, []).append(item)
            total = sum(len(items) for items in by_language.values())
            ranked = sorted(by_language, key=lambda code: (-len(by_language[code]), code))
            main_language.append(ranked[0] if ranked else self.language)
            for language in ranked:
                items = by_language[language]
                if language != ranked[0] and len(items) < self.min_language_share * total:
                    continue
                found = self._candidates(items, against[topic] if against is not None else None)
                if found:
                    candidates[(topic, language)] = found
        surfaces = sorted({item[0] for found in candidates.values() for item in found})
        vectors = self._embed(surfaces, centroids)
        index = {surface: row for row, surface in enumerate(surfaces)}
        labels: list[TopicLabel] = []
        # Two topics never share a label (a digest listing "waist" twice tells nothing):
        # topics come largest first, and a taken phrase passes to the next best one.
        taken: dict[str, set[str]] = {}
        for topic in range(k):
            aliases: dict[str, str] = {}
            phrases: dict[str, tuple[str, ...]] = {}
            scores: dict[str, float] = {}
            for (owner, language), found in candidates.items():
                if owner != topic:
                    continue
                rows = [index[item[0]] for item in found]
                prior = np.array(
                    [
                        self.frequency_weight * share
                        - (self.single_word_penalty if _one_word(surface, language) else 0.0)
                        - (0.0 if repeated else self.once_penalty)
                        + (self.object_bonus if names and not _one_word(surface, language) else 0.0)
                        for surface, share, repeated, names in found
                    ],
                    dtype=np.float32,
                )
                own = centroids
                if language_centroids is not None and (topic, language) in language_centroids:
                    own = centroids.copy()
                    own[topic] = language_centroids[(topic, language)]
                picked, relevance = self._pick(
                    vectors[rows] if vectors is not None else None,
                    prior,
                    own,
                    topic,
                )
                used = taken.setdefault(language, set())
                free = [i for i in picked if found[i][0].casefold() not in used] or [
                    i
                    for i in np.argsort(-relevance, kind="stable").tolist()
                    if found[i][0].casefold() not in used
                ][:1]
                if not free:
                    continue
                first = free[0]
                rest = [found[i][0] for i in picked if i != first]
                phrases[language] = (found[first][0], *rest)
                aliases[language] = found[first][0]
                used.add(found[first][0].casefold())
                scores[language] = float(relevance[first])
            if not aliases:
                labels.append(TopicLabel(keyword_labels[topic], main_language[topic]))
                continue
            # In the digest's language whenever the topic has a label in it: a reader
            # of an English digest reads "received the return", not 返品受付 scoring
            # a little higher (its alias). Only a topic without one falls back.
            language = (
                self.language
                if self.language in aliases
                else max(aliases, key=lambda code: (scores[code], code))
            )
            labels.append(
                TopicLabel(
                    aliases[language], language, aliases, phrases[language], scores[language]
                )
            )
        return labels

    def _candidates(
        self, items: Sequence[TextTerms], against: Sequence[TextTerms] | None = None
    ) -> list[tuple[str, float, bool, bool]]:
        """Candidates of one topic in one language: ``(surface, share of sentences,
        whether it was written in ``min_count`` sentences, whether it names a thing)``;
        none used in a larger share of ``against`` than of ``items``."""
        counts: Counter[str] = Counter()
        surfaces: dict[str, Counter[str]] = {}
        objects: set[str] = set()
        for item in items:
            objects.update(item.objects)
            for key, surface in dict(item.phrases).items():
                counts[key] += 1
                surfaces.setdefault(key, Counter())[surface] += 1
        kept = [(key, n) for key, n in counts.items() if n >= self.min_count]
        kept.sort(key=lambda pair: (-pair[1], pair[0]))
        kept = kept[: self.max_candidates]
        # A phrase written once still qualifies when it is made of the topic's recurring
        # words: "fit was unflattering" in a topic where "fit" and "unflattering" each
        # recur says what its sentences share, worded as one customer put it.
        words: Counter[str] = Counter()
        for item in items:
            words.update(set(item.tokens))
        composed = []
        for key, n in counts.items():
            if n >= self.min_count:
                continue
            recurring = [w for w in key.split() if w in words]
            if any(c.isdigit() for c in key):
                continue  # "lbs 30dd": measurements, not a subject
            if len(set(recurring)) == len(recurring) >= 2 and all(
                words[w] >= self.min_count for w in recurring
            ):
                composed.append((key, n, min(words[w] for w in recurring)))
        composed.sort(key=lambda item: (-item[2], item[0]))
        kept += [(key, n) for key, n, _ in composed[: self.max_candidates]]
        if against:
            # Said more where it should not come from (praise, for a complaint label);
            # a phrase written once, when none of its words is said more here ("the v
            # neck is just right", one sentence the sentiment model read as negative).
            elsewhere: Counter[str] = Counter()
            elsewhere_words: Counter[str] = Counter()
            for item in against:
                elsewhere.update({key for key, _ in item.phrases})
                elsewhere_words.update(set(item.tokens))

            def more_here(count: int, there: int) -> bool:
                return there / len(against) <= count / len(items)

            kept = [
                (key, n)
                for key, n in kept
                if more_here(n, elsewhere[key])
                and (
                    n >= self.min_count
                    or any(
                        words[w] / len(items) > elsewhere_words[w] / len(against)
                        for w in key.split()
                        if w in words
                    )
                )
            ]
        result = []
        for key, n in kept:
            # The way most customers wrote it; ties to the shorter.
            written, _ = min(
                surfaces[key].items(), key=lambda pair: (-pair[1], len(pair[0]), pair[0])
            )
            result.append((written, n / max(1, len(items)), n >= self.min_count, key in objects))
        return result

    def _embed(self, surfaces: list[str], centroids: np.ndarray) -> np.ndarray | None:
        if self.embedder is None or not surfaces:
            return None
        vectors = np.asarray(self.embedder.embed(surfaces), dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != centroids.shape[1]:
            logger.warning(
                "topic labels: the phrase embedder gives %s-d vectors, the topics are %d-d; "
                "ranking phrases by frequency only (pass the embedder the topics were fitted with)",
                vectors.shape[-1],
                centroids.shape[1],
            )
            return None
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _pick(
        self,
        vectors: np.ndarray | None,
        prior: np.ndarray,
        centroids: np.ndarray,
        topic: int,
    ) -> tuple[list[int], np.ndarray]:
        """MMR over one topic's candidates: the picked indices, best first, and every
        candidate's relevance."""
        relevance = prior.astype(np.float32)
        shares = prior
        if vectors is not None:
            cosines = vectors @ centroids.T  # (candidates, k)
            own = cosines[:, topic]
            others = np.delete(cosines, topic, axis=1)
            nearest_other = others.max(axis=1) if others.shape[1] else np.zeros(len(own))
            relevance = relevance + own - self.distinct_weight * nearest_other
        picked = [int(np.argmax(relevance))]
        while len(picked) < min(self.n_phrases, len(shares)):
            if vectors is None:
                redundancy = np.zeros(len(shares), dtype=np.float32)
            else:
                redundancy = (vectors @ vectors[picked].T).max(axis=1)
            mmr = (1 - self.diversity) * relevance - self.diversity * redundancy
            mmr[picked] = -np.inf
            picked.append(int(np.argmax(mmr)))
        return picked, relevance


def complaint_labeler(embedder: Any, language: str) -> PhraseLabeler:
    """The labeler of a topic's complaints (a pain point's label): the topic labeler's
    settings plus ``object_bonus`` 0.1, the size of the bare-word penalty, so that a phrase
    naming what is wrong ("sleeves were too tight", "charged my card") wins over a bare
    evaluation ("too bad", "not worth", "will be returning") whose cosine to the
    complaints' centroid is up to 0.1 higher. Set by reasoning, not searched; a strict
    preference (1.0) was tried on the demo store and read worse ("load a page", "sew the
    flap" over "not worth", "too tight"): docs/benchmarks.md, pain-point labels."""
    return PhraseLabeler(embedder=embedder, language=language, object_bonus=0.1)


def _one_word(surface: str, language: str) -> bool:
    """A bare word: no space in English; a Japanese phrase of four characters or fewer
    with no particle (荷物, but not 決済エラー or 荷物が届かない)."""
    if language == "ja":
        return len(surface) <= 3
    return " " not in surface.strip()


def keyword_triple(keywords: Sequence[str], language: str, n_words: int = 3) -> str:
    """A topic's top keywords in one language (its script), as a keyword label would show
    them: what a phrase label is compared with by :func:`label_check`."""
    japanese = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
    same = [w for w in keywords if bool(japanese.search(w)) == (language == "ja")]
    return " ".join((same or list(keywords))[:n_words])


def label_check(
    topics: Sequence[Any],
    embed: Any,
    sentences: Sequence[str] | None = None,
    central: Sequence[Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Each label judged against its topic: how near its centroid it sits, beside the
    keyword triple of the label's language (and optionally a random sentence of the
    topic); whether it is a phrase; how many of the topic's central sentences it covers.

    Args:
        topics: :class:`voc.topics.model.Topic` objects (``label``, ``keywords``,
            ``label_language``, ``centroid``).
        embed: ``embed(texts) -> (n, dim)`` with the embedder the topics were fitted with,
            in their space (``lambda t: model.to_space(embedder.embed(t))`` when the model
            maps its vectors, :mod:`voc.topics.space`).
        sentences: One random sentence of each topic, in topic order (None: not compared).
        central: Per topic, its sentences nearest its centroid (None: no coverage).

    Returns:
        ``{"label", "keywords", "sentence"}``: mean cosines to the centroids;
        ``label_wins``: share of topics whose label is nearer than its keyword triple;
        ``phrase_share``: share of labels that are phrases (:func:`is_phrase`);
        ``coverage`` / ``keyword_coverage``: mean share of a topic's central sentences
        that use a content word of its label / of its keyword triple;
        ``worst_cosine_gap``: the lowest label cosine minus triple cosine;
        ``per_topic``: ``(label, triple, label cosine, triple cosine, coverage)`` (coverage
        NaN without ``central``).
    """
    if not topics:
        return {"label": None, "keywords": None, "sentence": None, "label_wins": None}
    centroids = np.vstack([np.asarray(t.centroid, dtype=np.float32) for t in topics])
    triples = [keyword_triple(t.keywords, t.label_language or "en") for t in topics]

    def cosines(texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(embed(list(texts)), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.einsum("ij,ij->i", vectors, centroids)

    own = cosines([t.label for t in topics])
    keyword = cosines(triples)
    covered: list[float] | None = None
    triple_covered: list[float] = []
    if central is not None:
        covered = [_coverage(t.label, texts) for t, texts in zip(topics, central, strict=True)]
        triple_covered = [_coverage(w, texts) for w, texts in zip(triples, central, strict=True)]
    result: dict[str, Any] = {
        "label": round(float(own.mean()), 4),
        "keywords": round(float(keyword.mean()), 4),
        "sentence": round(float(cosines(sentences).mean()), 4) if sentences else None,
        "label_wins": round(float(np.mean(own > keyword)), 4),
        "worst_cosine_gap": round(float(np.min(own - keyword)), 4),
        "phrase_share": round(
            float(np.mean([is_phrase(t.label, t.label_language or "en") for t in topics])), 4
        ),
        "coverage": round(float(np.mean(covered)), 4) if covered is not None else None,
        "keyword_coverage": round(float(np.mean(triple_covered)), 4) if covered else None,
        "per_topic": [
            (t.label, triple, round(float(a), 3), round(float(b), 3), c)
            for t, triple, a, b, c in zip(
                topics, triples, own, keyword, covered or [math.nan] * len(topics), strict=True
            )
        ],
    }
    return result


_WORD = re.compile(r"[^\W\d_][\w'-]*")
_JA_PARTICLE = re.compile(r"[がをにはもでのと]")
# Function words that make no phrase of a word ("the waist", "cant use" counts two).
_FUNCTION_TEXT = (
    "a an the this that these those my your our its it i me you he she we they them is "
    "are was were be been am do does did has have had of to in on at for with and or but "
    "so very really just"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
# Fillers as a label of their own, but the subject of a clause beside a verb: "nothing
# has changed" is a phrase (a W45 pain point's), "nothing" alone is not.
_SUBJECTS = frozenset({"nothing", "something", "anything", "everything"})


def _content_words(label: str, language: str) -> list[str]:
    if language == "ja" or re.search(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]", label):
        return [part for part in _JA_PARTICLE.split(label) if len(part) >= 2]
    from voc.topics.phrases import FILLERS

    return [
        w
        for w in _WORD.findall(label.lower())
        if w not in _FUNCTION_WORDS and (w not in FILLERS or w in _SUBJECTS) and len(w) > 1
    ]


def is_phrase(label: str, language: str) -> bool:
    """Whether a label is a phrase a person would write rather than a bare word: two
    content words or more in English ("waist runs small", "nothing has changed", not
    "waist", "nope" or "nothing"); in
    Japanese a compound or a predicate (決済エラー, 荷物が届かない), not a bare noun
    (返金) or a filler (なし)."""
    if " · " in label:
        return False  # a keyword list
    if language == "ja" or re.search(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]", label):
        return not _one_word(label, "ja") and label not in ("特になし", "なし")
    return len(_content_words(label, language)) >= 2


def names_a_thing(
    labels: Sequence[str], languages: Sequence[str], tokenizer: Any = None
) -> list[bool]:
    """Whether each label says what is talked about ("sleeves were too tight", "charged
    twice", 決済エラー) rather than only judging it ("too bad", "not worth", "can't use"):
    one of its own key phrases names a thing (:attr:`TextTerms.objects`), the test a pain
    point's label is chosen by, here on the label alone.

    Args:
        labels: The labels.
        languages: Their keyword languages (``en``, ``ja``).
        tokenizer: A :class:`voc.topics.tokens.KeywordTokenizer` (a new one when None).
    """
    if tokenizer is None:
        from voc.topics.tokens import KeywordTokenizer

        tokenizer = KeywordTokenizer()
    terms = tokenizer.terms(list(labels), list(languages))
    return [bool(item.objects) for item in terms]


def _coverage(label: str, texts: Sequence[str]) -> float:
    """Share of ``texts`` using a content word of ``label`` (its first five letters, so
    "runs" finds "running"; Japanese parts as written)."""
    words = _content_words(label, "en")
    if not texts or not words:
        return 0.0
    stems = [w[:5] for w in words]
    hits = sum(any(stem in text.lower() for stem in stems) for text in texts)
    return round(hits / len(texts), 4)
