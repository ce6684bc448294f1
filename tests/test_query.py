"""The product manager's questions (voc.query) on a small real store, read-only.

The store holds a handful of English and Japanese records with their analysis, sentences,
topics and real ``use-multilingual`` embeddings (so search is the real thing), written
with the store's own methods, and pain points computed by :mod:`voc.insights.painpoints`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from voc.analysis import text_hash
from voc.errors import VocError
from voc.insights.painpoints import compute_pain_points
from voc.query import pain_points, search, topic_detail, topics, trends
from voc.store.warehouse import (
    ANALYSIS_COLUMNS,
    FEEDBACK_COLUMNS,
    QUARANTINE_COLUMNS,
    SENTENCE_COLUMNS,
    Warehouse,
    utcnow,
)

NEG, POS = ("negative", -0.8), ("positive", 0.8)

# id, created_at, channel, language, touchpoints, [(sentence, topic, sentiment)]
# Weeks: 2026-W09 = 23 Feb .. 1 Mar, 2026-W10 = 2 .. 8 Mar, 2026-W11 = 9 .. 15 Mar.
RECORDS = [
    ("d1", datetime(2026, 2, 24, 9), "review", "en", ["delivery"],
     [("The parcel never arrived.", 1, NEG)]),
    ("r1", datetime(2026, 2, 26, 9), "support", "en", ["billing"],
     [("I am still waiting for my refund.", 2, NEG)]),
    # Sunday 1 March: ISO week 2026-W09, but the month of March.
    ("p1", datetime(2026, 3, 1, 18), "review", "en", [],
     [("Great service, thank you!", -1, POS)]),
    ("d2", datetime(2026, 3, 3, 9), "support", "ja", ["delivery"],
     [("荷物が配達されない。", 1, NEG)]),
    ("d3", datetime(2026, 3, 4, 9), "review", "en", ["delivery"],
     [("The courier was late again.", 1, NEG), ("The staff were friendly.", -1, POS)]),
    ("r2", datetime(2026, 3, 10, 9), "support", "ja", ["billing"],
     [("返金がまだです。", 2, NEG)]),
    ("l1", datetime(2026, 3, 11, 9), "app", "en", ["app"],
     [("The app crashes when I log in.", 3, NEG)]),
    ("l2", datetime(2026, 3, 12, 9), "app", "ja", ["app"],
     [("ログインできません。", 3, NEG)]),
    # No date: in no period.
    ("x1", None, "review", "en", [], [("Where is my parcel?", 1, NEG)]),
]  # fmt: skip

TOPICS = [
    (1, "delivery · parcel", ["delivery", "parcel", "courier"], ["The parcel never arrived."]),
    (2, "refund · money back", ["refund", "money", "back"], []),
    (3, "login · app", ["login", "app", "password"], ["The app crashes when I log in."]),
]


def _build(path: Path) -> None:
    from voc.models.embedders import get_embedder

    now = utcnow()
    feedback, analysis, sentences, assignments = [], [], [], []
    for n, (fid, at, channel, language, touchpoints, parts) in enumerate(RECORDS):
        text = " ".join(p[0] for p in parts)
        feedback.append(
            {
                "feedback_id": fid, "source": "test", "native_id": fid, "channel": channel,
                "touchpoint": None, "text": text, "language": language, "created_at": at,
                "rating": None, "rating_scale": None, "metadata": None, "content_key": "",
                "near_duplicate_of": None, "pii_redactions": 0, "file": "t.csv",
                "line": n + 2, "run_id": "ingest", "ingested_at": now,
            }
        )  # fmt: skip
        negative = any(p[2] == NEG for p in parts)
        analysis.append(
            {
                "feedback_id": fid, "sentiment": "negative" if negative else "positive",
                "sentiment_score": -0.5 if negative else 0.8, "mixed": False,
                "touchpoints": touchpoints, "n_sentences": len(parts), "error": None,
                "version": "test", "run_id": "analyse", "analyzed_at": now,
            }
        )  # fmt: skip
        start = 0
        for index, (sentence, topic_id, (label, score)) in enumerate(parts):
            sentences.append(
                {
                    "feedback_id": fid, "sentence_index": index, "start_char": start,
                    "end_char": start + len(sentence), "text": sentence,
                    "text_hash": text_hash(sentence), "language": language,
                    "sentiment": label, "sentiment_score": score, "touchpoints": touchpoints,
                }
            )  # fmt: skip
            start += len(sentence) + 1
            assignments.append(
                {
                    "feedback_id": fid, "sentence_index": index, "topic_id": topic_id,
                    "similarity": 0.8, "run_id": "topics",
                }
            )  # fmt: skip
    registry = pd.DataFrame(
        [
            {
                "topic_id": topic_id, "label": label, "keywords": keywords, "quotes": quotes,
                "centroid": None, "embedder": "use-multilingual", "size": 2, "status": "active",
                "first_seen": "2026-W09", "last_seen": "2026-W11", "created_run": "topics",
                "updated_run": "topics", "updated_at": now,
            }
            for topic_id, label, keywords, quotes in TOPICS
        ]
    )  # fmt: skip
    sentence_frame = pd.DataFrame(sentences, columns=SENTENCE_COLUMNS)
    texts = sentence_frame["text"].drop_duplicates().tolist()
    vectors = get_embedder("use-multilingual").embed(texts)
    with Warehouse(path) as store:
        store.write_batch(
            pd.DataFrame(feedback, columns=FEEDBACK_COLUMNS),
            pd.DataFrame(columns=QUARANTINE_COLUMNS),
        )
        store.write_analysis(pd.DataFrame(analysis, columns=ANALYSIS_COLUMNS), sentence_frame)
        store.store_embeddings([text_hash(t) for t in texts], vectors, "use-multilingual")
        store.insert_frame("topics", registry)
        store.insert_frame("sentence_topics", pd.DataFrame(assignments))
        compute_pain_points(store, "run-1")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("query") / "voc.duckdb"
    _build(path)
    with Warehouse(path, read_only=True) as opened:
        yield opened


# -- trends --------------------------------------------------------------------------------
def test_trends_by_week_and_month_count_every_dated_record_once(store: Warehouse) -> None:
    weekly = trends(store)
    assert weekly["period"].tolist() == ["2026-W09", "2026-W10", "2026-W11"]
    assert weekly["volume"].tolist() == [3, 2, 3]
    monthly = trends(store, by="month")
    assert monthly["period"].tolist() == ["2026-02", "2026-03"]
    assert monthly["volume"].tolist() == [2, 6]  # Sunday 1 March: W09, but March
    assert weekly["volume"].sum() == monthly["volume"].sum() == 8  # x1 has no date
    # Sentiment over sentences: W10 holds d2 (neg), d3 (neg + pos).
    w10 = weekly.set_index("period").loc["2026-W10"]
    assert w10["sentences"] == 3
    assert w10["negative_share"] == pytest.approx(2 / 3)
    assert w10["mean_sentiment"] == pytest.approx((-0.8 - 0.8 + 0.8) / 3)


def test_trends_filter_by_channel_touchpoint_and_since(store: Warehouse) -> None:
    support = trends(store, channel="support")
    assert support["volume"].tolist() == [1, 1, 1]
    delivery = trends(store, touchpoint="delivery", by="month")
    assert delivery["volume"].tolist() == [1, 2]
    assert trends(store, touchpoint="(none)")["volume"].tolist() == [1]  # p1
    assert trends(store, since="2026-W10")["volume"].tolist() == [2, 3]
    assert trends(store, since="2026-03-01", by="month")["volume"].tolist() == [6]
    with pytest.raises(VocError, match="ISO date"):
        trends(store, since="last tuesday")
    with pytest.raises(VocError, match="week"):
        trends(store, by="day")


def test_an_unknown_channel_or_touchpoint_is_named_not_answered_empty(store: Warehouse) -> None:
    with pytest.raises(VocError, match=r"channel 'twitter'; known: .*support"):
        trends(store, channel="twitter")
    with pytest.raises(VocError, match="did you mean delivery"):
        pain_points(store, week="2026-W10", touchpoint="delivry")
    assert pain_points(store, week="2026-W10", touchpoint="(none)") is not None


def test_trends_of_a_topic_by_id_or_text(store: Warehouse) -> None:
    by_id = trends(store, topic=1)
    assert by_id["period"].tolist() == ["2026-W09", "2026-W10"]
    assert by_id["volume"].tolist() == [1, 2]
    # Only the topic's sentences count for sentiment: d3's friendly sentence is not there.
    assert by_id["negative_share"].tolist() == [1.0, 1.0]
    for text in ("Parcel", "DELIVERY · PARCEL", "courier", "deliv", "1"):
        named = trends(store, topic=text)
        assert named.attrs["topic"] == (1, "delivery · parcel")
        pd.testing.assert_frame_equal(named, by_id)
    refunds = trends(store, topic="refund", by="month")
    assert refunds["volume"].tolist() == [1, 1]
    # A gap week inside the range shows as 0.
    assert trends(store, topic="refund")["volume"].tolist() == [1, 0, 1]


def test_an_unknown_topic_lists_close_labels(store: Warehouse) -> None:
    with pytest.raises(VocError, match="refund · money back"):
        trends(store, topic="refnd")
    with pytest.raises(VocError, match="no topic matches 'zebra crossing'"):
        trends(store, topic="zebra crossing")
    with pytest.raises(VocError, match="no topic with id 42"):
        trends(store, topic=42)


# -- pain points ---------------------------------------------------------------------------
# The topics of this small store hold one or two records a week: under the three complaints
# a pain point needs by default (voc.insights.painpoints.MIN_COMPLAINTS), so the tests lower it.
FEW = {"min_complaints": 1}


def test_pain_points_default_to_the_last_complete_week(store: Warehouse) -> None:
    # Thursday of 2026-W11: that week is still running, so the default is 2026-W10.
    midweek = pain_points(store, as_of=datetime(2026, 3, 12, 13), **FEW)
    assert midweek.attrs["week"] == "2026-W10"
    assert set(midweek["week"]) == {"2026-W10"}
    # Once 2026-W11 has ended (and today, long after the data), it is the default.
    assert pain_points(store, as_of=datetime(2026, 3, 16)).attrs["week"] == "2026-W11"
    assert pain_points(store).attrs["week"] == "2026-W11"
    # Sunday 15 March 23:30 UTC is Monday 08:30 in Tokyo: 2026-W11 has ended there.
    sunday_night = datetime(2026, 3, 15, 23, 30)
    assert pain_points(store, as_of=sunday_night).attrs["week"] == "2026-W10"
    assert pain_points(store, as_of=sunday_night, timezone="Asia/Tokyo").attrs["week"] == (
        "2026-W11"
    )
    explicit = pain_points(store, week="2026-W10", **FEW)
    row = explicit.set_index("topic_id").loc[1]
    assert row["rank"] == 1 and row["label"] == "delivery · parcel"
    assert row["volume"] == 2 and row["previous_volume"] == 1
    assert row["trend"] == "up +100% (1 -> 2)"
    assert row["where"] == "review / delivery (1), support / delivery (1)"
    # A complaint of 2026-W10 (not the registry's quote, "The parcel never arrived.", of W09).
    assert row["quote"] == "The courier was late again."


def test_pain_points_quote_and_filters(store: Warehouse) -> None:
    w11 = pain_points(store, week="2026-W11", **FEW).set_index("topic_id")
    assert set(w11.index) == {2, 3}
    assert w11.loc[2, "quote"] == "返金がまだです。"  # no stored quote: one of the week's
    assert w11.loc[3, "trend"] == "new (2)"
    app = pain_points(store, week="2026-W11", channel="app", **FEW)
    assert app["topic_id"].tolist() == [3]
    billing = pain_points(store, week="2026-W11", touchpoint="billing", **FEW)
    assert billing["topic_id"].tolist() == [2]


def test_one_or_two_complaints_are_no_pain_point_by_default(store: Warehouse) -> None:
    # Topic 1 has two complaints in 2026-W10: an anecdote under the default floor of three.
    assert pain_points(store, week="2026-W10").empty
    assert pain_points(store, week="2026-W10", min_complaints=2)["topic_id"].tolist() == [1]


# -- topics --------------------------------------------------------------------------------
def test_topics_and_topic_detail(store: Warehouse) -> None:
    listed = topics(store).set_index("topic_id")
    assert sorted(listed.index) == [1, 2, 3]
    assert listed.loc[1, "keywords"] == ["delivery", "parcel", "courier"]
    assert listed.loc[1, "sentences"] == 4 and listed.loc[1, "negative_share"] == 1.0
    detail = topic_detail(store, 1)
    assert detail["label"] == "delivery · parcel"
    assert detail["weekly"]["volume"].tolist() == [1, 2]
    # The quote picker's: the topic's latest week first (W10), topped up from W09.
    assert detail["quotes_week"] == "2026-W10"
    assert sorted(detail["quotes"][:2]) == ["The courier was late again.", "荷物が配達されない。"]
    assert detail["quotes"][2] == "The parcel never arrived."
    breakdown = detail["breakdown"].set_index(["channel", "touchpoint"])["volume"]
    # x1 (undated, in the topic too) is left out, as in the weekly volumes.
    assert breakdown.to_dict() == {("review", "delivery"): 2, ("support", "delivery"): 1}
    assert detail["matrix"].loc["review", "delivery"] == 2
    with pytest.raises(VocError):
        topic_detail(store, 99)


# -- search --------------------------------------------------------------------------------
def test_search_finds_the_japanese_sentence_for_an_english_query(store: Warehouse) -> None:
    hits = search(store, "parcel never arrived", limit=3)
    assert list(hits.columns[:4]) == ["feedback_id", "sentence_index", "sentence", "score"]
    assert hits["score"].is_monotonic_decreasing
    japanese = hits[hits["language"] == "ja"]
    assert japanese["sentence"].iat[0] == "荷物が配達されない。"
    assert "d2" in hits["feedback_id"].head(2).tolist()
    row = hits.set_index("feedback_id").loc["d2"]
    assert row["channel"] == "support" and row["topic_label"] == "delivery · parcel"
    # One row per record, however many of its sentences match.
    assert hits["feedback_id"].is_unique
    refund = search(store, "返金", limit=2)
    assert set(refund["feedback_id"]) & {"r1", "r2"}
    with pytest.raises(VocError):
        search(store, "  ")


def test_cli_queries_answer_from_the_store(store: Warehouse, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from voc.cli import app

    config = tmp_path / "voc.yaml"
    config.write_text(f"store: {{path: {store.path}}}\n", encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["trends", "--by", "month"],
        ["pain-points", "--week", "2026-W10", "--min-complaints", "1"],
        ["topics"],
        ["topics", "show", "1"],
        ["search", "parcel never arrived", "--limit", "3"],
    ):
        result = runner.invoke(app, [*args, "-c", str(config), "-f", "json"])
        assert result.exit_code == 0, (args, result.output)
        assert json.loads(result.stdout), args
    unknown = runner.invoke(app, ["trends", "--topic", "refnd", "-c", str(config)])
    assert unknown.exit_code == 2 and "refund" in unknown.output
