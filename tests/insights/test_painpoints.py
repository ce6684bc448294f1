"""Pain points and survey metrics on a real DuckDB store, with hand-computed expectations."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from voc.insights.painpoints import compute_pain_points, compute_survey_metrics, top_pain_points
from voc.store.warehouse import (
    ANALYSIS_COLUMNS,
    FEEDBACK_COLUMNS,
    QUARANTINE_COLUMNS,
    SENTENCE_COLUMNS,
    Warehouse,
    utcnow,
)
from voc.weeks import iso_week_monday

NEGATIVE = ("negative", -0.8)
POSITIVE = ("positive", 0.8)


def record(
    feedback_id: str,
    week: str | None = None,
    *,
    at: datetime | None = None,
    channel: str = "review",
    touchpoints: tuple[str, ...] = (),
    rating: float | None = None,
    scale: str | None = None,
    topics: tuple[int, ...] = (),
    sentiment: tuple[str, float] = NEGATIVE,
) -> dict[str, Any]:
    """One feedback record: a sentence per topic in ``topics``, all with ``sentiment``."""
    if at is None:
        assert week is not None
        at = datetime.combine(iso_week_monday(week), datetime.min.time()) + timedelta(hours=12)
    return {
        "feedback_id": feedback_id,
        "at": at,
        "channel": channel,
        "touchpoints": list(touchpoints),
        "rating": rating,
        "scale": scale,
        "topics": topics,
        "sentiment": sentiment,
    }


def build_store(path: Path, records: list[dict[str, Any]]) -> Warehouse:
    """A store holding ``records`` with their analysis, sentences, topics and registry."""
    now = utcnow()
    feedback = pd.DataFrame(
        [
            {
                "feedback_id": r["feedback_id"],
                "source": "test",
                "native_id": r["feedback_id"],
                "channel": r["channel"],
                "touchpoint": None,
                "text": f"text of {r['feedback_id']}",
                "language": "en",
                "created_at": r["at"],
                "rating": r["rating"],
                "rating_scale": r["scale"],
                "metadata": None,
                "content_key": "",
                "near_duplicate_of": None,
                "pii_redactions": 0,
                "file": "test.csv",
                "line": n + 2,
                "run_id": "ingest",
                "ingested_at": now,
            }
            for n, r in enumerate(records)
        ],
        columns=FEEDBACK_COLUMNS,
    )
    analysis, sentences, assignments = [], [], []
    for r in records:
        label, score = r["sentiment"]
        analysis.append(
            {
                "feedback_id": r["feedback_id"],
                "sentiment": label if r["topics"] else None,
                "sentiment_score": score if r["topics"] else None,
                "mixed": False,
                "touchpoints": r["touchpoints"],
                "n_sentences": len(r["topics"]),
                "error": None,
                "version": "test",
                "run_id": "analyse",
                "analyzed_at": now,
            }
        )
        for index, topic_id in enumerate(r["topics"]):
            text = f"sentence {index} of {r['feedback_id']}"
            sentences.append(
                {
                    "feedback_id": r["feedback_id"],
                    "sentence_index": index,
                    "start_char": 0,
                    "end_char": len(text),
                    "text": text,
                    "text_hash": text,
                    "language": "en",
                    "sentiment": label,
                    "sentiment_score": score,
                    "touchpoints": r["touchpoints"],
                }
            )
            assignments.append(
                {
                    "feedback_id": r["feedback_id"],
                    "sentence_index": index,
                    "topic_id": topic_id,
                    "similarity": 0.9,
                    "run_id": "topics",
                }
            )
    first_seen: dict[int, datetime] = {}
    for r in records:
        for topic_id in r["topics"]:
            first_seen[topic_id] = min(first_seen.get(topic_id, r["at"]), r["at"])
    registry = pd.DataFrame(
        [
            {
                "topic_id": topic_id,
                "label": f"label {topic_id}",
                "keywords": [f"keyword {topic_id}"],
                "quotes": [f"quote {topic_id}"],
                "centroid": None,
                "embedder": "test",
                "size": 1,
                "status": "active",
                "first_seen": "{}-W{:02d}".format(*at.isocalendar()[:2]),
                "created_run": "topics",
                "updated_run": "topics",
                "updated_at": now,
            }
            for topic_id, at in sorted(first_seen.items())
            if topic_id != -1
        ]
    )
    store = Warehouse(path).open()
    store.write_batch(feedback, pd.DataFrame(columns=QUARANTINE_COLUMNS))
    store.write_analysis(
        pd.DataFrame(analysis, columns=ANALYSIS_COLUMNS),
        pd.DataFrame(sentences, columns=SENTENCE_COLUMNS),
    )
    with store.transaction():
        if assignments:
            store.insert_frame("sentence_topics", pd.DataFrame(assignments))
        if not registry.empty:
            store.insert_frame("topics", registry)
    return store


def survey_value(store: Warehouse, week: str, channel: str, touchpoint: str, metric: str):
    rows = store._con.execute(
        "SELECT value, respondents FROM survey_metrics "
        "WHERE week = ? AND channel = ? AND touchpoint = ? AND metric = ?",
        [week, channel, touchpoint, metric],
    ).fetchall()
    assert len(rows) == 1, (week, channel, touchpoint, metric, rows)
    return pytest.approx(rows[0][0]), rows[0][1]


def pain_point(store: Warehouse, week: str, topic_id: int, channel="*", touchpoint="*") -> dict:
    frame = store.query(
        "SELECT * FROM pain_points WHERE week = ? AND topic_id = ? AND channel = ? "
        "AND touchpoint = ?",
        [week, topic_id, channel, touchpoint],
    )
    assert len(frame) == 1, (week, topic_id, channel, touchpoint, frame)
    return frame.iloc[0].to_dict()


# -- survey metrics ------------------------------------------------------------------------
def test_survey_metrics_match_hand_computation_with_rollups(tmp_path: Path) -> None:
    w = "2026-W10"
    records = [
        record("n1", w, channel="survey", touchpoints=("delivery", "app"), rating=10, scale="nps"),
        record("n2", w, channel="survey", touchpoints=("delivery",), rating=9, scale="nps"),
        record("n3", w, channel="survey", rating=7, scale="nps"),  # no touchpoint: '(none)'
        record("n4", w, channel="survey", touchpoints=("app",), rating=3, scale="nps"),
        record("n5", w, channel="email", touchpoints=("delivery",), rating=0, scale="nps"),
        record("c1", w, channel="survey", touchpoints=("delivery",), rating=5, scale="csat"),
        record("c2", w, channel="survey", touchpoints=("app",), rating=4, scale="csat"),
        record("c3", w, channel="survey", touchpoints=("delivery",), rating=2, scale="csat"),
        record("c4", w, channel="email", rating=3, scale="csat"),
        record("e1", w, channel="survey", touchpoints=("app",), rating=6, scale="ces"),
        record("e2", w, channel="email", touchpoints=("app",), rating=3, scale="ces"),
        record("s1", w, channel="review", touchpoints=("app",), rating=5, scale="stars5"),
        record("x1", w, channel="survey", touchpoints=("app",), rating=11, scale="nps"),
        record("later", "2026-W11", channel="survey", rating=10, scale="nps"),
    ]
    with build_store(tmp_path / "voc.duckdb", records) as store:
        rows = compute_survey_metrics(store, "run-1")
        # NPS, everything: promoters n1 n2, detractors n4 n5, of 5 -> 100 x (2 - 2) / 5 = 0.
        # (x1 rates 11, outside 0-10: not a respondent; s1 is a star rating: no metric.)
        assert survey_value(store, w, "*", "*", "nps") == (0, 5)
        # survey channel: n1 n2 promoters, n4 detractor, of 4 -> 100 x (2 - 1) / 4 = 25.
        assert survey_value(store, w, "survey", "*", "nps") == (25, 4)
        assert survey_value(store, w, "email", "*", "nps") == (-100, 1)
        # delivery: n1 n2 n5 -> 100 x (2 - 1) / 3; app: n1 n4 -> 0; '(none)': n3 passive -> 0.
        # n1 counts in delivery and app (3 + 2 + 1 = 6 rows) but once in '*' (5).
        assert survey_value(store, w, "*", "delivery", "nps") == (100 / 3, 3)
        assert survey_value(store, w, "*", "app", "nps") == (0, 2)
        assert survey_value(store, w, "*", "(none)", "nps") == (0, 1)
        assert survey_value(store, w, "survey", "delivery", "nps") == (100, 2)
        assert survey_value(store, w, "survey", "app", "nps") == (0, 2)
        # CSAT: satisfied (4-5) c1 c2 of 4 -> 50; survey: 2 of 3; delivery: c1 of c1 c3.
        assert survey_value(store, w, "*", "*", "csat") == (50, 4)
        assert survey_value(store, w, "survey", "*", "csat") == (200 / 3, 3)
        assert survey_value(store, w, "*", "delivery", "csat") == (50, 2)
        assert survey_value(store, w, "email", "(none)", "csat") == (0, 1)
        # CES: mean rating (6 + 3) / 2.
        assert survey_value(store, w, "*", "*", "ces") == (4.5, 2)
        assert survey_value(store, w, "survey", "app", "ces") == (6, 1)
        assert survey_value(store, w, "email", "app", "ces") == (3, 1)
        assert survey_value(store, "2026-W11", "*", "*", "nps") == (100, 1)
        # Nothing for the star rating's scale, nothing from another week leaking in.
        assert set(store.query("SELECT DISTINCT metric FROM survey_metrics")["metric"]) == {
            "nps",
            "csat",
            "ces",
        }
        first = store.query("SELECT * EXCLUDE (run_id) FROM survey_metrics ORDER BY ALL")
        assert rows == len(first)
        assert compute_survey_metrics(store, "run-2") == rows
        again = store.query("SELECT * EXCLUDE (run_id) FROM survey_metrics ORDER BY ALL")
        pd.testing.assert_frame_equal(first, again)


# -- survey impact -------------------------------------------------------------------------
def test_nps_impact_matches_a_hand_computed_example(tmp_path: Path) -> None:
    w = "2026-W10"
    records = [
        # Topic 7 (late refunds): three detractors, two on the survey channel, one by email,
        # and one record without a rating (in the volume, not in the impact).
        record("d1", w, channel="survey", rating=2, scale="nps", topics=(7,)),
        record("d2", w, channel="survey", rating=4, scale="nps", topics=(7,)),
        record("d3", w, channel="email", rating=0, scale="nps", topics=(7,)),
        record("u1", w, channel="survey", topics=(7,)),
        # Topic 8 (friendly staff): two promoters.
        record("p1", w, channel="survey", rating=10, scale="nps", topics=(8,), sentiment=POSITIVE),
        record("p2", w, channel="survey", rating=9, scale="nps", topics=(8,), sentiment=POSITIVE),
        # The rest of the week's respondents, in no topic: 2 promoters, 2 passives, 1 detractor.
        record("r1", w, channel="survey", rating=9, scale="nps"),
        record("r2", w, channel="survey", rating=10, scale="nps"),
        record("r3", w, channel="survey", rating=7, scale="nps"),
        record("r4", w, channel="survey", rating=8, scale="nps"),
        record("r5", w, channel="email", rating=5, scale="nps"),
    ]
    with build_store(tmp_path / "voc.duckdb", records) as store:
        compute_pain_points(store, "run-1")
        # The week: 10 respondents, 4 promoters (p1 p2 r1 r2), 4 detractors (d1 d2 d3 r5):
        #   overall NPS = 100 x (4 - 4) / 10 = 0.
        # Without topic 7's respondents (d1 d2 d3): 7 left, 4 promoters, 1 detractor:
        #   100 x (4 - 1) / 7 = 42.857...; impact = 42.857 - 0 = +42.857 (drags NPS down).
        refunds = pain_point(store, w, 7)
        assert refunds["volume"] == 4
        assert refunds["nps_impact"] == pytest.approx(300 / 7)
        assert pd.isna(refunds["csat_impact"]) and pd.isna(refunds["ces_impact"])
        # Its email cell (d3 only): 9 left, 4 promoters, 3 detractors: 100 x 1 / 9 = 11.11.
        email = pain_point(store, w, 7, "email", "(none)")
        assert email["nps_impact"] == pytest.approx(100 / 9)
        # Topic 8 without p1 p2: 8 left, 2 promoters, 4 detractors: -25, so impact -25 (lifts).
        assert pain_point(store, w, 8)["nps_impact"] == pytest.approx(-25)
        # Refunds are the pain point; staff, all positive, is none (it is praise).
        assert list(top_pain_points(store, w)["topic_id"]) == [7]
        # Without the pain-point floors, the survey drag ranks refunds first; staff scores 0.
        top = top_pain_points(store, w, min_negative_share=0, min_complaints=0)
        assert list(top["topic_id"]) == [7, 8]
        # Drag = 42.857 / 2 = 21.4 % of the NPS scale's width, over the 5 % cap: x2.
        assert top["survey_drag"].iat[0] == pytest.approx(300 / 7 / 2)
        assert top["survey_factor"].iat[0] == 2
        assert top["score"].iat[0] == pytest.approx(math.log2(1 + 4) * (1 + 1 / 8) * 2)
        assert top["score"].iat[1] == 0
        assert top["label"].iat[0] == "label 7"


# -- emerging, recurrence -------------------------------------------------------------------
WEEKS = [f"2026-W{n:02d}" for n in range(1, 11)]  # 2026-W01 .. 2026-W10
STEADY = [10, 9, 11, 10, 10, 9, 11, 10, 10, 11]


def _emerging_records() -> list[dict[str, Any]]:
    records = []
    for week, steady in zip(WEEKS, STEADY, strict=True):
        # Topic 1 (slow delivery): steady, every week, on two channels.
        for n in range(steady):
            records.append(
                record(f"steady-{week}-{n}", week, channel=("review", "support")[n % 2],
                       touchpoints=("delivery",), topics=(1,))
            )  # fmt: skip
        # Topic 3 (login): two a week, then a spike of 12 in the last week.
        for n in range(12 if week == WEEKS[-1] else 2):
            records.append(record(f"login-{week}-{n}", week, touchpoints=("app",), topics=(3,)))
        # "other" (-1): two a week, then 30 in the last week.
        for n in range(30 if week == WEEKS[-1] else 2):
            records.append(record(f"other-{week}-{n}", week, topics=(-1,)))
    # Topic 2 (a new complaint): a burst of 8 in the last week only.
    for n in range(8):
        records.append(record(f"new-{n}", WEEKS[-1], touchpoints=("billing",), topics=(2,)))
    # Topic 4: new in the last week, but only 2 records: an anecdote.
    records += [record(f"rare-{n}", WEEKS[-1], topics=(4,)) for n in range(2)]
    return records


@pytest.fixture
def emerging_store(tmp_path: Path):
    with build_store(tmp_path / "voc.duckdb", _emerging_records()) as store:
        yield store


def test_a_burst_of_a_new_subject_in_the_last_week_is_emerging(emerging_store) -> None:
    summary = compute_pain_points(emerging_store, "run-1")
    assert summary["weeks"] == 10 and summary["last_week"] == "2026-W10"
    last = WEEKS[-1]
    new = pain_point(emerging_store, last, 2)
    assert new["emerging"] and new["volume"] == 8 and pd.isna(new["wow_change"])
    assert pain_point(emerging_store, last, 2, "review", "billing")["emerging"]
    # The steady topic never is: 11 after ~10 a week is within sqrt(10) x 2 of its baseline.
    steady = emerging_store.query("SELECT * FROM pain_points WHERE topic_id = 1")
    assert not steady["emerging"].any()
    # A spike of a known topic is (12 > 2 + 2 x max(0, sqrt 2, 1)), 2 new records are not.
    login = pain_point(emerging_store, last, 3)
    assert login["emerging"] and login["baseline_mean"] == 2 and login["baseline_std"] == 0
    assert login["wow_change"] == pytest.approx(5.0)
    assert not pain_point(emerging_store, last, 4)["emerging"]
    # In the last week, exactly the new subject and the spike stand out.
    flagged = emerging_store.query(
        "SELECT DISTINCT topic_id FROM pain_points WHERE emerging AND week = ?", [last]
    )
    assert set(flagged["topic_id"]) == {2, 3}
    assert summary["emerging"] == 2
    # The spike ranks first: log2(1 + 12) x (1 + 8/8) x 2 = 14.8; the steady topic next,
    # log2(1 + 11) x 2 = 7.17, level with the new one, log2(1 + 8) x (1 + 1/8) x 2 = 7.13.
    # Topic 4's two complaints are an anecdote: under MIN_COMPLAINTS, so no pain point.
    assert top_pain_points(emerging_store, last)["topic_id"].tolist() == [3, 1, 2]
    top = top_pain_points(emerging_store, last, min_complaints=0).set_index("topic_id")
    assert top.index.tolist() == [3, 1, 2, 4]
    assert top.loc[3, "score"] == pytest.approx(math.log2(13) * 2 * 2)
    assert top.loc[1, "score"] == pytest.approx(math.log2(12) * 2)
    assert top.loc[2, "score"] == pytest.approx(math.log2(9) * 1.125 * 2)
    assert top.loc[
        2, ["complaints", "recurrence_factor", "emerging_factor", "survey_factor"]
    ].tolist() == [8, 1.125, 2, 1]


def test_a_large_topic_rising_a_little_is_not_emerging(tmp_path: Path) -> None:
    weeks = ["2026-W20", "2026-W21", "2026-W22", "2026-W23"]
    # Topics 1 and 2: 40 a week, then 55 and 61 in the last. Baseline 40, std 0 floored at
    # sqrt(40) = 6.3: both exceed 40 + 2 x 6.3 = 52.6, but only 61 is 1.5 x the baseline.
    records = [
        record(f"{topic}-{week}-{n}", week, topics=(topic,))
        for topic, last in ((1, 55), (2, 61))
        for week in weeks
        for n in range(last if week == weeks[-1] else 40)
    ]
    with build_store(tmp_path / "voc.duckdb", records) as store:
        compute_pain_points(store, "run-1")
        assert not pain_point(store, weeks[-1], 1)["emerging"]
        assert pain_point(store, weeks[-1], 2)["emerging"]


def test_other_topic_is_never_emerging(emerging_store) -> None:
    compute_pain_points(emerging_store, "run-1")
    other = emerging_store.query("SELECT * FROM pain_points WHERE topic_id = -1")
    assert other["volume"].max() == 30  # a burst from 2 to 30, and a "new" topic in week 1
    assert not other["emerging"].any()
    assert -1 not in set(top_pain_points(emerging_store, WEEKS[-1])["topic_id"])
    assert -1 in set(top_pain_points(emerging_store, WEEKS[-1], include_other=True)["topic_id"])


def test_nothing_is_emerging_in_the_first_weeks_of_the_store(emerging_store) -> None:
    compute_pain_points(emerging_store, "run-1")
    early = emerging_store.query("SELECT * FROM pain_points WHERE week IN ('2026-W01', '2026-W02')")
    assert len(early) > 0 and not early["emerging"].any()


def test_a_topic_seen_every_week_has_recurrence_8(emerging_store) -> None:
    compute_pain_points(emerging_store, "run-1")
    steady = emerging_store.query(
        "SELECT week, recurrence, baseline_mean FROM pain_points "
        "WHERE topic_id = 1 AND channel = '*' AND touchpoint = '*' ORDER BY week"
    )
    # Week n of the store has seen the topic in min(n, 8) of the last 8 weeks.
    assert steady["recurrence"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 8, 8]
    assert pain_point(emerging_store, WEEKS[-1], 2)["recurrence"] == 1
    # Baseline of the last week: the 8 weeks before it (9, 11, 10, 10, 9, 11, 10, 10).
    assert steady["baseline_mean"].iat[-1] == pytest.approx(80 / 8)


def test_top_pain_points_aggregates_per_topic_with_a_breakdown(emerging_store) -> None:
    compute_pain_points(emerging_store, "run-1")
    top = top_pain_points(emerging_store, WEEKS[-1], limit=3)
    assert len(top) == 3 and top["rank"].tolist() == [1, 2, 3]
    assert top["score"].is_monotonic_decreasing
    steady = top_pain_points(emerging_store, WEEKS[-1], limit=10).set_index("topic_id").loc[1]
    assert steady["volume"] == 11  # each record once, though on two channels
    assert {(c["channel"], c["touchpoint"]) for c in steady["breakdown"]} == {
        ("review", "delivery"),
        ("support", "delivery"),
    }
    assert sum(c["volume"] for c in steady["breakdown"]) == 11
    support = top_pain_points(emerging_store, WEEKS[-1], channel="support")
    assert support["topic_id"].tolist() == [1]
    assert support["volume"].iat[0] == 5
    assert [c["channel"] for c in support["breakdown"].iat[0]] == ["support"]
    # Without a week: the latest.
    assert top_pain_points(emerging_store)["week"].iat[0] == WEEKS[-1]


def test_recomputing_gives_the_same_rows(emerging_store) -> None:
    compute_pain_points(emerging_store, "run-1")
    query = (
        "SELECT * EXCLUDE (run_id) FROM pain_points ORDER BY week, topic_id, channel, touchpoint"
    )
    first = emerging_store.query(query)
    compute_pain_points(emerging_store, "run-2")
    pd.testing.assert_frame_equal(first, emerging_store.query(query))
    # Recomputing one week replaces that week only, with the same rows.
    summary = compute_pain_points(emerging_store, "run-3", weeks=["2026-W10"])
    assert summary["weeks"] == 1 and summary["rows"] == (first["week"] == "2026-W10").sum()
    pd.testing.assert_frame_equal(first, emerging_store.query(query))
    runs = emerging_store.query(
        "SELECT week, any_value(run_id) AS run FROM pain_points GROUP BY week"
    )
    assert dict(zip(runs["week"], runs["run"], strict=True))["2026-W10"] == "run-3"
    assert set(runs["run"]) == {"run-2", "run-3"}


# -- calendar ------------------------------------------------------------------------------
def test_weeks_across_a_53_week_year_count_the_empty_week_53(tmp_path: Path) -> None:
    assert iso_week_monday("2026-W53") == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    volumes = {"2026-W51": 2, "2026-W52": 3, "2027-W01": 4, "2027-W02": 5}  # none in 2026-W53
    records = [
        record(f"{week}-{n}", week, topics=(1,))
        for week, volume in volumes.items()
        for n in range(volume)
    ]
    # Sunday 3 January 2027 still belongs to 2026-W53.
    records.append(record("sunday", at=datetime(2027, 1, 3, 23, 0), topics=(2,)))
    with build_store(tmp_path / "voc.duckdb", records) as store:
        compute_pain_points(store, "run-1")
        assert pain_point(store, "2026-W53", 2)["volume"] == 1
        first_week_of_2027 = pain_point(store, "2027-W01", 1)
        assert first_week_of_2027["previous_volume"] == 0  # 2026-W53 had none
        assert pd.isna(first_week_of_2027["wow_change"])
        second = pain_point(store, "2027-W02", 1)
        assert second["previous_volume"] == 4 and second["wow_change"] == pytest.approx(0.25)
        # 5 calendar weeks so far (W51, W52, W53, W01, W02), the topic in 4 of them.
        assert second["recurrence"] == 4
        # Baseline: W51..W01 = 2, 3, 0, 4 -> mean 2.25, population std sqrt(7.25 - 2.25^2).
        assert second["baseline_mean"] == pytest.approx(2.25)
        assert second["baseline_std"] == pytest.approx(math.sqrt(29 / 4 - 2.25**2))


def test_an_empty_store_computes_nothing(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "voc.duckdb") as store:
        assert compute_pain_points(store, "run-1")["rows"] == 0
        assert compute_survey_metrics(store, "run-1") == 0
        assert top_pain_points(store).empty
        assert top_pain_points(store, "2026-W01").empty


def test_a_week_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "voc.duckdb") as store:
        with pytest.raises(ValueError, match="2025-W53"):
            compute_pain_points(store, "run-1", weeks=["2025-W53"])
        with pytest.raises(ValueError, match="YYYY-Www"):
            top_pain_points(store, "2026-5")
