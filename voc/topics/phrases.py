"""Key-phrase candidates for topic labels, from the keyword tagger's pass
(:meth:`voc.topics.tokens.KeywordTokenizer.terms`): English patterns over fine tags and
Japanese compounds and predicates; :mod:`voc.topics.labels` ranks them.

Split from :mod:`voc.topics.tokens`, which calls these per parsed text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from voc.topics.tokens import _HAS_LETTER, _JAPANESE_STOP, _MASK, _placeholder

# -- key-phrase candidates ---------------------------------------------------------------
#
# Patterns over the tagger's fine tags (no parser: it would be most of a refit's time),
# each a phrase a person would write about a subject:
#   noun phrase        (JJ|NN)* NN          "customer service", "battery life", "fabric"
#   verb + object      VB (RP) (DT|PRP$) NP "cancel my subscription", "charged my card"
#   verb + prep + obj  VB IN (DT|PRP$) NP   "waiting on my refund", "charged for shipping"
#   subject + verb     NN VB (RB|JJ|RP|VBG) "parcel arrived late", "app keeps crashing"
#   negated verb       (NN) MD/VBZ not VB   "app won't load", "doesn't work"
#   verb + adverb      VB (RB|JJ|RP)        "arrived late", "runs small", "charged twice"
#   subject + be + adj NN be (not) (too) JJ "fit was unflattering", "sleeves are too tight"
#   degree / negation  too|not (RB) JJ      "too small", "not worth"
#   short sentence     2-4 words            "please fix", "very disappointed"
# The key is the lemmas without determiners, so variants count together.

_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
_ADJ_TAGS = frozenset({"JJ", "JJR", "JJS"})
_VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
_FINITE_TAGS = frozenset({"VBD", "VBP", "VBZ", "MD"})
_AFTER_VERB_TAGS = frozenset({"RB", "RBR", "RP", "JJ", "JJR", "VBG", "VBN"})
_DETERMINER_TAGS = frozenset({"DT", "PRP$", "PDT"})
_NEGATIONS = frozenset({"not", "n't", "never", "nt"})
# Verbs that carry no subject of their own ("is", "have", "get") head no phrase.
# Nor do verbs of saying, wanting and trying ("saying my billing address", "like the way").
_LIGHT_VERBS = frozenset(
    {
        "be",
        "have",
        "do",
        "get",
        "go",
        "make",
        "let",
        "seem",
        "become",
        "say",
        "tell",
        "ask",
        "want",
        "need",
        "try",
        "like",
        "think",
        "know",
        "see",
        "look",
        "find",
        "give",
        "take",
        "feel",
        "mean",
        "call",
        "write",
        "state",
    }
)
# Adverbs that carry nothing after a verb ("was just", "is also").
_WEAK_ADVERBS = frozenset(
    {
        "just",
        "also",
        "so",
        "very",
        "really",
        "too",
        "even",
        "still",
        "then",
        "there",
        "here",
        "now",
        "only",
        "actually",
        "definitely",
        "always",
        "ever",
        "again",
        "as",
        "well",
        "back",
        "up",
        "out",
        "off",
        "in",
        "on",
    }
)
_MAX_PHRASE_WORDS = 5
# Forms of "be" the rule lemmatizer leaves as written ("are" stayed "are"), so "sleeves are"
# headed a subject + verb phrase instead of "sleeves are too long".
_BE_FORMS = frozenset(
    {"am", "is", "are", "was", "were", "been", "being", "'s", "'re", "'m", "ai"}  # ai(n't)
)
# Degree adverbs left out of a predicate ("fit was very unflattering" -> "fit was
# unflattering"); "too" stays: "sleeves were too tight" is the complaint.
_INTENSIFIERS = frozenset(
    {
        "very",
        "really",
        "so",
        "quite",
        "super",
        "just",
        "definitely",
        "extremely",
        "totally",
        "pretty",
        "way",
        "bit",
        "little",
        "a",
        "kind",
        "kinda",
        "somewhat",
        "rather",
        "overly",
        "all",
        "even",
        "still",
        "actually",
        "ever",
        "also",
    }
)
# Words that fill a sentence but name nothing a label could ("nope", "hmm", "thanks"):
# a candidate made of these alone is no label.
FILLERS = frozenset(
    {
        "nope",
        "yep",
        "yes",
        "yeah",
        "no",
        "ok",
        "okay",
        "hmm",
        "hmmm",
        "hm",
        "heh",
        "meh",
        "lol",
        "wow",
        "ugh",
        "oh",
        "ah",
        "bummer",
        "thanks",
        "thank",
        "thx",
        "please",
        "fine",
        "thing",
        "things",
        "stuff",
        "way",
        "time",
        "lot",
        "bit",
        "one",
        "exception",
        "person",
        "people",
        "day",
        "nothing",
        "something",
        "anything",
        "everything",
    }
)
# Conjunctions and fillers a short sentence starts with ("but way too small").
_LEADING = frozenset({"but", "and", "though", "however", "so", "also", "plus", "still", "then"})
# Redaction placeholders written without brackets by some exports ("PERSON", "EMAIL").
_PLACEHOLDER = re.compile(r"[A-Z]{4,}|.")


def _surface(tokens: Sequence[Any]) -> str:
    """How the text wrote the tokens, lower-cased but for acronyms ("UI", "iOS")."""
    parts = []
    for at, token in enumerate(tokens):
        text = token.text
        keep_case = len(text) >= 2 and any(c.isupper() for c in text[1:])
        # Words the phrase skips ("fit was very unflattering", "Perfect!Thanks") leave
        # a space, not words run together.
        adjacent = at + 1 == len(tokens) or tokens[at + 1].i == token.i + 1
        space = token.whitespace_ or ("" if adjacent else " ")
        parts.append((text if keep_case else text.lower()) + space)
    return "".join(parts).strip()


def _english_phrases(doc: Any, lemmatize: Any) -> Iterable[tuple[str, str, bool]]:
    """``(key, surface, names a thing)`` per candidate of one parsed text: the last is
    whether the phrase says what is talked about (:func:`_names_a_thing`)."""
    tokens = list(doc)
    n = len(tokens)
    first = tokens[0].i if tokens else 0  # token.i counts from the start of the Doc

    def word_ok(token: Any) -> bool:
        return (
            _HAS_LETTER.search(token.text) is not None
            and "[" not in token.text
            and not _placeholder(tokens, token.i - first)
            and not token.like_url
            and not token.like_email
            and not _MASK.fullmatch(token.lower_)
        )

    def lemma(token: Any) -> str:
        if token.lower_ in _BE_FORMS:
            return "be"
        tag = token.tag_
        pos = (
            "NOUN"
            if tag in _NOUN_TAGS
            else "VERB"
            if tag in _VERB_TAGS
            else "ADJ"
            if tag in _ADJ_TAGS
            else None
        )
        if pos is None:
            return str(token.lower_)
        return str(lemmatize(token, pos)).lower()

    def emit(
        span: Sequence[Any], keyed: Sequence[Any] | None = None
    ) -> tuple[str, str, bool] | None:
        """``(key, surface)`` of a span as written; ``keyed``: the span's tokens the key
        is made of (degree adverbs left out: "fit was very unflattering" and "fit is
        unflattering" count together), all of them when None."""
        words = [
            t
            for t in (span if keyed is None else keyed)
            if t.tag_ not in _DETERMINER_TAGS or t.lower_ in _NEGATIONS
        ]
        if not words or len(span) > _MAX_PHRASE_WORDS or not all(word_ok(t) for t in span):
            return None
        content = [t for t in words if not t.is_stop and t.tag_ not in ("RB", "RP", "MD")]
        if not content or all(_PLACEHOLDER.fullmatch(t.text) for t in content):
            return None
        if all(t.lower_ in FILLERS or t.tag_ == "UH" for t in content):
            return None  # "nope", "thanks", "bummer"
        if len(words) == 1 and not _HAS_LETTER.fullmatch(words[0].text[:1] or "-"):
            return None
        if len(words) == 1 and any(c.isdigit() for c in words[0].text):
            return None  # "34a", "s6": a size or a model, not a subject
        if any(t.tag_ in _VERB_TAGS and t.is_stop for t in words[:1]) and not any(
            t.lower_ in _NEGATIONS for t in span
        ):
            return None  # "am tall", "was great": a copula heads no phrase
        key = " ".join(lemma(t) for t in words if t.lower_ not in _NEGATIONS)
        if any(t.lower_ in _NEGATIONS for t in span):
            key = "not " + key
        return key, _surface(span), _names_a_thing(words, lemma)

    # Noun phrases: maximal runs of adjectives and nouns ending in a noun.
    noun_phrases: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if tokens[i].tag_ in _NOUN_TAGS or (tokens[i].tag_ in _ADJ_TAGS and not tokens[i].is_stop):
            j = i
            while j < n and (tokens[j].tag_ in _NOUN_TAGS or tokens[j].tag_ in _ADJ_TAGS):
                j += 1
            end = j
            while end > i and tokens[end - 1].tag_ not in _NOUN_TAGS:
                end -= 1
            if end > i:
                noun_phrases.append((max(i, end - 3), end))
            i = j
        else:
            i += 1

    found: list[tuple[str, str, bool] | None] = []
    for start, end in noun_phrases:
        for k in range(start, end):  # "great customer service", "customer service", "service"
            found.append(emit(tokens[k:end]))
        head = max(start, end - 2)
        # Subject + verb: "parcel arrived late", "app keeps crashing", "app won't load".
        v = end
        if v < n and tokens[v].tag_ in _FINITE_TAGS:
            if (
                v + 2 < n
                and tokens[v + 1].lower_ in _NEGATIONS
                and tokens[v + 2].tag_ in _VERB_TAGS
            ):
                stop = v + 3
            elif tokens[v].tag_ != "MD" and lemma(tokens[v]) not in _LIGHT_VERBS:
                stop = v + 1
            else:
                stop = v
            if stop > v:
                if (
                    stop < n
                    and tokens[stop].tag_ in _AFTER_VERB_TAGS
                    and (tokens[stop].lower_ not in _WEAK_ADVERBS)
                ):
                    stop += 1
                found.append(emit(tokens[head:stop]))
        # Subject + copula + adjective: "fit was unflattering", "sleeves are too tight",
        # "fabric isn't soft" (degree adverbs dropped, "too" and negations kept).
        if v < n and lemma(tokens[v]) == "be" and tokens[v].tag_ in _FINITE_TAGS:
            predicate = _predicate(tokens, v + 1)
            if predicate:
                keyed = [*tokens[head:end], tokens[v], *predicate]
                found.append(emit(tokens[head : predicate[-1].i - first + 1], keyed))
        # Verb + object: "cancel my subscription", "charged my card".
        before = start - 1
        while before >= 0 and tokens[before].tag_ in _DETERMINER_TAGS and before > start - 3:
            before -= 1
        if before >= 0 and tokens[before].tag_ == "RP":
            before -= 1
        if (
            before >= 0
            and tokens[before].tag_ in _VERB_TAGS
            and lemma(tokens[before]) not in _LIGHT_VERBS
        ):
            found.append(emit(tokens[before : end if end - start <= 2 else start + 2]))
        # Verb + preposition + object: "waiting on my refund", "charged for shipping",
        # "fit around my chest" (what a complaint is about, beside what was done).
        if (
            before >= 1
            and tokens[before].tag_ == "IN"
            and tokens[before - 1].tag_ in _VERB_TAGS
            and lemma(tokens[before - 1]) not in _LIGHT_VERBS
        ):
            found.append(emit(tokens[before - 1 : end if end - start <= 2 else start + 2]))

    # Verb + adverb or complement without a noun subject: "arrived late", "runs small".
    for v, token in enumerate(tokens[:-1]):
        if token.tag_ not in _VERB_TAGS or lemma(token) in _LIGHT_VERBS:
            continue
        after = tokens[v + 1]
        if (
            after.tag_ in ("RB", "RBR", "RP", "JJ", "JJR")
            and after.lower_ not in _WEAK_ADVERBS
            and after.lower_ not in _NEGATIONS
        ):
            found.append(emit(tokens[v : v + 2]))
        # Negated verb: "didn't fit", "didn't quite work out", "can't use".
        neg = v - 1
        if v >= 2 and tokens[neg].lower_ not in _NEGATIONS and tokens[neg].tag_ == "RB":
            neg = v - 2  # "didn't quite work"
        # Not when the verb's particle follows its object: "don't pass this up" (praise)
        # is no "don't pass", nor "didn't turn it down" "didn't turn".
        split_particle = v + 2 < n and after.tag_ in ("PRP", "DT") and tokens[v + 2].tag_ == "RP"
        if (
            neg >= 1
            and tokens[neg].lower_ in _NEGATIONS
            and tokens[neg - 1].tag_ in _FINITE_TAGS
            and not split_particle
        ):
            particle = [after] if after.tag_ == "RP" else []
            keyed = [tokens[neg - 1], tokens[neg], token, *particle]
            found.append(emit(tokens[neg - 1 : keyed[-1].i - first + 1], keyed))
    # Degree or negated adjective without a subject: "too small", "not well made".
    for a, token in enumerate(tokens[:-1]):
        # "too" after a negation is the negation's phrase: "not too bad" is no "too bad".
        negated = a >= 1 and tokens[a - 1].lower_ in _NEGATIONS
        if (token.lower_ == "too" and not negated) or (
            token.lower_ in _NEGATIONS and (a == 0 or lemma(tokens[a - 1]) != "do")
        ):
            predicate = _predicate(tokens, a)
            if predicate and len(predicate) >= 2:
                keyed = [*([tokens[a - 1]] if token.lower_ == "n't" and a >= 1 else []), *predicate]
                found.append(emit(tokens[keyed[0].i - first : keyed[-1].i - first + 1], keyed))
    # A short sentence that is itself a phrase: "please fix", "way too small", "works
    # great" (leading conjunctions and trailing punctuation dropped).
    words = [t for t in tokens if not t.is_punct and not t.is_space]
    while words and (words[0].lower_ in _LEADING or words[0].tag_ in _DETERMINER_TAGS):
        words = words[1:]
    if 2 <= len(words) <= 4 and not any(t.tag_ in ("PRP", "CC", "IN") for t in words):
        found.append(emit(words))
    seen: set[str] = set()
    for item in found:
        if item is not None and item[0] not in seen:
            seen.add(item[0])
            yield item


# Verbs that judge or react without saying what happened ("can't use", "will be
# returning", "not worth buying", "would not recommend"): with only these, a phrase is a
# bare evaluation, whereas "charged twice" or "arrived late" name the problem.
_VAGUE_VERBS = frozenset(
    {
        "use",
        "return",
        "keep",
        "buy",
        "purchase",
        "order",
        "recommend",
        "love",
        "hate",
        "work",
        "disappoint",
        "regret",
        "send",
        "waste",
        "expect",
        "wish",
        "hope",
        "bother",
        "wear",
        "happen",
        "fix",
        "change",
        "pass",
        "mind",
        "impress",
        "satisfy",
    }
)


def _names_a_thing(words: Sequence[Any], lemma: Any) -> bool:
    """Whether a phrase says what is talked about: a noun that is no filler ("sleeves
    were too tight", "payment error") or a verb that tells what happened ("charged
    twice", "arrived late"), not only an evaluation ("too bad", "not worth", "can't use",
    "will be returning")."""
    for token in words:
        if token.tag_ in _NOUN_TAGS and token.lower_ not in FILLERS:
            return True
        if token.tag_ in _VERB_TAGS and not token.is_stop:
            word = lemma(token)
            if word not in _LIGHT_VERBS and word not in _VAGUE_VERBS:
                return True
    return False


def _predicate(tokens: Sequence[Any], start: int) -> list[Any]:
    """The adjective (or participle) predicate from ``start``: an optional negation,
    degree adverbs dropped but "too", the adjective: ``[not, too, tight]``; [] if none."""
    kept: list[Any] = []
    i = start
    while i < len(tokens) and i < start + 5:
        token = tokens[i]
        if token.lower_ in _NEGATIONS or token.lower_ == "too":
            kept.append(token)
        elif token.tag_ in _ADJ_TAGS or (token.tag_ in ("VBN", "VBD") and i > start):
            following = tokens[i + 1].tag_ if i + 1 < len(tokens) else ""
            if token.lower_ in _INTENSIFIERS and following in (*_ADJ_TAGS, "RB", "DT"):
                i += 1  # "pretty small", not "colors are pretty"
                continue
            if following in _NOUN_TAGS or following in _ADJ_TAGS:
                return []  # "is a great length": the noun phrase says it
            return [*kept, token]
        elif token.lower_ in _INTENSIFIERS or token.tag_ in ("RB", "DT"):
            if token.lower_ == "well" or (
                token.tag_ == "RB"
                and token.lower_ not in _INTENSIFIERS
                and token.lower_ not in _WEAK_ADVERBS
            ):
                kept.append(token)  # "well" in "not well made"
        else:
            return []
        i += 1
    return []


# Japanese: compound nouns (決済エラー, 配送料), noun + particle + predicate (荷物が届かない,
# サイズが小さい), and modifier + noun (丁寧な対応, 遅い配送), from Sudachi's tags.
_JA_PARTICLES = frozenset({"が", "を", "に", "は", "も", "で"})
# Answers that name nothing ("特になし", nothing in particular): no label.
_JA_FILLERS = frozenset({"なし", "特になし", "特にない", "特に無し", "ありがとう", "よろしく"})
_JA_MAX_CHARS = 12


def _ja_noun(token: Any) -> bool:
    tag = token.tag_
    return (
        tag.startswith("名詞")
        and not tag.startswith(("名詞-数詞", "名詞-普通名詞-副詞可能"))
        and _HAS_LETTER.search(token.text) is not None
    )


def _ja_suffix(token: Any) -> bool:
    return token.tag_.startswith("接尾辞-名詞的")


def _japanese_phrases(doc: Any) -> Iterable[tuple[str, str]]:
    tokens = list(doc)
    n = len(tokens)
    found: list[tuple[str, str]] = []

    def add(surface: str, key: str | None = None) -> None:
        surface = unicodedata.normalize("NFKC", surface)
        if (
            2 <= len(surface) <= _JA_MAX_CHARS
            and surface not in _JAPANESE_STOP
            and surface not in _JA_FILLERS
        ):
            found.append((key or surface, surface))

    i = 0
    while i < n:
        if not (_ja_noun(tokens[i]) or tokens[i].tag_.startswith("接頭辞")):
            i += 1
            continue
        j = i + 1
        while j < n and (_ja_noun(tokens[j]) or _ja_suffix(tokens[j])):
            j += 1
        compound = tokens[i:j]
        if not any(_ja_noun(t) for t in compound) or (
            len(compound) == 1 and compound[0].text in _JAPANESE_STOP
        ):
            i = j
            continue
        noun = "".join(t.text for t in compound)
        add(noun)
        # Modifier before: 丁寧な対応 (形状詞 + な), 遅い配送 (形容詞).
        if i >= 1 and tokens[i - 1].tag_.startswith("形容詞"):
            add(tokens[i - 1].text + noun, tokens[i - 1].lemma_ + noun)
        if i >= 2 and tokens[i - 1].text == "な" and tokens[i - 2].tag_.startswith("形状詞"):
            add(tokens[i - 2].text + "な" + noun)
        # Predicate after: が/を/に + verb or adjective (+ auxiliaries): 荷物が届かない.
        if j + 1 < n and tokens[j].text in _JA_PARTICLES:
            head = tokens[j + 1]
            if head.tag_.startswith(("動詞", "形容詞", "形状詞")) and "非自立" not in head.tag_:
                end = j + 2
                negated = False
                while (
                    end < n
                    and end - (j + 2) < 4
                    and (
                        tokens[end].tag_.startswith("助動詞")
                        or tokens[end].tag_.startswith("動詞-非自立")
                        or tokens[end].tag_.startswith("形容詞-非自立")
                        or tokens[end].text in ("て", "で")
                    )
                ):
                    negated = negated or tokens[end].lemma_ in ("ない", "ぬ", "ず")
                    end += 1
                # Drop a trailing て and polite or past endings nobody writes in a label.
                trimmed = False
                while end > j + 2 and tokens[end - 1].text in ("て", "で", "です", "ます"):
                    end -= 1
                    trimmed = True
                predicate = "".join(t.text for t in tokens[j + 1 : end])
                if trimmed and end == j + 2:
                    predicate = head.lemma_  # 出て -> 出る, not the bare stem 出
                surface = noun + tokens[j].text + predicate
                key = f"{noun}{tokens[j].text}{head.lemma_}{'/neg' if negated else ''}"
                add(surface, key)
        i = j
    seen: set[str] = set()
    for key, surface in found:
        if key not in seen:
            seen.add(key)
            yield key, surface
