"""Topics: clustering sentence embeddings, c-TF-IDF labels, stable ids across refits.

- :class:`TopicModel` (``model.py``): ``fit`` sentences into topics, ``assign`` new ones.
- :class:`TopicRegistry` (``registry.py``): keeps topic ids and labels from week to week.
- :class:`KeywordTokenizer` (``tokens.py``): language-aware keyword lemmas (English,
  Japanese) for the labels.

Nothing heavy loads at import: spaCy and scikit-learn load on first use.
"""

from voc.topics.model import OTHER, OTHER_LABEL, KSelection, Topic, TopicFit, TopicModel
from voc.topics.registry import (
    EVENT_KINDS,
    RegisteredTopic,
    RegistryUpdate,
    TopicEvent,
    TopicRegistry,
)
from voc.topics.tokens import KeywordTokenizer, keyword_language

__all__ = [
    "EVENT_KINDS",
    "OTHER",
    "OTHER_LABEL",
    "KSelection",
    "KeywordTokenizer",
    "RegisteredTopic",
    "RegistryUpdate",
    "Topic",
    "TopicEvent",
    "TopicFit",
    "TopicModel",
    "TopicRegistry",
    "keyword_language",
]
