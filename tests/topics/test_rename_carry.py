"""Where a label a person gave goes when a refit retires its topic: the rule alone, on
counts of sentences (the real refits are in test_store_labels.py)."""

from __future__ import annotations

from datetime import datetime

from voc.topics.renames import CARRY_SHARE, carry_renames, rename_carry


def test_the_topic_that_took_most_of_the_sentences_takes_the_label():
    (outcome,) = carry_renames({5: "parcel late"}, [(5, 12, 6), (5, 30, 3), (5, -1, 1)],
                               {5: "parcel late"}, {12, 30})  # fmt: skip
    assert outcome.carried_to == 12
    assert outcome.message == (
        "rename 'parcel late' of topic 5 carried to topic 12, which took 60% of its "
        "sentences (the refit retired it)"
    )
    assert outcome.event() == {
        "event": "label_carried", "topic_id": 12, "related": [5], "detail": outcome.message,
    }  # fmt: skip


def test_a_label_whose_sentences_split_stays_and_says_where_they_went():
    (outcome,) = carry_renames({5: "x"}, [(5, 12, 4), (5, 30, 4), (5, -1, 2)], {5: "x"}, {12, 30})
    assert outcome.carried_to is None
    assert outcome.message == (
        "rename 'x' of topic 5 not carried: its sentences split across 12 (40%), 30 (40%), "
        "other (20%)"
    )
    assert outcome.event()["event"] == "label_not_carried"
    assert outcome.event()["topic_id"] == 5 and outcome.event()["related"] == [12, 30]


def test_sentences_left_as_other_count_against_the_successor():
    (outcome,) = carry_renames({5: "x"}, [(5, 12, 4), (5, -1, 6)], {5: "x"}, {12})
    assert outcome.carried_to is None and "other (60%), 12 (40%)" in outcome.message


def test_just_under_half_is_not_carried_and_does_not_read_as_half():
    (outcome,) = carry_renames({5: "x"}, [(5, 12, 497), (5, 30, 503)], {5: "x"}, {12})
    # 30 is no longer active (a later merge): its sentences count as other.
    assert CARRY_SHARE == 0.5 and outcome.carried_to is None
    assert "other (50%), 12 (49%)" in outcome.message


def test_a_successor_with_a_label_of_its_own_keeps_it():
    (outcome,) = carry_renames({5: "x"}, [(5, 12, 9), (5, 30, 1)], {5: "x", 12: "mine"}, {12, 30})
    assert outcome.carried_to is None and outcome.blocked_by == "mine"
    assert outcome.message == (
        "rename 'x' of topic 5 not carried: topic 12, which took 90% of its sentences, has "
        "the label 'mine'"
    )


def test_of_two_renamed_topics_that_become_one_the_larger_keeps_its_label():
    given = {6: "small one", 5: "large one"}
    outcomes = carry_renames(given, [(6, 12, 3), (5, 12, 8), (5, 30, 2)], given, {12, 30})
    by_topic = {o.topic_id: o for o in outcomes}
    assert by_topic[5].carried_to == 12
    assert by_topic[6].carried_to is None and by_topic[6].blocked_by == "large one"
    assert [o.topic_id for o in outcomes] == [5, 6]  # the order the labels were given out


def test_a_topic_with_no_sentences_left_is_reported():
    (outcome,) = carry_renames({5: "x"}, [], {5: "x"}, {12})
    assert outcome.carried_to is None and "held no sentences" in outcome.message


def test_the_refit_callback_gives_the_event_rows_and_the_outcomes():
    outcomes: list = []
    at = datetime(2026, 12, 3, 12)
    rows = rename_carry("run-1", at, outcomes)({5: "x"}, [(5, 12, 3)], {5: "x"}, {12})
    assert [o.carried_to for o in outcomes] == [12]
    assert rows == [
        {"run_id": "run-1", "event": "label_carried", "topic_id": 12, "related": [5],
         "detail": outcomes[0].message, "occurred_at": at},
    ]  # fmt: skip
