"""What a pain point is called: its topic's complaints' label (issue 11, points 4 and 5)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from tests.topics.corpus import corpus
from voc.topics import KeywordTokenizer, TopicModel, TopicRegistry
from voc.topics.labels import PhraseLabeler, complaint_labeler, names_a_thing
from voc.topics.tokens import TextTerms

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _terms(phrases: list[str], objects: tuple[str, ...] = ()) -> TextTerms:
    return TextTerms(tuple(w for p in phrases for w in p.split()), tuple((p, p) for p in phrases),
                     frozenset(objects))  # fmt: skip


def test_a_complaint_label_names_what_is_wrong_over_a_bare_evaluation():
    """ "too bad" is said more often, but "sleeves too tight" says what is wrong."""
    sentences = [
        _terms(["too bad", "sleeves too tight"], ("sleeves too tight",)),
        _terms(["too bad", "sleeves too tight"], ("sleeves too tight",)),
        _terms(["too bad"]),
        _terms(["fit"]),
    ]
    args = ([sentences], [["en"] * 4], np.eye(1, dtype=np.float32), ["x"])
    assert PhraseLabeler(embedder=None).label_topics(*args)[0].label == "too bad"
    assert complaint_labeler(None, "en").label_topics(*args)[0].label == "sleeves too tight"


def test_praise_written_in_a_complaint_is_no_complaint_label():
    """ "the v neck is just right, but the sleeves are too tight": the praise is said in
    more of the complaints, and in a larger share still of the topic's other sentences."""
    praise, complaint = "v neck is just right", "sleeves are too tight"
    objects = (praise, complaint)
    complaints = [
        _terms([praise, complaint], objects),
        _terms([praise, complaint], objects),
        _terms([praise], objects),
        _terms(["fit"]),
    ]
    others = [_terms([praise], objects)] * 4
    labeler = complaint_labeler(None, "en")
    args = ([complaints], [["en"] * 4], np.eye(1, dtype=np.float32), ["x"])
    assert labeler.label_topics(*args)[0].label == praise
    assert labeler.label_topics(*args, against=[others])[0].label == complaint


@pytest.mark.parametrize(
    ("label", "language", "names"),
    [
        ("sleeves were too tight", "en", True),
        ("charged twice", "en", True),
        ("app keeps crashing", "en", True),
        ("決済エラー", "ja", True),
        ("too bad", "en", False),
        ("not worth", "en", False),
        ("cant use", "en", False),
        ("will be returning", "en", False),
    ],
)
def test_names_a_thing_tells_a_problem_from_an_evaluation(label, language, names):
    assert names_a_thing([label], [language]) == [names]


@pytest.fixture(scope="module")
def fitted():
    from voc.models.embedders import get_embedder

    texts, languages, _ = corpus()
    vectors = get_embedder("use-multilingual").embed(texts)
    # Only the Japanese sentences are complaints here: every complaint label must come
    # from them, whatever the English sentences of the topic say.
    negative = [language == "ja" for language in languages]
    model = TopicModel(min_topic_size=4, fine_cluster_size=4, tokenizer=KeywordTokenizer())
    fit = model.fit(vectors, texts, languages, negative=negative).fit_result_
    return fit, texts, negative


def test_a_complaint_label_comes_from_the_topics_negative_sentences(fitted):
    fit, texts, negative = fitted
    labelled = [t for t in fit.topics if t.complaint_label is not None]
    assert labelled
    for topic in fit.topics:
        members = np.flatnonzero(fit.labels == topic.index)
        complaints = [texts[i] for i in members if negative[i]]
        if topic.complaint_label is None:
            assert len(complaints) < 5  # too few to name a pain point by
            continue
        assert JAPANESE.search(topic.complaint_label), topic.complaint_label
        assert topic.complaint_aliases == {"ja": topic.complaint_label}
        assert topic.complaint_phrases[0] == topic.complaint_label
        # Written in its complaints (Japanese phrases are as the text wrote them).
        assert any(topic.complaint_label in text for text in complaints), topic.complaint_label


def test_without_sentiment_a_fit_gives_no_complaint_labels():
    texts, languages, _ = corpus()
    from voc.models.embedders import get_embedder

    vectors = get_embedder("use-multilingual").embed(texts)
    model = TopicModel(min_topic_size=4, fine_cluster_size=4, tokenizer=KeywordTokenizer())
    fit = model.fit(vectors, texts, languages).fit_result_
    assert all(t.complaint_label is None and not t.complaint_aliases for t in fit.topics)


def test_the_registry_keeps_a_complaint_label_once_found(fitted):
    fit = fitted[0]
    first = TopicRegistry().update(fit, "W1")
    named = {t.topic_id: t.complaint_label for t in first.registry.topics}
    assert any(named.values())
    # The next fit words the complaints differently, or finds none: the names stay.
    again = replace(
        fit,
        topics=[
            replace(t, complaint_label="something else" if t.index % 2 else None)
            for t in fit.topics
        ],
    )
    second = first.registry.update(again, "W2")
    for topic in second.registry.topics:
        if named.get(topic.topic_id):
            assert topic.complaint_label == named[topic.topic_id]
    # A topic that had none takes the first one a fit finds.
    blank = TopicRegistry().update(
        replace(fit, topics=[replace(t, complaint_label=None) for t in fit.topics]), "W1"
    )
    third = blank.registry.update(fit, "W2")
    assert {t.topic_id: t.complaint_label for t in third.registry.topics} == named
    records, events = third.registry.to_records()
    rebuilt = TopicRegistry.from_records(records, events)
    assert [t.complaint_label for t in rebuilt.topics] == [
        t.complaint_label for t in third.registry.topics
    ]
