"""English person names: cues found by patterns (relations, roles, greetings, sign-offs,
"my name is"), names without a cue judged by the English model and WordNet, and the spaCy
pipeline each language's names are read with (:func:`_pipeline`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voc.errors import MissingDependencyError
from voc.text.nlp import ENGLISH_MODEL, INSTALL, load_nlp
from voc.text.pii.spans import _overlaps, _Spans
from voc.text.pii.words import (
    _AMBIGUOUS_NAMES,
    _FIRST_NAMES,
    _FUNCTION_WORDS,
    _GIVEN_NAMES,
    _NAMED_BRANDS,
    _NOT_NAME_WORDS,
    _PLACE_NAMES,
    _PLACE_PREFIXES,
    _PRODUCT_NOUNS,
    _SURNAMES,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token


_EN_MODEL = ENGLISH_MODEL

# The small English model's NER has its own tok2vec, so nothing else needs to run.
_EN_EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "senter")

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dear"})

# A title-case word of a name: "Emily", "José", "McDonald", "O'Brien", "Mary-Jane".
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"

_NAME_WORD = (
    rf"(?:[A-Z][a-z]?['’])?[{_UPPER}][{_LOWER}]+(?:[A-Z][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
)

_NAME_WORDS = rf"{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,2}}"

_NAME_RUN = re.compile(rf"(?<![\w'’]){_NAME_WORDS}(?![\w'’])")

_NAME_WORD_START = re.compile(rf"(?<![\w'’]){_NAME_WORD}")

_ROLES = (
    r"daughter|son|husband|wife|partner|friend|sister|brother|mom|mum|mother|dad|father|niece"
    r"|nephew|aunt|uncle|cousin|grandma|grandmother|grandpa|grandfather|granddaughter|grandson"
    r"|boyfriend|girlfriend|fiancee?|child|kid|neighbou?r|roommate|flatmate|colleague"
    r"|co-?worker|boss|agent|rep|representative|associate|stylist|manager|supervisor|cashier"
    r"|clerk|driver|courier|postman|mailman|consultant|advisor|adviser|technician|engineer"
    r"|specialist|officer|teller|banker|attorney|lawyer|landlord|landlady|employee|salesperson"
    r"|saleswoman|salesman|assistant|operator|lady|man|woman|guy|gentleman|girl|person"
)

_CUE_BEFORE_NAME = re.compile(
    # a relation or a role: "my daughter Emily", "the driver, Ahmed,", "an agent named Darnell"
    rf"\b(?i:my|our|the|her|his|your|their|an?|one)\s+(?:[a-z-]+\s+){{0,2}}?(?i:{_ROLES})"
    r"(?:,|\s+(?:named|called|by\s+the\s+name\s+of))?\s+"
    # someone spoken to: "spoke with Yesenia", "ask for Jessica"; "I'm Laura"
    r"|\b(?i:spoke|speak|speaking|talked|talk|talking|chat|chatted|chatting|dealt|dealing)"
    r"\s+(?:to|with)\s+"
    r"|\b(?i:asked|ask|asking)\s+for\s+|\b(?i:helped|assisted|served)\s+by\s+"
    r"|\b(?i:transferred|put)\s+(?:me\s+)?(?:through\s+)?to\s+|\bI(?:['’]m|\s+am)\s+"
    # a form's field: "Name: Nicole Baker"
    r"|\b(?i:full\s+)?(?i:name):[ \t]*"
)

# A name given outright is a name whatever the word: "my daughter's name is Zara".
_NAME_IS = re.compile(r"\b(?i:my|her|his|their)(?:\s+[a-z]+['’]s)?\s+name(?:\s+is|\s+was|['’]s)\s+")

_HONORIFIC = re.compile(
    rf"\b(?P<title>Mr|Mrs|Ms|Mx|Dr|Prof|Miss)(?P<dot>\.?)[ \t]+(?={_NAME_WORD})"
)

# "Hi Priya,", "Dear Maria,", "Thanks Carlos, ...", "Thanks, Tom": the name ends a clause.
# After a thank-you, apps and shops are named too ("Thanks Adblock!"), so there the name
# must be a known given name or a full name.
_GREETING = re.compile(
    r"\b(?:(?P<hello>(?i:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)))"
    r"|(?i:thanks|thank\s+you|many\s+thanks|cheers)(?:\s+(?i:again|so\s+much|very\s+much))?)"
    rf"[ \t]*,?\s+(?P<name>{_NAME_WORDS})(?=[ \t]*(?:[,.!?:;)]|\n|$))"
)

# A signature: a name alone on its line, after a closing line ("Regards,\nSiobhan"),
# before a line of contact details ("Emily White\n(512) 555-0161"), or after a dash
# ("- Nnamdi").
_SIGN_OFF = re.compile(
    r"(?im:^[ \t]*(?:thanks(?:\s+again|\s+so\s+much)?|thank\s+you|many\s+thanks|regards"
    r"|best\s+regards|kind\s+regards|warm\s+regards|best\s+wishes|best|cheers|sincerely"
    r"|yours\s+truly|yours\s+sincerely|respectfully|all\s+the\s+best|take\s+care)[ \t]*[,.!]*"
    r"[ \t]*\n[ \t]*)"
    rf"(?P<closed>{_NAME_WORDS})(?=[ \t]*(?:\n|$))"
    rf"|(?<=\n)(?P<above_contact>{_NAME_WORDS})(?=[ \t]*\n[ \t]*(?:[\d(+]|[\w.+-]+@))"
    rf"|(?:^|(?<=\s))[-–—~]+[ \t]?(?P<dashed>{_NAME_WORDS})(?=[ \t]*(?:\n|$))"
)

# After a name: "Jamal from support", "Jessica at the front desk", "Kevin Walsh in
# billing", "Jennifer was very helpful", "Bethany helped me".
_CUE_AFTER_NAME = re.compile(
    rf"(?<![\w'’])(?P<name>{_NAME_WORDS})(?="
    r",?\s+(?:from|at|in|with|on)\s+(?:the\s+|your\s+|our\s+|their\s+)?(?:[\w'’-]+\s+){0,2}?"
    r"(?i:support|billing|customer\s+(?:service|care|support)|help\s*desk|service\s+desk"
    r"|front\s+desk|returns|accounts|store|shop|branch|office|department|desk|counter|till"
    r"|register|call\s+cent(?:er|re)|chat)\b"
    r"|\s+(?:was|is|has\s+been)\s+(?:(?:very|so|really|super|extremely|incredibly|most"
    r"|absolutely|always|truly)\s+)?(?:helpful|unhelpful|rude|kind|friendly|patient|polite"
    r"|courteous|knowledgeable|professional|dismissive|condescending)\b"
    r"|\s+(?:helped|assisted|promised|explained|apologi[sz]ed|hung\s+up|refused|transferred)\b"
    r"|\s+(?:called|emailed|texted|rang|messaged|phoned)\s+(?:me|us)\b)"
)

_STREET_NAME_END = re.compile(r"[A-Z][a-z]+[ \t]+$")  # "Birchwood " before "Dr"

_NEXT_WORD = re.compile(r"(?:['’]s)?\s+([A-Za-z]+)")

# A word in lower case, not part of an e-mail address or a URL ("laura.chen@example.com").
_LOWER_CASE_WORD = re.compile(rf"(?<![\w'’@./-])[{_LOWER}]+(?![\w@-]|\.\w)")

_CONTRACTION = re.compile(r"['’](?:m|ll|re|ve|d|t)$|^I$", re.IGNORECASE)

_CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z'’]*")

# Customers often write in lower case ("my name is jennifer lopez"), and a name often opens
# a message with nothing before it ("Sarah Connor here, furious"). After these cues the
# words are read case-blind: a word counts when it is a known name or no English word
# (WordNet), and never when it is one of _FUNCTION_WORDS.
# Strong cues: what follows is meant to be a name.
_STRONG_NAME_CUE = re.compile(
    r"(?i:\b(?:my|his|her|their)\s+name(?:\s+is|['’]s)\s+"
    # a sign-off, with its comma or colon ("i sincerely hope" is no sign-off)
    r"|\b(?:(?:kind|best|warm|warmest)\s+)?regards[ \t]*[,:\-–—][ \t]*"
    r"|\b(?:sincerely|yours\s+(?:truly|sincerely|faithfully))[ \t]*[,:\-–—][ \t]*"
    r"|\bsigned[ \t]*[,:\-–—][ \t]*)"
)

# A sign-off that ends its line: "thanks, dave", "cheers - priya", "-- kwame".
_END_SIGN_OFF = re.compile(
    r"(?:(?P<thanks>(?i:\b(?:thanks|thank\s+you|many\s+thanks|cheers|best|br|love|xo+)))"
    r"[ \t]*[,:\-–—]|(?:^|(?<=\s))[-–—~]+)[ \t]*(?=[A-Za-zÀ-ÖØ-öø-ÿ'’ -]{2,40}[ \t.!]*$)",
    re.MULTILINE,
)

# Weak cues: "this is angela", "i'm hiroshi", "im dave"; also "this is ridiculous", so the
# first word must be a known given name, or a title-case name word.
_WEAK_NAME_CUE = re.compile(r"(?i:\bthis\s+is\s+|\bi['’]m\s+|\bi\s+am\s+|\bim\s+)")

# "Sarah Connor here, ...", "Cornelius Vandermeer speaking": a name introducing itself at
# the start of the text, a line, a sentence or after a greeting's comma.
_HERE_WORD = re.compile(r"\b(?i:here|speaking)\b(?![ \t]+(?i:is|was|are|were|has|have|had|and)\b)")

# The 1-3 words just before "here": at the start of the text (the window is cut there), a
# line, a sentence, or after a greeting's comma. Searched in a short window before each
# "here", not over the whole text: "here" is common, a pattern tried at every position slow.
_NAME_BEFORE_HERE = re.compile(
    r"(?:^|(?<=[.!?\n])[ \t]*|(?<=,)[ \t]+)"
    r"(?P<name>[A-Za-zÀ-ÖØ-öø-ÿ'’-]+(?:[ ][A-Za-zÀ-ÖØ-öø-ÿ'’-]+){0,2})[ \t]+\Z"
)

_LOOSE_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ](?:[A-Za-zÀ-ÖØ-öø-ÿ'’-]*[A-Za-zÀ-ÖØ-öø-ÿ])?(?:['’]s)?")


def _base_language(language: str) -> str:
    return language.replace("_", "-").split("-", 1)[0].lower()


def _may_hold_name(text: str, language: str) -> bool:
    if language == "ja":
        return not text.isascii()
    for word in _CAPITALISED_WORD.findall(text):
        word = word.lower()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word not in _NOT_NAME_WORDS:
            return True
    return False


def _pipeline(language: str) -> Language:
    """The person-name pipeline for a language, loaded once per process."""
    if language == "en":
        # The lemmatizer is loaded for its WordNet tables (_english_lexicon), never run.
        return load_nlp("en", model=_EN_MODEL, exclude=_EN_EXCLUDE, disable=("lemmatizer",))
    return load_nlp("ja")


@dataclass(frozen=True)
class _Lexicon:
    """English words: WordNet's lemmas as the English model's lemmatizer ships them."""

    lemmas: frozenset[str]
    irregular: frozenset[str]  # "went", "children": inflected forms the rules miss
    suffixes: tuple[tuple[str, str], ...]  # ("ies", "y"): inflected ending -> lemma ending


@functools.cache
def _english_lexicon() -> _Lexicon:
    from spacy.pipeline import Lemmatizer

    lemmatizer = _pipeline("en").get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer):
        raise MissingDependencyError(
            f"{_EN_MODEL} has no lemmatizer tables: {INSTALL[ENGLISH_MODEL]}"
        )
    tables = lemmatizer.lookups
    index, exceptions, rules = (
        tables.get_table(name) for name in ("lemma_index", "lemma_exc", "lemma_rules")
    )
    parts_of_speech = ("noun", "verb", "adj", "adv")
    return _Lexicon(
        lemmas=frozenset(word for pos in parts_of_speech for word in index.get(pos, ())),
        irregular=frozenset(word for pos in parts_of_speech for word in exceptions.get(pos, {})),
        suffixes=tuple(
            dict.fromkeys(
                (old, new) for pos in parts_of_speech for old, new in rules.get(pos, ()) if old
            )
        ),
    )


@functools.lru_cache(maxsize=1 << 16)
def _is_english_word(word: str) -> bool:
    """Whether a lower-case word is in WordNet, inflected or not ("loans", "drains")."""
    lexicon = _english_lexicon()
    if word in lexicon.lemmas or word in lexicon.irregular:
        return True
    return any(
        word.endswith(old)
        and len(word) > len(old) + 1
        and word[: -len(old)] + new in lexicon.lemmas
        for old, new in lexicon.suffixes
    )


def _bare(word: str) -> str:
    word = word.lower().rstrip(".")
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _is_name_word(word: str) -> bool:
    """Whether a title-case word can be part of a name: a known name, or no English word."""
    word = _bare(word)
    if word in _FIRST_NAMES or word in _SURNAMES:
        return True
    return word not in _NOT_NAME_WORDS and word not in _TITLES and not _is_english_word(word)


def _may_follow_a_name(word: str) -> bool:
    """Whether a title-case word after a name is more of it: "Emily White", not "Olivia
    Rose dress" or "Hi Priya Thanks"."""
    bare = _bare(word)
    return bare not in _NOT_NAME_WORDS and bare not in _PRODUCT_NOUNS and bare not in _TITLES


def _name_after(text: str, start: int, first_checked: bool = False) -> Iterator[tuple[int, int]]:
    """The name that starts at ``start``, if there is one: 1-3 title-case words, the first a
    name word (unless ``first_checked``), the next ones up to a common word or a product."""
    run = _NAME_RUN.match(text, start)
    if run is None:
        return
    words = run.group().split(" ")
    if not (first_checked or _is_name_word(words[0])):
        return
    kept = 1
    while kept < len(words) and _may_follow_a_name(words[kept]):
        kept += 1
    name = " ".join(words[:kept])
    if name.lower() not in _NAMED_BRANDS:
        yield start, start + len(name)


def _title_end(text: str) -> int:
    """Where a title line ends (a short first line above the body), or 0 without one."""
    newline = text.find("\n")
    if newline < 0:
        return 0
    title = text[:newline].rstrip()
    if len(title) > 80 or len(title.split()) > 10:
        return 0
    if title.endswith(".") and not title.endswith(".."):
        return 0  # a sentence, not a title
    return newline


def _cued_english_people(text: str) -> Iterator[tuple[int, int]]:
    """Names that a cue points at, found without the model."""
    title_end = _title_end(text)
    for cue in _CUE_BEFORE_NAME.finditer(text):
        yield from _name_after(text, cue.end())
    for cue in _NAME_IS.finditer(text):
        yield from _name_after(text, cue.end(), first_checked=True)
    for honorific in _HONORIFIC.finditer(text):
        title, start = honorific.group("title"), honorific.start()
        street = _STREET_NAME_END.search(text, max(0, start - 40), start)
        if title == "Dr" and not honorific.group("dot") and street:
            continue  # "Birchwood Dr Columbus": a street; "I saw Dr Patel": a doctor
        run = _NAME_RUN.match(text, honorific.end())
        first = _bare(run.group().split(" ")[0]) if run else ""
        if first in _NOT_NAME_WORDS or f"{title.lower()} {first}" in _NAMED_BRANDS:
            continue  # "Mr. Cooper" the mortgage servicer, "Dr. Martens" the boots
        # Surnames are often words ("Mrs. White", "Mr. Baker"): the title vouches for them.
        yield from _name_after(text, honorific.end(), first_checked=first not in _TITLES)
    for greeting in _GREETING.finditer(text):
        name = greeting.group("name")
        known = _bare(name.split(" ")[0]) in _FIRST_NAMES
        for start, end in _name_after(text, greeting.start("name")):
            if greeting.group("hello") or known or " " in text[start:end]:
                yield start, end
    for sign_off in _SIGN_OFF.finditer(text):
        group = sign_off.lastgroup or ""
        if sign_off.start(group) >= title_end:  # "Cute top - Maeve" is a title
            yield from _name_after(text, sign_off.start(group))
    for cue in _CUE_AFTER_NAME.finditer(text):
        words = cue.group("name").split(" ")
        start = cue.start("name")
        # "Yesterday Kevin from support": the sentence's first word is no part of the name.
        while words and not _is_name_word(words[0]):
            start += len(words.pop(0)) + 1
        if words:
            yield from _name_after(text, start, first_checked=True)
    yield from _case_blind_english_people(text)


# Words one of the case-blind cues needs, looked for with `in` before any regex runs: most
# texts hold none, and a substring test costs far less than the cue patterns.
_STRONG_CUE_WORDS = ("name", "regards", "sincerely", "yours", "signed")

_WEAK_CUE_WORDS = ("this is", "i'm", "i’m", "i am", "im ")

_HERE_WORDS = ("here", "speaking")

_END_CUE_WORDS = ("thank", "cheers", "best", "br", "love", "xo", "-", "–", "—", "~")


def _has_case_blind_cue(text: str) -> bool:
    """Whether a case-blind cue could be in ``text`` (cheap; see _case_blind_english_people)."""
    lower = text.lower()
    return any(word in lower for word in _STRONG_CUE_WORDS + _WEAK_CUE_WORDS + _HERE_WORDS) or (
        any(word in lower for word in _END_CUE_WORDS) and _END_SIGN_OFF.search(text) is not None
    )


def _case_blind_english_people(text: str) -> Iterator[tuple[int, int]]:
    """Names after the cues that announce one whatever its case (issue 13): "my name is
    jennifer lopez", "regards, emeka nwosu", "i'm hiroshi", "Sarah Connor here"."""
    lower = text.lower()
    if any(word in lower for word in _STRONG_CUE_WORDS):
        for cue in _STRONG_NAME_CUE.finditer(text):
            yield from _loose_name_after(text, cue.end(), known_first=False)
    if any(word in lower for word in _WEAK_CUE_WORDS):
        for cue_end in _weak_cue_ends(text, lower):
            yield from _loose_name_after(text, cue_end, known_first=True)
    if any(word in lower for word in _END_CUE_WORDS):
        yield from _names_ending_lines(text)
    if not any(word in lower for word in _HERE_WORDS):
        return
    for here in _HERE_WORD.finditer(text):
        window_start = max(0, here.start() - 80)
        if window_start:
            # Cut the window at a boundary, so that its ^ is never a word's middle.
            boundary = max(text.rfind(mark, window_start, here.start()) for mark in ".!?\n,")
            if boundary < 0:
                continue
            window_start = boundary + 1
        before = _NAME_BEFORE_HERE.search(text, window_start, here.start())
        if before is None:
            continue
        words = before.group("name").split(" ")
        if all(_is_loose_name_word(word) for word in words) and (
            _bare(words[0]) in _FIRST_NAMES or words[0][0].isupper()
        ):
            yield before.start("name"), before.end("name")


_WEAK_CUE_LITERALS = ("this is", "i'm", "i’m", "i am", "im")


def _weak_cue_ends(text: str, lower: str) -> Iterator[int]:
    """Where the name after a weak cue would start: _WEAK_NAME_CUE's matches, found by
    scanning the lower-cased text for the cues' words (several times faster than the
    case-blind pattern over every review that says "I'm")."""
    if len(lower) != len(text):  # lower-casing changed offsets (e.g. "İ"): use the pattern
        yield from (cue.end() for cue in _WEAK_NAME_CUE.finditer(text))
        return
    ends: list[int] = []
    for literal in _WEAK_CUE_LITERALS:
        position = lower.find(literal)
        while position >= 0:
            after = position + len(literal)
            starts_word = position == 0 or not lower[position - 1].isalnum()
            if starts_word and after < len(lower) and lower[after].isspace():
                while after < len(lower) and lower[after].isspace():
                    after += 1
                ends.append(after)
            position = lower.find(literal, position + 1)
    yield from sorted(set(ends))


def _names_ending_lines(text: str) -> Iterator[tuple[int, int]]:
    """A name alone at the end of a line after a thank-you or a dash ("thanks, dave",
    "-- kwame"). Only each line's last 60 characters are searched."""
    line_start = 0
    while line_start <= len(text):
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        cue = _END_SIGN_OFF.search(text, max(line_start, line_end - 60), line_end)
        if cue is not None:
            # After a thank-you, apps and people are both named ("Thank you, DuckDuckGo!",
            # "thanks, chica"): only a known given name or a title-case name counts there.
            known_first = cue.group("thanks") is not None
            for start, end in _loose_name_after(text, cue.end(), known_first=known_first):
                if not text[end:line_end].strip(" \t.!"):
                    yield start, end  # the name is all that is left of the line
        line_start = line_end + 1


def _is_loose_name_word(word: str) -> bool:
    bare = _bare(word)
    if bare in _FUNCTION_WORDS or bare in _NOT_NAME_WORDS or bare in _PRODUCT_NOUNS:
        return False
    return _is_name_word(word)


def _loose_name_after(text: str, start: int, known_first: bool) -> Iterator[tuple[int, int]]:
    """A name of 1-3 words of any case at ``start``: each a known name or no English word,
    none a function word. With ``known_first`` the first must be a known given name or a
    title-case name word ("this is angela", not "this is komik"). A title-case word that
    is also an English word (WordNet lists places and saints: "Magdalena") counts when a
    title-case surname that is no word follows it ("Magdalena Kowalczyk")."""
    words: list[re.Match[str]] = []
    position = start
    while len(words) < 3:
        match = _LOOSE_WORD.match(text, position)
        if match is None:
            break
        words.append(match)
        if match.group().endswith(("'s", "’s")) or text[match.end() : match.end() + 1] != " ":
            break
        position = match.end() + 1
    kept = 0
    for index, match in enumerate(words):
        word = match.group()
        bare = _bare(word)
        if bare in _FUNCTION_WORDS or bare in _NOT_NAME_WORDS or bare in _PRODUCT_NOUNS:
            break
        if bare in _TITLES:
            break
        title_case = word[0].isupper() and word[1:].islower()
        following = words[index + 1].group() if index + 1 < len(words) else ""
        surname_follows = (
            title_case
            and following[:1].isupper()
            and _bare(following) not in _FUNCTION_WORDS
            and _is_name_word(following)
        )
        if not (_is_name_word(word) or surname_follows):
            break
        if index == 0 and known_first and bare not in _FIRST_NAMES and not title_case:
            break
        kept = index + 1
    if not kept:
        return
    last = words[kept - 1]
    end = last.end() - (2 if last.group().endswith(("'s", "’s")) else 0)
    if text[start:end].lower() not in _NAMED_BRANDS:
        yield start, end


def _needs_model(text: str, spans: _Spans) -> bool:
    """Whether the model could find a name that no cue points at: a given name, or two
    title-case words in a row that are names or no English words ("Nkechi Okafor").
    Words already in ``spans`` (names a cue found, e-mail addresses) do not count."""
    previous_end = -2
    previous_is_name = False
    for match in _NAME_WORD_START.finditer(text):
        if _overlaps(spans.found, match.start(), match.end()):
            previous_is_name = False
            continue
        word = match.group()
        if _bare(word) in _GIVEN_NAMES:
            return True
        is_name = _is_name_word(word)
        adjacent = match.start() == previous_end + 1 and text[previous_end] == " "
        if is_name and previous_is_name and adjacent:
            return True
        previous_end, previous_is_name = match.end(), is_name
    return False


def _looks_like_name_part(word: str) -> bool:
    # Title case ("Emily", "McDonald", "O'Brien") or an initial ("J."); not "XS" or "denim".
    if not word[0].isupper() or any(char.isdigit() or char in "@[#" for char in word):
        return False
    rest = word[1:].rstrip(".")
    return not rest or any(char.islower() for char in rest)


def _name_candidates(doc: Doc) -> Iterator[list[Token]]:
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            yield _with_surname(list(ent))
    # The small model misses most lone first names, or calls them places ("bought it for
    # Olivia" gets GPE): a known given name is a candidate whatever its label. Only names
    # that are places too ("shipped from Charlotte") need the model to say PERSON.
    for token in doc:
        name = token.lower_
        if token.ent_type_ == "PERSON" or not token.is_title or name not in _GIVEN_NAMES:
            continue
        if name in _PLACE_NAMES or token.ent_iob_ == "I":
            continue  # "San Francisco", "Santa Monica": inside a place's name
        if token.i and doc[token.i - 1].lower_.rstrip(".") in _PLACE_PREFIXES:
            continue  # "St. Lucia", "Lake Louise"
        yield _with_surname([token])


def _with_surname(tokens: list[Token]) -> list[Token]:
    """A lone given name with the title-case word after it, which may be a surname even
    when it is a word: "Chris Lacy", "Emily White"."""
    if len(tokens) > 1 or tokens[0].lower_ not in _GIVEN_NAMES:
        return tokens
    token = tokens[0]
    if token.i + 1 == len(token.doc):
        return tokens
    following = token.nbor()
    adjacent = following.idx == token.idx + len(token.text) + 1
    if adjacent and following.is_title and _may_follow_a_name(following.text):
        return [token, following]
    return tokens


def _uncued_english_people(doc: Doc) -> Iterator[tuple[int, int]]:
    """The names that hold up without a cue, among the model's PERSON entities and the
    known given names.

    A name of one word must be a known given name outside a title line ("Jennifer was
    late", not "Belle of the ball" or "Komik is better"); a longer one must start with a
    given name ("Emily White") or be made of names and non-words, away from the start of
    a line ("Nkechi Okafor"). Neither may be followed by a product noun ("Sadie dress")
    nor have its first word in lower case elsewhere in the text ("Chambray top ...
    chambray"), nor be a brand ("Tracy Reese").
    """
    text = doc.text
    title_end = _title_end(text)
    lower_case_words: frozenset[str] | None = None
    for tokens in _name_candidates(doc):
        if tokens[0].lower_.rstrip(".") in _TITLES:
            continue  # "Mr. Patel": _HONORIFIC has decided
        while tokens and (tokens[-1].lower_ in ("'s", "’s") or tokens[-1].is_punct):
            tokens.pop()
        if not tokens or any(_CONTRACTION.search(token.text) for token in tokens):
            continue
        if not all(_looks_like_name_part(token.text) for token in tokens):
            continue
        if all(token.lower_ in _NOT_NAME_WORDS for token in tokens):
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        words = [token.text for token in tokens]
        first = _bare(words[0])
        name = " ".join(words).lower()
        following = _NEXT_WORD.match(text, end)
        next_word = following.group(1).lower() if following else ""
        if end - start < 2 or next_word in _PRODUCT_NOUNS:
            continue
        if name in _NAMED_BRANDS or f"{name} {next_word}" in _NAMED_BRANDS:
            continue  # "Tracy Reese", "Eva franco has done it again"
        if lower_case_words is None:
            lower_case_words = frozenset(_LOWER_CASE_WORD.findall(text))
        if first in lower_case_words:
            continue  # the word is written in lower case too: a word, not a name
        if len(words) == 1:
            keep = first in _GIVEN_NAMES and start >= title_end
        elif first in _GIVEN_NAMES:
            keep = True
        elif first in _AMBIGUOUS_NAMES:
            keep = all(_is_name_word(word) for word in words[1:])  # "Mark Thompson"
        else:
            line_start = start == 0 or text[start - 1] == "\n"
            keep = (
                not line_start and start >= title_end and all(_is_name_word(word) for word in words)
            )
        if keep:
            yield start, end
