"""The weak-label rules of ``reported_problems`` (voc/models/sentiment_data.py), and the
per-set loss weights of the v3-negation recipe.

A sentence that says a problem is absent ("no problems", "never had an issue") has a
problem cue (its negation) but reports none: it must never be labelled a problem report,
and it is what the ``absences`` lever labels positive. A sentence that turns ("no problems
until the update") is left to the other rules.
"""

from __future__ import annotations

import pytest

from voc.models.sentiment_data import _is_problem_report, states_no_problem

ABSENT = [
    "No problems at all with the delivery.",
    "I have never had an issue with this bank.",
    "Nothing to complain about.",
    "Zero issues since I switched.",
    "Not a single complaint from the family.",
    "The app doesn't crash on my phone.",
    "It did not disappoint.",
    "Can't complain about the price.",
    "Set it up without any hassle.",
]
PRESENT = [
    "I have never had this problem before.",
    "No problems until the last update, now it crashes.",
    "Not a problem for me, but it runs large.",
    "I hope it doesn't shrink in the wash.",
    "The app crashes every time I pay.",
    "Still no refund after three weeks.",
    "There is a problem with my order.",
]


@pytest.mark.parametrize("sentence", ABSENT)
def test_a_problem_said_to_be_absent_is_not_a_problem_report(sentence: str) -> None:
    assert states_no_problem(sentence)
    assert not _is_problem_report(sentence, compound=0.0)


@pytest.mark.parametrize("sentence", PRESENT)
def test_a_problem_that_is_there_is_not_read_as_absent(sentence: str) -> None:
    assert not states_no_problem(sentence)


def test_problem_reports_with_negation_stay_problem_reports() -> None:
    assert _is_problem_report("Still no refund after three weeks.", compound=0.0)
    assert _is_problem_report("I have never had this problem before.", compound=0.0)


def test_set_weights_weigh_each_training_row_of_a_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from voc.models import sentiment_tuned, train_v3
    from voc.models.sentiment_data import NEG, POS, SoftSet

    def soft(name: str, n: int) -> SoftSet:
        return SoftSet(
            name=name,
            language="en",
            licence="test",
            texts=[f"{name} sentence {i}" for i in range(n)],
            targets=np.array([POS if i % 2 else NEG for i in range(n)], dtype=np.float32),
            splits=np.array(["train"] * (n - 1) + ["dev"]),
        )

    sets = {"plain": soft("plain", 4), "heavy": soft("heavy", 3)}
    seen: dict = {}

    def fit(self, pooled, texts, languages, targets, sample_weight=None, **_: object) -> None:
        seen["weights"] = sample_weight

    monkeypatch.setattr(sentiment_tuned.TunedSentimentModel, "fit", fit)
    cache = lambda labelled: np.zeros((len(labelled), 4), np.float32)  # noqa: E731
    cache.with_tokens = False  # type: ignore[attr-defined]
    train_v3.train(sets, cache, {"set_weights": {"heavy": 5.0}}, progress=False, companion=None)
    assert seen["weights"].tolist() == [1.0, 1.0, 1.0, 5.0, 5.0]
