"""What a topic fit leaves to model loading, and the threads its products run on (issue 15,
point 4: a fit on the file is most of ``voc enrich`` on short texts)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from voc.topics import KeywordTokenizer, TopicModel
from voc.topics.tagger import load_tagger


def _blas_threads() -> int:
    return max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")


def test_the_warm_up_loads_the_hashed_keyword_tagger():
    # Loaded at fit time it was fitting time, and a worker forked before (voc enrich's)
    # loaded its own copy too.
    load_tagger.cache_clear()
    TopicModel(tokenizer=KeywordTokenizer(english_tagger="hashed")).warm_up()
    assert load_tagger.cache_info().currsize == 1


def test_a_fit_runs_its_products_on_one_blas_thread(monkeypatch):
    # A product that woke OpenBLAS's second thread left it spinning against the keyword
    # tagger, and the labels' small products each waited on waking it.
    seen: list[int] = []
    labels = TopicModel._labels

    def watched(self, *args):
        seen.append(_blas_threads())
        return labels(self, *args)

    monkeypatch.setattr(TopicModel, "_labels", watched)
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32))
    vectors = np.repeat(centres, 20, axis=0) + 0.05 * rng.normal(size=(60, 32))
    subjects = ["the parcel arrived late", "the app keeps crashing", "the dress runs small"]
    texts = [f"{subjects[row // 20]} again ({row})" for row in range(60)]
    with threadpool_limits(limits=2, user_api="blas"):
        model = TopicModel(min_topic_size=4, label_embedder="none").fit(vectors, texts)
        after = _blas_threads()
    assert seen == [1]
    assert after == 2  # the caller's setting comes back
    assert len(model.fit_result_.topics) == 3
