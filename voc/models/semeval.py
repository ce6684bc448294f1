"""The SemEval-2016 laptop review sentences (task 5, subtask 1, the train file), read in place.

Measuring only (``../shared/data/README.md``): nothing in the project trains on them or
chooses a setting on them. Four readers use them: the never-trained sentiment set
(:mod:`voc.models.sentiment_eval`), the topic and touchpoint benches and the outside
check's input files (``bench/topics.py``, ``bench/touchpoints.py``, ``bench/outside.py``).
They all read the XML through :func:`read_sentences`, each keeping what it scores.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

__all__ = ["LAPTOPS_FILE", "Opinion", "Sentence", "read_sentences"]

#: The file's name under the shared data folder.
LAPTOPS_FILE = "semeval2016_laptops_train.xml"


class Opinion(NamedTuple):
    """One aspect opinion: its ``ENTITY#ATTRIBUTE`` category and its polarity."""

    category: str
    polarity: str


class Sentence(NamedTuple):
    """A sentence of the file, its text (empty if it has none) and its opinions in XML order."""

    id: str
    text: str
    opinions: tuple[Opinion, ...]


def read_sentences(path: Path) -> list[Sentence]:
    """Every ``<sentence>`` of a SemEval-2016 task 5 XML file, in file order.

    Args:
        path: The XML file (``../shared/data/semeval2016_laptops_train.xml``).

    Returns:
        One :class:`Sentence` per ``<sentence>``, sentences without opinions included
        (their ``opinions`` is empty).
    """
    return [
        Sentence(
            id=sentence.get("id", ""),
            text=sentence.findtext("text") or "",
            opinions=tuple(
                Opinion(opinion.get("category", ""), opinion.get("polarity", ""))
                for opinion in sentence.iter("Opinion")
            ),
        )
        for sentence in ET.parse(path).getroot().iter("sentence")
    ]
