"""bench/topics.py keeps BERTopic's run per set: read back, not rerun, unless refreshed."""

from __future__ import annotations

from bench.topics import agreement, cached_bertopic


def test_bertopic_runs_once_per_set_and_its_agreement_is_computed_from_its_topics(tmp_path):
    texts = ["a", "b", "c", "d"]
    gold = ["x", "x", "y", "y"]
    calls = []

    def run():
        calls.append(1)
        return {"wall_s": 1.0, "topic_of_text": [0, 0, 1, 1]}

    first = cached_bertopic(tmp_path, "set", texts, 1, False, run, gold)
    again = cached_bertopic(tmp_path, "set", texts, 1, False, run, gold)
    assert len(calls) == 1
    assert first["cached"] is False and again["cached"] is True
    assert again["nmi"] == 1.0 and again["ami"] == 1.0
    assert "topic_of_text" not in again
    cached_bertopic(tmp_path, "set", texts, 1, True, run, gold)
    assert len(calls) == 2
    # Other texts are another key: run again.
    shorter = cached_bertopic(tmp_path, "set", texts[:3], 1, False, lambda: {"x": calls.append(1)})
    assert len(calls) == 3 and shorter["cached"] is False


def test_a_failed_bertopic_run_is_not_cached(tmp_path):
    calls = []

    def run():
        calls.append(1)
        return {"error": "pip install -e '.[bench]'"}

    cached_bertopic(tmp_path, "set", ["a"], 1, False, run)
    cached_bertopic(tmp_path, "set", ["a"], 1, False, run)
    assert len(calls) == 2


def test_agreement_reports_the_chance_level_beside_nmi():
    gold = ["a"] * 50 + ["b"] * 50
    perfect = agreement([0] * 50 + [1] * 50, gold)
    assert perfect["nmi"] == 1.0 and perfect["nmi_chance"] < 0.1
    many = agreement(list(range(100)), gold)
    # One cluster per text: NMI is far from 0 by construction, AMI is not fooled.
    assert many["nmi"] > 0.1 and many["ami"] < 0.01
