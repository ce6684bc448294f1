"""A topic's label in the reader's language (issue 11, point 4): the fit labels a topic in
the digest's language whenever it has a label in it, and every reader (the digest, `voc
pain-points`, alerts, the web app) takes a label in its own language from one rule,
:func:`voc.store.topics.label_sql`; a person's label wins."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from voc.store import topics as store_topics
from voc.store.warehouse import Warehouse
from voc.topics.labels import PhraseLabeler
from voc.topics.tokens import TextTerms


def _terms(phrase: str) -> TextTerms:
    return TextTerms(tuple(phrase.split()), ((phrase, phrase),), frozenset({phrase}))


def _mixed_topic() -> tuple[list[list[TextTerms]], list[list[str]]]:
    """Ten Japanese sentences all saying 決済エラー and three English ones, two saying
    "payment error": the Japanese phrase scores 0.067 higher (its share of its sentences,
    1.0 against 0.67, x ``frequency_weight`` 0.2)."""
    japanese = [_terms("決済エラー")] * 10
    english = [_terms("payment error"), _terms("payment error"), _terms("app")]
    return [japanese + english], [["ja"] * 10 + ["en"] * 3]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_topic_in_two_languages_is_labelled_in_the_digests_language(language):
    terms, languages = _mixed_topic()
    label = PhraseLabeler(embedder=None, language=language).label_topics(
        terms, languages, np.eye(1, dtype=np.float32), ["x"]
    )[0]
    assert label.aliases == {"ja": "決済エラー", "en": "payment error"}
    assert label.language == language and label.label == label.aliases[language]


def test_a_topic_without_a_label_in_the_digests_language_keeps_the_other_one():
    terms = [[_terms("決済エラー")] * 10]
    label = PhraseLabeler(embedder=None, language="en").label_topics(
        terms, [["ja"] * 10], np.eye(1, dtype=np.float32), ["x"]
    )[0]
    assert (label.label, label.language, label.aliases) == (
        "決済エラー",
        "ja",
        {"ja": "決済エラー"},
    )


def _topic(topic_id: int, label: str, aliases: dict, complaint: str | None, complaints: dict):
    return {
        "topic_id": topic_id,
        "label": label,
        "keywords": ["k"],
        "quotes": [],
        "centroid": None,
        "embedder": "e",
        "size": 10,
        "status": "active",
        "first_seen": "2026-W45",
        "last_seen": "2026-W45",
        "created_run": "r",
        "updated_run": "r",
        "updated_at": datetime(2026, 11, 9),
        "aliases": json.dumps(aliases, ensure_ascii=False),
        "phrases": [label],
        "complaint_label": complaint,
        "complaint_aliases": json.dumps(complaints, ensure_ascii=False) if complaint else None,
        "complaint_phrases": [complaint] if complaint else None,
    }


@pytest.fixture
def store(tmp_path: Path):
    """Topics as an older store may hold them: labels fixed once found, so topic 1 is
    labelled in Japanese though it has an English alias (the fit's old language margin)."""
    with Warehouse(tmp_path / "voc.duckdb") as warehouse:
        rows = [
            # 1: labelled in Japanese, complaints labelled in Japanese, both with English aliases
            _topic(1, "返金", {"en": "will be returning", "ja": "返金"},
                   "返品受付", {"en": "received the return", "ja": "返品受付"}),
            # 2: English only; complaints too
            _topic(2, "v neck is just right", {"en": "v neck is just right"},
                   "too tight", {"en": "too tight"}),
            # 3: too few complaints for a complaint label; a Japanese alias
            _topic(3, "delivery date", {"en": "delivery date", "ja": "配達予定日"}, None, {}),
            # 4: complaints in Japanese only, the topic in both
            _topic(4, "charged twice", {"en": "charged twice", "ja": "支払い方法"},
                   "クレジットカード", {"ja": "クレジットカード"}),
            # 5: renamed by a person
            _topic(5, "parcel arrived late", {"en": "box crushed", "ja": "箱が潰れ"},
                   "box crushed", {"en": "box crushed", "ja": "箱が潰れ"}),
        ]  # fmt: skip
        warehouse.insert_frame("topics", pd.DataFrame(rows))
        store_topics.set_given_label(warehouse, 5, "parcel arrived late", "cli", datetime.now())
        yield warehouse


def test_each_reader_gets_labels_in_its_language_and_a_persons_label_first(store):
    labels = store_topics.topic_labels
    assert labels(store, "en") == {
        1: "will be returning", 2: "v neck is just right", 3: "delivery date",
        4: "charged twice", 5: "parcel arrived late",
    }  # fmt: skip
    assert labels(store, "ja") == {
        1: "返金", 2: "v neck is just right", 3: "配達予定日", 4: "支払い方法",
        5: "parcel arrived late",
    }  # fmt: skip
    # A pain point is named by its complaints, in the reader's language where they have
    # a label in it; else by the complaints' other label (not the topic's, maybe praise).
    assert labels(store, "en", pain_points=True) == {
        1: "received the return", 2: "too tight", 3: "delivery date",
        4: "クレジットカード", 5: "parcel arrived late",
    }  # fmt: skip
    assert labels(store, "ja", pain_points=True) == {
        1: "返品受付", 2: "too tight", 3: "配達予定日", 4: "クレジットカード",
        5: "parcel arrived late",
    }  # fmt: skip
    # Without a language: the stored labels (the fit's, in digest.language).
    assert labels(store)[1] == "返金" and labels(store, pain_points=True)[1] == "返品受付"


def test_a_topic_is_found_by_any_name_a_reader_saw(store):
    from voc.query import resolve_topic

    assert resolve_topic(store, "received the return") == (1, "返金")
    assert resolve_topic(store, "配達予定日")[0] == 3


def test_the_label_rule_refuses_what_is_no_language_code():
    with pytest.raises(ValueError, match="language"):
        store_topics.label_sql("en'; DROP TABLE topics; --")


_AXES = {"billing address doesn't match": 0, "payment error": 1, "決済エラー": 2}


class _AxisEmbedder:
    """Each phrase on its own axis: a phrase's cosine to a centroid is that axis' weight."""

    def embed(self, texts):
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, _AXES[text]] = 1.0
        return out


def test_each_languages_phrases_are_ranked_against_that_languages_own_centroid():
    """A mostly Japanese topic: its centroid leans to whatever English phrase the Japanese
    sentences sit near; its English sentences' own centroid picks the English label."""
    english = [_terms("billing address doesn't match"), _terms("payment error")] * 3
    terms = [[_terms("決済エラー")] * 10 + english]
    languages = [["ja"] * 10 + ["en"] * 6]
    centroid = np.array([[0.6, 0.3, 0.74]], dtype=np.float32)
    labeler = PhraseLabeler(embedder=_AxisEmbedder(), language="en")
    whole = labeler.label_topics(terms, languages, centroid, ["x"])[0]
    assert whole.label == "billing address doesn't match"
    english_centroid = np.array([0.2, 0.98, 0.0], dtype=np.float32)
    own = labeler.label_topics(
        terms, languages, centroid, ["x"], language_centroids={(0, "en"): english_centroid}
    )[0]
    assert own.label == "payment error"
    assert own.aliases["ja"] == whole.aliases["ja"] == "決済エラー"
