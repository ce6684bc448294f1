"""Tag sentences with the touchpoints of any taxonomy: keywords, meaning and a relevance model.

Any taxonomy works without training, which is how analysts start: write a YAML file (see
``configs/taxonomy.yaml``), tag, read, edit. What a touchpoint offers as evidence:

- **Keywords**, matched per language. Languages written with spaces (English, ...) match
  whole words, case-insensitively, with hyphens read as spaces and the regular plural and
  -ed/-ing forms of a keyword's last word (``refund`` -> ``refunds``, ``refunded``); a
  trailing ``*`` matches any ending. Japanese matches substrings of the NFKC-folded text
  with white space removed (no word boundaries exist to respect). A sentence uses the
  keywords of its own language; a language the taxonomy has no keywords for (or an
  undetermined one) is matched against every language's keywords, since short texts are
  often misdetected (kanji-only Japanese as Chinese). Each touchpoint compiles to one
  regular expression per language, built as a trie, so matching costs a few microseconds
  per sentence.
- **Meaning**: the cosine between the sentence embedding (the one the pipeline computed
  for sentiment; nothing is embedded twice) and the embeddings of the touchpoint's name,
  description, each keyword (any language: the embedder is multilingual, so Japanese
  keywords speak for English sentences and back), its ``examples`` and its
  ``negative_examples``; embedded once per taxonomy in :meth:`TouchpointTagger.fit`.
  Raw cosines are not comparable across touchpoints (a broad description is close to
  everything), so they are also read as z-scores against a fixed background of sentences
  about no touchpoint (:data:`BACKGROUND_SENTENCES`) and against the taxonomy's other
  touchpoints (rank, margin to the best other one).

A **relevance model** (:class:`RelevanceModel`, ``models/touchpoints/v2``) turns these
pair features (:data:`FEATURES`) into the probability that the sentence is about the
touchpoint. It is trained once, on several labelled taxonomies written the way a user
writes one (``voc.models.touchpoint_training``: app-review topics, consumer-complaint
products and issues, clothing departments and classes, with and without examples and
negative examples), so it judges evidence, not words of one domain: a keyword used in
another sense ("I bought this shirt" for billing) is outweighed by the meaning, and a
sentence about no touchpoint gets none. It also reads which keywords matched (how many,
how close the matched keyword is to the sentence, how specific it is to the touchpoint).
Its thresholds were chosen on dev splits of the training data, precision first, the
keyword threshold on the app reviews' development half with the default taxonomy (see
the model card). ``use_embeddings=False`` is the keyword-only tagger.

The package, by responsibility: :mod:`~voc.touchpoints.keywords` (keyword folding and trie
patterns), :mod:`~voc.touchpoints.evidence` (the texts to embed, background sentences, raw
similarities, pair features, scores), :mod:`~voc.touchpoints.relevance` (the relevance
model), :mod:`~voc.touchpoints.tagger` (fit, score, decide, tag, save, load, roll up) and
:mod:`~voc.touchpoints.explain` (which evidence fired). Taxonomy loading and validation
live in :mod:`voc.taxonomy`.
"""

from voc.touchpoints.evidence import (
    BACKGROUND_SENTENCES,
    EXAMPLE_MATCH,
    MEANING_MIN_MARGIN,
    MEANING_MIN_Z,
    NEGATIVE_MATCH,
    TouchpointScores,
    pair_features,
    taxonomy_evidence,
)
from voc.touchpoints.explain import TouchpointEvidence
from voc.touchpoints.relevance import DEFAULT_RELEVANCE_MODEL, FEATURES, RelevanceModel
from voc.touchpoints.tagger import TouchpointTagger, roll_up

__all__ = [
    "BACKGROUND_SENTENCES",
    "DEFAULT_RELEVANCE_MODEL",
    "EXAMPLE_MATCH",
    "FEATURES",
    "MEANING_MIN_MARGIN",
    "MEANING_MIN_Z",
    "NEGATIVE_MATCH",
    "RelevanceModel",
    "TouchpointEvidence",
    "TouchpointScores",
    "TouchpointTagger",
    "pair_features",
    "roll_up",
    "taxonomy_evidence",
]
