"""The cluster's analysis plans each chunk from the sentences the analyser itself embeds."""

from __future__ import annotations

from typing import Any

import numpy as np

from voc.scale.analysis import distinct_sentences

TEXTS = [
    "Fast delivery but the box was crushed. Great price!",
    "配送が遅くて最悪でした。でも店員さんは親切でした。",
    None,
    "   ",
    "Great price!",
    "x" * 25_000 + ". The end.",
]
LANGUAGES = ["en", "ja", None, "en", None, "en"]


def test_the_planned_sentences_are_those_the_analyser_embeds(analyzer: Any) -> None:
    embedded: list[list[str]] = []

    def recording(texts: list[str]) -> np.ndarray:
        embedded.append(list(texts))
        return analyzer.embedder.embed(texts)

    result = analyzer.analyze(TEXTS, LANGUAGES, recording)
    planned = distinct_sentences(TEXTS, LANGUAGES)
    assert planned == list(dict.fromkeys(s.text for s in result.sentences))
    assert embedded == [planned]
    assert planned.count("Great price!") == 1
