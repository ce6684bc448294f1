"""The speed work of issue 15 (point 4) changes no output: the analysis of a fixed sample
of real feedback equals what the code gave before it (``expected_outputs.json``, written
by commit 460b3e0, rewritten for touchpoint model v2: see ``expected_outputs.py``), record by record and sentence by sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.speed.expected_outputs import EXPECTED, outputs, sample_texts


@pytest.mark.slow
@pytest.mark.shared_data
def test_enrich_outputs_equal_the_code_before_the_speed_work(shared_data):
    # The default path, hashed keyword tagger included: the expected outputs were rewritten
    # when it became the default (expected_outputs.py says what changed).
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(outputs(sample_texts(shared_data)), ensure_ascii=False))
    assert len(got["records"]) == len(expected["records"]) == 1000
    assert len(got["sentences"]) == len(expected["sentences"])
    for i, (old, new) in enumerate(zip(expected["records"], got["records"], strict=True)):
        assert new == old, f"record {i}: {old} before, {new} now"
    for i, (old, new) in enumerate(zip(expected["sentences"], got["sentences"], strict=True)):
        assert new == old, f"sentence {i}: {old} before, {new} now"
    # The sample reaches every part: topics fitted, touchpoints and all three sentiments.
    assert len({r[5] for r in got["records"]}) > 5
    assert sum(1 for r in got["records"] if r[4]) > 100
    assert {r[1] for r in got["records"]} == {"negative", "neutral", "positive"}


def test_tree_traversal_in_blocks_equals_the_whole_array_one():
    from voc.touchpoints import FEATURES, RelevanceModel

    model = RelevanceModel.load()
    rng = np.random.default_rng(7)
    # More rows than one block holds, features around the thresholds the trees use.
    flat = rng.normal(scale=2.0, size=(30_000, len(FEATURES)))
    flat[::7] = np.round(flat[::7], 1)  # ties with thresholds too
    fast = model._tree_logits(flat)
    reference = model._tree_logits_reference(flat)
    assert fast.dtype == reference.dtype == np.float64
    assert np.array_equal(fast, reference)
    assert np.array_equal(model.predict_proba(flat), model.predict_proba(flat[::-1])[::-1])


@pytest.mark.shared_data
@pytest.mark.parametrize("tagger", ["hashed", "spacy"])
def test_keyword_tokens_from_two_processes_equal_one_process(shared_data, monkeypatch, tagger):
    from tests.speed.expected_outputs import sample_texts
    from voc.text.sentences import split_clauses
    from voc.topics import tokens

    texts = list(
        dict.fromkeys(s.text for t in sample_texts(shared_data)[:500] for s in split_clauses(t))
    )
    assert len(texts) > 1200
    forks = []
    real_forked = tokens._forked

    def counted(run, items, split, settings):
        forks.append((len(items), split))
        return real_forked(run, items, split, settings)

    monkeypatch.setattr(tokens, "_forked", counted)
    one = tokens.KeywordTokenizer(processes=1, english_tagger=tagger).terms(texts, "en")
    assert forks == []
    two = tokens.KeywordTokenizer(processes=2, batch_size=256, english_tagger=tagger).terms(
        texts, "en"
    )
    assert forks and forks[0][1] % 256 == 0 and 0 < forks[0][1] < len(texts)
    assert two == one
    assert sum(len(t.tokens) for t in one) > len(texts)  # real tokens, not empty tuples

    # The same through a serving block's worker (forked once, its own tokenizer there).
    from voc.forked import serving

    with serving() as worker:
        assert worker is not None
        served = tokens.KeywordTokenizer(processes=2, batch_size=256, english_tagger=tagger).terms(
            texts, "en"
        )
        assert worker.forks == 1
    assert served == one
