"""The one spaCy loader: cached per configuration, shared by person names and topic keywords,
and a missing package named with the command that installs it."""

from __future__ import annotations

import pytest

from voc.errors import MissingDependencyError
from voc.text import pii
from voc.text.nlp import load_nlp
from voc.topics.tokens import KeywordTokenizer


def test_each_configuration_loads_once_and_keeps_its_components() -> None:
    names = pii._pipeline("en")
    assert (
        names
        is pii._pipeline("en")
        is load_nlp("en", exclude=pii._EN_EXCLUDE, disable=("lemmatizer",))
    )
    assert "parser" not in names.component_names and "lemmatizer" in names.disabled
    keywords = KeywordTokenizer()._pipeline("en")
    assert keywords is KeywordTokenizer()._pipeline("en")  # shared by every tokenizer
    assert keywords is not names and "parser" in keywords.disabled


def test_japanese_keeps_each_callers_split_mode() -> None:
    text = "選挙管理委員会"
    assert len(load_nlp("ja", split_mode="C")(text)) == 1
    assert len(load_nlp("ja", split_mode="A")(text)) > 1
    assert KeywordTokenizer(japanese_split_mode="C")._pipeline("ja") is load_nlp(
        "ja", split_mode="C"
    )


def test_a_missing_pipeline_says_how_to_install_it() -> None:
    with pytest.raises(MissingDependencyError, match="pip install no-such-pipeline"):
        load_nlp("en", model="no_such_pipeline")
