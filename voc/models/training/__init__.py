"""The v2 sentiment recipe: labelled sets, training, evaluation, model card, and training
on a user's labelled file, one module each.

=====================  ============================================================
:mod:`.datasets`       the licensed labelled sets, their labels and fixed splits
:mod:`.train`          the embedding cache, the head's settings, ``train_model``,
                       saving a model with ``metrics.json`` and its card
:mod:`.evaluation`     macro-F1 per set and split, records rolled up, leave-one-
                       domain-out transfer (``measure``)
:mod:`.card`           the generated MODEL_CARD.md
:mod:`.user_file`      ``train_from_file``: ``voc train sentiment`` on a user's file
=====================  ============================================================

The Prefect flows in :mod:`pipelines.train_sentiment` are the one way to run them
(``python -m pipelines.train_sentiment --v2 --out models/sentiment/v2`` for this recipe;
``voc train sentiment`` for a user's file). Every name stays importable from
``voc.models.training``, as before the split.
"""

from __future__ import annotations

from voc.models.training.card import HEADLINE_SETS, TARGET_MACRO_F1, headline_figure, model_card
from voc.models.training.datasets import (
    DEFAULT_DATA_DIR,
    DEV_SHARE,
    LABELS,
    TEST_SHARE,
    LabelledSet,
    _hash_split,
    _make,
    _read_csv,
    load_all,
    load_app_reviews,
    load_chabsa,
    load_clothing_reviews,
    load_drug_reviews,
    load_hotel_reviews,
    load_vader_ground_truth,
    normalise_text,
    one_hot,
    training_sets,
)
from voc.models.training.evaluation import (
    RECORD_SETS,
    SPLITTERS,
    TRANSFER_DOMAINS,
    evaluate,
    evaluate_all,
    evaluate_records,
    f1_per_class,
    leave_one_domain_out,
    macro_f1,
    measure,
    record_pieces,
)
from voc.models.training.train import (
    DEFAULT_EXCLUDED_SETS,
    DEFAULT_HEAD,
    SHIPPED_EMBEDDER,
    EmbeddingCache,
    embed_sets,
    save_model,
    train_model,
    training_data_report,
)
from voc.models.training.user_file import (
    LABEL_SCHEMES,
    MIN_TRAINING_ROWS,
    choose_label_scheme,
    train_from_file,
)

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_EXCLUDED_SETS",
    "DEFAULT_HEAD",
    "DEV_SHARE",
    "HEADLINE_SETS",
    "LABELS",
    "LABEL_SCHEMES",
    "MIN_TRAINING_ROWS",
    "RECORD_SETS",
    "SHIPPED_EMBEDDER",
    "SPLITTERS",
    "TARGET_MACRO_F1",
    "TEST_SHARE",
    "TRANSFER_DOMAINS",
    "EmbeddingCache",
    "LabelledSet",
    "_hash_split",
    "_make",
    "_read_csv",
    "choose_label_scheme",
    "embed_sets",
    "evaluate",
    "evaluate_all",
    "evaluate_records",
    "f1_per_class",
    "headline_figure",
    "leave_one_domain_out",
    "load_all",
    "load_app_reviews",
    "load_chabsa",
    "load_clothing_reviews",
    "load_drug_reviews",
    "load_hotel_reviews",
    "load_vader_ground_truth",
    "macro_f1",
    "measure",
    "model_card",
    "normalise_text",
    "one_hot",
    "record_pieces",
    "save_model",
    "train_from_file",
    "train_model",
    "training_data_report",
    "training_sets",
]
