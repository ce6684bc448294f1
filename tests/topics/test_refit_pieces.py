"""A refit of a store larger than the topic model's sample: fitted on the sample, every
sentence assigned piece by piece (memory bounded by the sample and the piece)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from voc.store import topics as topic_rows
from voc.store.warehouse import Warehouse

EMBEDDER = "use-multilingual"


@pytest.fixture
def store(demo: dict[str, Path], tmp_path: Path) -> Path:
    """A writable copy of the demo store (the session's demo must not change)."""
    path = tmp_path / "voc.duckdb"
    shutil.copy(demo["store"], path)
    return path


def test_the_sample_read_in_pieces_is_the_models_hash_sample(store: Path) -> None:
    from voc.topics.model import _hash_order
    from voc.topics.pieces import hash_sample

    with Warehouse(store) as wh:
        frame, _ = topic_rows.topic_sentences(wh, EMBEDDER, only_unassigned=False)
        sample = hash_sample(wh, EMBEDDER, size=500, chunk_rows=2048)
    ids = [f"{a}:{b}" for a, b in zip(frame["feedback_id"], frame["sentence_index"], strict=True)]
    want = frame.iloc[np.sort(_hash_order(ids)[:500])].reset_index(drop=True)
    assert sample.total == len(frame) > 2048  # several pieces
    assert sample.frame[["feedback_id", "sentence_index"]].equals(
        want[["feedback_id", "sentence_index"]]
    )
    assert len(sample.vectors) == 500
    assert sample.period == frame.loc[frame["week"] != topic_rows.UNDATED, "week"].max()


def test_a_refit_over_its_sample_assigns_and_counts_every_sentence(store: Path) -> None:
    from voc.topics.model import TopicModel
    from voc.topics.store import load_model, refit

    with Warehouse(store) as wh:
        model = TopicModel(sample_size=1500, label_embedder="none")
        summary = refit(wh, EMBEDDER, "test-refit", model, chunk_rows=2048)
        frame, vectors = topic_rows.topic_sentences(wh, EMBEDDER, only_unassigned=False)
        stored = wh.query(
            "SELECT feedback_id, sentence_index, topic_id, similarity FROM sentence_topics "
            "ORDER BY feedback_id, sentence_index"
        )
        sizes = wh.query("SELECT topic_id, size FROM topics WHERE status = 'active'")
        counted = wh.query("SELECT topic_id, count(*) AS n FROM sentence_topics GROUP BY 1")
        fitted = wh.query("SELECT sentences, other_share FROM topic_model")
        merges = topic_rows.given_merges(wh)
        reloaded = load_model(wh)
    assert not merges  # the demo has none: stored topics are the model's own
    assert summary.action == "refit" and summary.sentences == len(frame) > 1500
    # Every sentence once, with the topic the stored model gives its vector.
    assert stored[["feedback_id", "sentence_index"]].equals(
        frame[["feedback_id", "sentence_index"]]
    )
    assert reloaded is not None
    topic_ids, similarities = reloaded.model.assign(vectors)
    np.testing.assert_array_equal(stored["topic_id"].to_numpy(), topic_ids)
    np.testing.assert_allclose(stored["similarity"].to_numpy(), similarities, atol=1e-6)
    # Sizes and the share of other count every sentence, not the sample.
    n = dict(zip(counted["topic_id"], counted["n"], strict=True))
    assert all(n.get(t, 0) == s for t, s in zip(sizes["topic_id"], sizes["size"], strict=True))
    assert int(fitted["sentences"].iloc[0]) == len(frame)
    assert fitted["other_share"].iloc[0] == pytest.approx(np.mean(topic_ids == -1))


def test_a_refit_holds_one_piece_of_vectors_in_duckdb(
    store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Under a DuckDB cap of 32 MB, about the size of the demo's vectors, a refit assigns
    every sentence: it reads the vectors a piece at a time. Joined to the sentences, the
    vectors went into DuckDB's hash table all at once, and that ran out of memory here."""
    from voc.topics.model import TopicModel
    from voc.topics.store import refit

    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "32MB")
    with Warehouse(store) as wh:
        vectors_mb = wh.query(
            "SELECT sum(octet_length(vector)) / 2 ** 20 AS mb FROM embeddings WHERE embedder = ?",
            [EMBEDDER],
        )["mb"].iloc[0]
        model = TopicModel(sample_size=1500, label_embedder="none")
        summary = refit(wh, EMBEDDER, "test-refit", model, chunk_rows=2048)
        assigned = wh.query("SELECT count(*) AS n FROM sentence_topics")["n"].iloc[0]
    assert vectors_mb > 16  # with their keys and the join's own overhead: over the cap
    assert summary.action == "refit" and int(assigned) == summary.sentences > 1500
    # Within the cap: not run again with more (StoreConnection.with_memory_to_spare).
    assert "ran out of DuckDB's memory limit" not in caplog.text


def test_a_refit_that_outgrows_duckdbs_limit_runs_again_with_more_and_counts_once(
    store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """When the transaction that rewrites every sentence's topic runs out of DuckDB's
    limit, it is rolled back and run again with more, says which setting to raise, and
    counts every sentence and carries every label once. (A real DuckDB running out is
    tests/store/test_warehouse.py's; on the demo store the rest of a refit needs about
    what its transaction does, so here the first write runs out after its rows.)"""
    import duckdb

    from voc.topics import pieces
    from voc.topics import store as topic_store
    from voc.topics.model import TopicModel
    from voc.topics.store import refit

    write_text_topics, calls = pieces.write_text_topics, []

    def runs_out_once(*args, **kwargs):
        calls.append(1)
        written = write_text_topics(*args, **kwargs)
        if len(calls) == 1:
            raise duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB")
        return written

    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "64MB")
    monkeypatch.setattr(topic_store, "REFIT_BYTES_PER_SENTENCE", 0)  # not sized ahead
    monkeypatch.setattr(pieces, "write_text_topics", runs_out_once)
    with Warehouse(store) as wh:
        model = TopicModel(sample_size=1500, label_embedder="none")
        summary = refit(wh, EMBEDDER, "test-refit", model, chunk_rows=2048)
        assigned = wh.query("SELECT count(*) AS n FROM sentence_topics")["n"].iloc[0]
        sizes = wh.query("SELECT sum(size) AS n FROM topics WHERE status = 'active'")["n"]
        other = wh.query("SELECT count(*) AS n FROM sentence_topics WHERE topic_id = -1")["n"]
        limit = wh.query("SELECT current_setting('memory_limit') AS v")["v"].iloc[0]
    assert len(calls) == 2
    assert "the topic refit ran out of DuckDB's memory limit (64 MB)" in caplog.text
    assert "runs again with 256 MB: set VOC_STORE_MEMORY_LIMIT=256MB" in caplog.text
    assert summary.action == "refit" and int(assigned) == summary.sentences > 1500
    assert int(sizes.iloc[0]) + int(other.iloc[0]) == int(assigned)  # once, not twice
    assert summary.other_share == pytest.approx(int(other.iloc[0]) / int(assigned))
    assert limit == "61.0 MiB"  # back to the store's own limit after


def test_a_refit_gets_duckdb_memory_for_the_sentences_it_rewrites(
    store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Sized ahead (a commit that runs out closes the store, so it is not left to the
    retry): the store's limit is raised for the refit's transaction, then put back."""
    import logging

    from voc.topics import store as topic_store
    from voc.topics.model import TopicModel
    from voc.topics.store import refit

    monkeypatch.setenv("VOC_STORE_MEMORY_LIMIT", "32MB")
    monkeypatch.setattr(topic_store, "REFIT_BYTES_PER_SENTENCE", 4000)
    caplog.set_level(logging.INFO, logger="voc.store.connection")
    with Warehouse(store) as wh:
        model = TopicModel(sample_size=1500, label_embedder="none")
        summary = refit(wh, EMBEDDER, "test-refit", model, chunk_rows=2048)
        limit = wh.query("SELECT current_setting('memory_limit') AS v")["v"].iloc[0]
    raised = 4000 * summary.sentences // 10**6
    assert f"the topic refit: DuckDB's memory limit raised to {raised} MB" in caplog.text
    assert "ran out" not in caplog.text and limit == "30.5 MiB"
