"""A lexical view beside the sentence embeddings, for finding topics only.

The multilingual USE vectors group texts by what they say about a subject more than by the
thing they name: whole clothing reviews land together by fit and size whatever the
garment, and the garment is one noun in the review (docs/benchmarks.md, issue 11). The
words themselves carry it. :func:`lexical_view` gives each text a vector of its words:
TF-IDF (sublinear term frequency, words in at least ``MIN_DF`` texts and at most
``max_df`` of them, so "love" and "size" in every review weigh nothing) projected to
``dims`` dimensions by a fixed Gaussian random matrix, which keeps cosines between the
sparse vectors (Johnson-Lindenstrauss) where a truncated SVD keeps only the commonest
directions and loses the rare nouns (it scored lower on the dev sets). Tokens are
scikit-learn's default (runs of two or more letters or digits): cheap and language-blind;
a Japanese sentence without spaces is one token, seldom in enough texts, so Japanese texts
usually get no lexical vector and cluster by their embedding alone.

When ``TopicModel(lexical_weight=...)`` is above 0 (it is 0 by default: see its
docstring), :class:`voc.topics.clustering.ClusteringSteps` clusters the embedding and
this view side by side and then moves the topics back to the embedding space, so
:meth:`TopicModel.assign` needs no vocabulary and a topic in two languages is still
joined there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MIN_DF", "lexical_view"]

#: A word counts when it is in at least this many texts (rarer ones join nothing).
MIN_DF = 3
#: Most words kept (the commonest under ``max_df``): bounds the projection's memory.
MAX_WORDS = 20_000


def lexical_view(
    texts: Sequence[str], max_df: float, dims: int, random_state: int = 0
) -> np.ndarray | None:
    """Unit-length lexical vectors of texts, float32 ``(n, dims)``.

    Args:
        texts: The texts.
        max_df: Words in more than this share of the texts are left out.
        dims: Dimensions of the random projection.
        random_state: Seed of the projection matrix.

    Returns:
        The vectors (a row of zeros for a text with no kept word), or None when no word is
        kept at all (a handful of texts).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < MIN_DF:
        return None
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        min_df=MIN_DF,
        max_df=max_df,
        max_features=MAX_WORDS,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no word in MIN_DF texts and under max_df of them
        return None
    projection = (
        np.random.default_rng(random_state)
        .standard_normal((counts.shape[1], dims))
        .astype(np.float32)
    )
    view = np.asarray(counts @ projection, dtype=np.float32)
    norms = np.linalg.norm(view, axis=1, keepdims=True)
    return np.where(norms > 0, view / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
