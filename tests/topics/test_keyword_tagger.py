"""The hashed English keyword tagger (voc.topics.tagger): agreement on hand-checked
sentences, the switch back to spaCy's tagger, tags that do not depend on batching."""

from __future__ import annotations

import numpy as np
import pytest

from voc.errors import VocError
from voc.topics.tagger import DEFAULT_TAGGER_PATH, FeatureTable, HashedTagger, load_tagger
from voc.topics.tokens import KeywordTokenizer

# Feedback-like sentences, spaCy's tokens, Penn Treebank tags checked by hand.
HAND_TAGGED = [
    ("The app crashes every time I open it .", "DT NN VBZ DT NN PRP VBP PRP ."),
    ("Delivery was late and the box was damaged .", "NN VBD RB CC DT NN VBD VBN ."),
    ("I ca n't log in since the last update .", "PRP MD RB VB RP IN DT JJ NN ."),
    ("This dress is too small for me .", "DT NN VBZ RB JJ IN PRP ."),
    ("Customer service never answered my emails .", "NN NN RB VBD PRP$ NNS ."),
    ("Please add a dark mode .", "UH VB DT JJ NN ."),
    ("The sleeves were tighter than I expected .", "DT NNS VBD JJR IN PRP VBD ."),
    (
        "It would be great if you could fix the battery drain .",
        "PRP MD VB JJ IN PRP MD VB DT NN NN .",
    ),
    ("I love the colors but the fabric feels cheap .", "PRP VBP DT NNS CC DT NN VBZ JJ ."),
    ("They charged me twice for one order !", "PRP VBD PRP RB IN CD NN ."),
    ("The material is soft and the fit is perfect", "DT NN VBZ JJ CC DT NN VBZ JJ"),
    ("Why does it keep asking for my password ?", "WRB VBZ PRP VB VBG IN PRP$ NN ."),
]


def test_agreement_with_hand_checked_tags_is_at_least_nine_in_ten():
    tagger = load_tagger()
    words = [text.split() for text, _ in HAND_TAGGED]
    gold = [tags.split() for _, tags in HAND_TAGGED]
    assert all(len(w) == len(g) for w, g in zip(words, gold, strict=True))
    got = tagger.tag(words)
    hits = [p == g for ps, gs in zip(got, gold, strict=True) for p, g in zip(ps, gs, strict=True)]
    assert np.mean(hits) >= 0.9, list(zip(words, got, strict=True))
    # The tags the phrase patterns lean on most: nouns, adjectives, verbs, by group.
    groups = [
        (p[:2], g[:2])
        for ps, gs in zip(got, gold, strict=True)
        for p, g in zip(ps, gs, strict=True)
    ]
    content = [(p, g) for p, g in groups if g in ("NN", "JJ", "VB")]
    assert np.mean([p == g for p, g in content]) >= 0.93


def test_tags_do_not_depend_on_the_batch():
    tagger = load_tagger()
    sentences = [text.split() for text, _ in HAND_TAGGED] * 3 + [[], ["Great"], ["ok", "!"]]
    whole = tagger.tag(sentences)
    assert [len(t) for t in whole] == [len(s) for s in sentences]
    one_by_one = [tagger.tag([s])[0] for s in sentences]
    assert whole == one_by_one
    reversed_order = tagger.tag(sentences[::-1])[::-1]
    assert whole == reversed_order


def test_a_full_word_memory_is_emptied_and_the_tags_stay_the_same():
    tagger = load_tagger(DEFAULT_TAGGER_PATH)
    sentences = [text.split() for text, _ in HAND_TAGGED]
    expected = tagger.tag(sentences)
    small = HashedTagger(tagger.weights, tagger.labels)
    small.features = FeatureTable(tagger.features.bits, max_words=40)
    got = [small.tag([s])[0] for s in sentences]
    assert got == expected
    assert len(small.features._words) <= 40


def test_the_artifact_is_small_and_names_its_tags():
    files = {p.name: p.stat().st_size for p in DEFAULT_TAGGER_PATH.iterdir()}
    assert {"weights.npz", "config.json", "MODEL_CARD.md"} <= set(files)
    assert sum(files.values()) < 20_000_000
    labels = load_tagger().labels
    assert {"NN", "NNS", "NNP", "JJ", "VB", "VBD", "VBN", "RB", "RP", "IN", "DT", "MD"} <= set(
        labels
    )


def test_the_spacy_tagger_stays_selectable(monkeypatch):
    texts = ["The battery drains fast after the update.", "Sleeves were too tight."]
    monkeypatch.delenv("VOC_KEYWORD_TAGGER", raising=False)
    assert KeywordTokenizer().english_tagger == "hashed"
    spacy = KeywordTokenizer(english_tagger="spacy", processes=1)
    hashed = KeywordTokenizer(english_tagger="hashed", processes=1)
    assert spacy.english_tagger == "spacy"
    calls = []
    real = spacy._pipeline("en").pipe

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(spacy._pipeline("en"), "pipe", counted)
    from_spacy = spacy.terms(texts, "en")
    assert calls  # the spaCy tagger ran
    calls.clear()
    from_hashed = hashed.terms(texts, "en")
    assert not calls  # the hashed one did not run spaCy's pipeline
    for terms in (from_spacy, from_hashed):
        assert "battery" in terms[0].tokens and "update" in terms[0].tokens
        assert "sleeve" in terms[1].tokens
    monkeypatch.setenv("VOC_KEYWORD_TAGGER", "spacy")
    assert KeywordTokenizer().english_tagger == "spacy"
    with pytest.raises(VocError, match=r"unknown English keyword tagger .*english_tagger"):
        KeywordTokenizer(english_tagger="perceptron")
    monkeypatch.setenv("VOC_KEYWORD_TAGGER", "Hashed")
    with pytest.raises(VocError, match=r"'Hashed' \(VOC_KEYWORD_TAGGER\): use one of hashed"):
        KeywordTokenizer()


def test_lemmas_come_from_the_rule_lemmatizer_with_the_hashed_tags():
    hashed = KeywordTokenizer(english_tagger="hashed", processes=1)
    terms = hashed.terms(
        ["The parcels arrived late and the boxes were crushed.", "I loved the dresses."], "en"
    )
    assert terms[0].tokens == ("parcel", "arrive", "late", "box", "crush")
    assert "dress" in terms[1].tokens and "love" in terms[1].tokens
