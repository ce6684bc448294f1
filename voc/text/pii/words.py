"""The word lists the redactor reads, kept as data files in ``voc/text/data/``.

One list per file: words separated by spaces or new lines (``named_brands.txt``: one
phrase per line); a line starting with ``#`` is a comment saying what the list is for and
why a word is on it. Edit a file to change a list; the tests in tests/text/test_pii.py say
what each list must keep doing.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["phrase_list", "word_list"]


def _lines(name: str) -> list[str]:
    text = files("voc.text").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def word_list(name: str) -> frozenset[str]:
    """The words of ``voc/text/data/<name>.txt``."""
    return frozenset(word for line in _lines(name) for word in line.split())


def phrase_list(name: str) -> frozenset[str]:
    """The phrases of ``voc/text/data/<name>.txt``, one a line."""
    return frozenset(" ".join(line.split()) for line in _lines(name))


def _word_set(words: str) -> frozenset[str]:
    """Words given inline, separated by spaces (short lists that read best beside their use)."""
    return frozenset(words.split())


#: UK postcode areas (the letters before the first digit).
_UK_AREAS = word_list("uk_areas")
#: Never a person's name here: brands, products, clothing and review words (see the file).
_NOT_NAME_WORDS = word_list("not_name_words")
#: Given names, most of them also English words; a word here is a name.
_GIVEN_NAMES = word_list("given_names")
#: Given names that are everyday words too: names only with a cue or a surname beside them.
_AMBIGUOUS_NAMES = word_list("ambiguous_names")
_FIRST_NAMES = _GIVEN_NAMES | _AMBIGUOUS_NAMES
#: Given names that are places too: a name only where the model says PERSON.
_PLACE_NAMES = word_list("place_names")
_PLACE_PREFIXES = word_list("place_prefixes")
#: Common surnames that are English words too: names after a given name or a cue.
_SURNAMES = word_list("surnames")
#: People's names that are brands or things ("Tracy Reese", "Mr. Cooper").
_NAMED_BRANDS = phrase_list("named_brands")
#: What follows a product's or an app's name, not a person's: "Sadie dress".
_PRODUCT_NOUNS = word_list("product_nouns")
#: Words never part of a name read case-blind after a cue ("this is ridiculous").
_FUNCTION_WORDS = word_list("function_words")
