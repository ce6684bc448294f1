"""Tag sentences with the touchpoints of a taxonomy: keyword evidence plus meaning.

Any taxonomy works without training, which is how analysts start: write a YAML file (see
``configs/taxonomy.yaml``), tag, read, edit. Two kinds of evidence are combined:

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
- **Similarity** between the sentence embedding and the touchpoint's prototypes, embedded
  once in :meth:`TouchpointTagger.fit`: the cosine to its description and the cosine to
  its closest example, averaged (``description_weight``; the description alone when a
  touchpoint has no examples). The maximum over many examples alone is noisy (some example
  is always near a generic sentence); the description alone misses how customers phrase
  things. Raw cosines are not comparable across touchpoints or embedders (a broad
  description is close to everything), so each is turned into a z-score against a fixed
  background of sentences about no touchpoint (small talk, generic praise and complaints,
  English and Japanese, :data:`BACKGROUND_SENTENCES`): ``z = (cos - mean_bg) / std_bg``
  per touchpoint. Thresholds are then in units of "how unusual for an off-topic
  sentence", which carries over to a new taxonomy or another embedder without any
  labelled data.

Decision, per sentence and touchpoint::

    tagged = (keyword hit and z >= keyword_min_z) or z >= similarity_min_z

A keyword hit is kept unless the sentence is less like the touchpoint than a typical
off-topic sentence (``keyword_min_z = -0.5``). That drops "manager" in "the best file
manager" and "ripped" in "sprites ripped from the game", about 2% of the keyword hits on
the app reviews; it cannot catch every other sense of a word, so prefer phrases. Without
a keyword, the meaning alone must stand four standard deviations above the background
(``similarity_min_z = 4``). The three numbers were set on the development half of the
app-review benchmark (``bench/touchpoints.py``, which reports the other half) and checked
on hand-written Japanese sentences; ``use_embeddings=False`` is the keyword-only tagger.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voc.errors import VocError
from voc.taxonomy import Taxonomy

__all__ = [
    "BACKGROUND_SENTENCES",
    "TouchpointScores",
    "TouchpointTagger",
    "roll_up",
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


@dataclass(frozen=True)
class TouchpointScores:
    """The evidence behind tags, per sentence and touchpoint.

    Attributes:
        names: Touchpoint names, the order of the columns.
        keyword_hits: bool array ``(n_sentences, n_touchpoints)``: a keyword matched.
        similarity: float32 array ``(n_sentences, n_touchpoints)``: z-score of the
            touchpoint cosine against the background; all zeros without embeddings.
    """

    names: list[str]
    keyword_hits: np.ndarray
    similarity: np.ndarray


class TouchpointTagger:
    """Tag sentences with zero or more touchpoints of a taxonomy, without training.

    Args:
        taxonomy: The touchpoints, e.g. ``load_taxonomy()``.
        embedder_name: Embedder for the similarity evidence (see
            :func:`voc.models.embedders.get_embedder`). Sentence embeddings passed to
            :meth:`tag` must come from the same embedder.
        use_embeddings: False gives the keyword-only tagger (nothing is embedded).
        keyword_min_z: A keyword hit counts when the sentence's similarity z-score for
            that touchpoint is at least this (a veto on keywords used in another sense).
        similarity_min_z: Without a keyword hit, the z-score needed to tag.
        description_weight: Weight of the description's cosine against the closest
            example's (0.5: equal).
        embedder: An embedder object to use instead of building ``embedder_name`` (lets
            the pipeline share one loaded model between stages).

    Attributes set by :meth:`fit`:
        patterns_: Per language, one compiled pattern (or None) per touchpoint.
        prototypes_: float32 ``(n_prototypes, dim)``: descriptions and examples, embedded.
        prototype_touchpoint_: int ``(n_prototypes,)``: the touchpoint of each prototype.
        background_mean_, background_std_: float32 ``(n_touchpoints,)``: cosine statistics
            of :data:`BACKGROUND_SENTENCES` per touchpoint.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        embedder_name: str = "use-multilingual",
        *,
        use_embeddings: bool = True,
        keyword_min_z: float = -0.5,
        similarity_min_z: float = 4.0,
        description_weight: float = 0.5,
        embedder: Any = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.embedder_name = embedder_name
        self.use_embeddings = use_embeddings
        self.keyword_min_z = keyword_min_z
        self.similarity_min_z = similarity_min_z
        self.description_weight = description_weight
        self.embedder = embedder

    # -- fitting -----------------------------------------------------------------------

    def fit(self) -> TouchpointTagger:
        """Compile the keywords and embed the prototypes and background once.

        Optional: :meth:`tag` calls it on first use. Calling it again recomputes.

        Returns:
            self.

        Raises:
            ConfigError: Unknown embedder name.
            MissingDependencyError: The embedder's package is not installed.
        """
        self.names_ = self.taxonomy.names
        self.patterns_ = _compile_patterns(self.taxonomy)
        if not self.use_embeddings:
            return self
        embedder = self._embedder()
        # Descriptions first (one per touchpoint, in order), then every example.
        texts = [touchpoint.description for touchpoint in self.taxonomy.touchpoints]
        owners = list(range(len(texts)))
        for index, touchpoint in enumerate(self.taxonomy.touchpoints):
            texts.extend(touchpoint.examples)
            owners.extend([index] * len(touchpoint.examples))
        self.prototypes_ = np.asarray(embedder.embed(texts), dtype=np.float32)
        self.prototype_touchpoint_ = np.asarray(owners, dtype=np.intp)
        background = np.asarray(embedder.embed(list(BACKGROUND_SENTENCES)), dtype=np.float32)
        cosines = self._best_cosines(background)
        self.background_mean_ = cosines.mean(axis=0).astype(np.float32)
        # A floor keeps a touchpoint whose background is uniformly far away from turning
        # tiny cosine differences into huge z-scores.
        self.background_std_ = np.maximum(cosines.std(axis=0), 0.02).astype(np.float32)
        logger.debug(
            "touchpoint tagger fitted: %d touchpoints, %d prototypes, embedder %s",
            len(self.names_),
            len(texts),
            self.embedder_name,
        )
        return self

    def _embedder(self) -> Any:
        if self.embedder is None:
            from voc.models.embedders import get_embedder

            self.embedder = get_embedder(self.embedder_name)
        return self.embedder

    def _fitted(self) -> None:
        if not hasattr(self, "patterns_") or (
            self.use_embeddings and not hasattr(self, "prototypes_")
        ):
            self.fit()

    def _best_cosines(self, embeddings: np.ndarray) -> np.ndarray:
        """Touchpoint cosines ``(n, n_touchpoints)``: description and best example, blended."""
        cosines = embeddings @ self.prototypes_.T
        n_touchpoints = len(self.names_)
        description = cosines[:, :n_touchpoints]
        if cosines.shape[0] == 0 or cosines.shape[1] == n_touchpoints:
            return description
        # Examples are stored touchpoint by touchpoint after the descriptions, so a
        # segmented max gives each touchpoint's best example.
        owners = self.prototype_touchpoint_[n_touchpoints:]
        starts = np.flatnonzero(np.r_[True, np.diff(owners) != 0])
        best = np.maximum.reduceat(cosines[:, n_touchpoints:], starts, axis=1)
        blended = description.copy()
        has_examples = owners[starts]
        weight = self.description_weight
        blended[:, has_examples] = weight * description[:, has_examples] + (1 - weight) * best
        return blended

    # -- scoring and tagging -----------------------------------------------------------

    def score(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        embeddings: np.ndarray | None = None,
    ) -> TouchpointScores:
        """The keyword and similarity evidence for each sentence and touchpoint.

        Args:
            texts: Sentences (one judgement each works best; see
                :func:`voc.text.sentences.split_sentences`).
            languages: ISO 639-1 code per sentence (``en``, ``ja``, ``ja-JP``); None, ""
                or ``und`` match every language's keywords.
            embeddings: Optional float32 ``(len(texts), dim)`` sentence embeddings from
                the same embedder, so that the pipeline embeds each sentence once; when
                None they are computed here. Ignored when ``use_embeddings`` is False.

        Raises:
            VocError: ``languages`` or ``embeddings`` do not match ``texts``.
        """
        self._fitted()
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
        similarity = np.zeros(hits.shape, dtype=np.float32)
        if self.use_embeddings and len(texts):
            if embeddings is None:
                embeddings = self._embedder().embed(list(texts))
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.shape != (len(texts), self.prototypes_.shape[1]):
                raise VocError(
                    f"embeddings have shape {embeddings.shape}, expected "
                    f"({len(texts)}, {self.prototypes_.shape[1]}): embed the same texts with "
                    f"the tagger's embedder ({self.embedder_name!r})"
                )
            cosines = self._best_cosines(embeddings)
            similarity = ((cosines - self.background_mean_) / self.background_std_).astype(
                np.float32
            )
        return TouchpointScores(names=list(self.names_), keyword_hits=hits, similarity=similarity)

    def decide(self, scores: TouchpointScores) -> np.ndarray:
        """Apply the decision rule to evidence: bool ``(n_sentences, n_touchpoints)``."""
        if not self.use_embeddings:
            return scores.keyword_hits.copy()
        by_keyword = scores.keyword_hits & (scores.similarity >= self.keyword_min_z)
        tagged: np.ndarray = by_keyword | (scores.similarity >= self.similarity_min_z)
        return tagged

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


# -- keyword compilation -------------------------------------------------------------------


def _fold(text: str, unspaced: bool) -> str:
    """Text as keywords are matched against: NFKC, case-folded; see the module docstring."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    if unspaced:
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", _JOINER.sub(" ", text)).strip()


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
