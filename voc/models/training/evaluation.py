"""How a sentiment model is measured: macro-F1 per set and split, records rolled up from
their clauses as the analyser reads them, and leave-one-domain-out transfer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from voc.errors import VocError

if TYPE_CHECKING:
    from voc.models.sentiment import SentimentModel
from voc.models.training.datasets import LABELS, LabelledSet, one_hot
from voc.models.training.train import EmbeddingCache, train_model

logger = logging.getLogger(__name__)


def f1_per_class(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[int] = (0, 1, 2)
) -> np.ndarray:
    """F1 of each of ``labels``: ``2 tp / (2 tp + fp + fn)``, 0 for a class absent from both
    (sklearn's ``f1_score(average=None, zero_division=0)``, without importing sklearn)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    scores = []
    for label in labels:
        tp = int(((y_true == label) & (y_pred == label)).sum())
        wrong = int((y_true == label).sum() + (y_pred == label).sum()) - 2 * tp
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return np.array(scores)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[int] = (0, 1, 2)) -> float:
    """Macro-averaged F1 over ``labels`` (a class absent from both counts as 0, as sklearn)."""
    return float(f1_per_class(y_true, y_pred, labels).mean())


def evaluate(
    model: SentimentModel, labelled: LabelledSet, embeddings: np.ndarray | None = None
) -> dict[str, float]:
    """Macro-F1 and accuracy of ``model`` on a set.

    3-class macro-F1, except on a set without neutral rows (chABSA): there macro-F1 over
    its two classes, where a "neutral" prediction counts as wrong for either.
    """
    predicted = model.predict(labelled.texts, [labelled.language] * len(labelled), embeddings)
    y_pred = np.array([LABELS.index(label) for label, _ in predicted])
    present = sorted(set(labelled.labels.tolist()))
    return {
        "macro_f1": round(macro_f1(labelled.labels, y_pred, present), 4),
        "accuracy": round(float((y_pred == labelled.labels).mean()), 4),
        "n": len(labelled),
    }


def evaluate_all(
    model: SentimentModel, sets: dict[str, LabelledSet], cache: EmbeddingCache, split: str
) -> dict[str, dict[str, float]]:
    """:func:`evaluate` on one split of every set that has rows in it."""
    results = {}
    for name, labelled in sets.items():
        part = labelled.subset(split)
        if len(part):
            results[name] = evaluate(model, part, cache.rows(labelled, split))
    return results


#: The reported transfer figures: the domain held out, and the set measured on.
TRANSFER_DOMAINS = {
    "ecommerce_reviews": "clothing_reviews",
    "app_reviews": "app_reviews_golden",
    "social_posts": "tweets",
}


def leave_one_domain_out(
    sets: dict[str, LabelledSet],
    cache: EmbeddingCache,
    domains: dict[str, str] | None = None,
    **train_options: Any,
) -> dict[str, dict[str, Any]]:
    """Transfer figures: for each domain, train without it and measure on its test split.

    Args:
        sets: From :func:`load_all`.
        cache: Embeddings of the sets.
        domains: Domain held out -> name of the set measured; :data:`TRANSFER_DOMAINS`
            when None.
        **train_options: Passed to :func:`train_model`.

    Returns:
        Set name -> :func:`evaluate` result of the model trained without its domain; for
        the review sets also ``records``: :func:`evaluate_records` with clauses, without
        and with the whole record.
    """
    results: dict[str, dict[str, Any]] = {}
    for domain, name in (domains or TRANSFER_DOMAINS).items():
        model = train_model(sets, cache, exclude_domains=(domain,), **train_options)
        labelled = sets[name]
        test = labelled.subset("test")
        results[name] = evaluate(model, test, cache.rows(labelled, "test"))
        if name in RECORD_SETS:  # also as the product reads a record (see evaluate_records)
            results[name]["records"] = {
                "clauses": evaluate_records(model, test, cache, "clauses"),
                "clauses+record": evaluate_records(
                    model, test, cache, "clauses", True, cache.rows(labelled, "test")
                ),
            }
        logger.info("without %s: %s %s", domain, name, results[name])
    return results


#: Record-level sets (whole reviews): besides whole-text prediction they are measured the
#: way the product reads a record: split into pieces, each piece predicted, the pieces
#: rolled up with :func:`voc.models.sentiment.roll_up` (weights: piece length in characters).
RECORD_SETS = ("clothing_reviews", "app_reviews_golden", "app_reviews_larger")

#: How records are split before roll-up: ``clauses`` is what the analyser does
#: (:func:`voc.text.sentences.split_clauses`), ``sentences`` splits at sentence ends only.
SPLITTERS = ("clauses", "sentences")


def record_pieces(labelled: LabelledSet, splitter: str = "clauses") -> tuple[LabelledSet, list]:
    """The distinct pieces of every record of ``labelled`` and, per record, its pieces.

    Returns:
        ``(pieces, rows)``: ``pieces`` a :class:`LabelledSet` named ``<set>__<splitter>``
        holding each distinct piece once (its labels and splits are placeholders, so
        :class:`EmbeddingCache` can cache its embeddings), and ``rows[i]`` the indices
        into ``pieces.texts`` of record ``i``'s pieces, in order.
    """
    from voc.text import sentences

    if splitter not in SPLITTERS:
        raise VocError(f"splitter must be one of {SPLITTERS}, got {splitter!r}")
    split = sentences.split_clauses if splitter == "clauses" else sentences.split_sentences
    per_record = [
        [piece.text for piece in split(text, labelled.language)] for text in labelled.texts
    ]
    texts = sorted({piece for record in per_record for piece in record})
    index = {text: i for i, text in enumerate(texts)}
    pieces = replace(
        labelled,
        name=f"{labelled.name}__{splitter}",
        texts=texts,
        targets=one_hot(np.zeros(len(texts), dtype=np.int64)),
        splits=np.full(len(texts), "piece"),
    )
    return pieces, [[index[text] for text in record] for record in per_record]


def evaluate_records(
    model: SentimentModel,
    labelled: LabelledSet,
    cache: EmbeddingCache | None = None,
    splitter: str = "clauses",
    with_record: bool = False,
    record_embeddings: np.ndarray | None = None,
    as_product: bool = False,
) -> dict[str, float]:
    """Macro-F1 of the product's record sentiment: pieces predicted, then rolled up.

    Args:
        model: The model.
        labelled: Records (whole texts) with record labels, e.g. a test split.
        cache: Embeddings of the pieces (computed when None).
        splitter: See :data:`SPLITTERS`.
        with_record: Also predict each whole record and pass it to ``roll_up(record=...)``.
        record_embeddings: Embeddings of ``labelled.texts`` for ``with_record``.
        as_product: Score what :class:`voc.analysis.Analyzer` reports instead: the
            record predicted from the mean of its pieces' embeddings
            (:meth:`SentimentModel.predict_records`); ``with_record`` is then ignored.

    Returns:
        ``macro_f1``, ``accuracy``, ``n`` and ``mixed_share`` (records flagged mixed).
    """
    from voc.models.sentiment import roll_up

    pieces, rows = record_pieces(labelled, splitter)
    languages = [labelled.language] * len(pieces)
    embeddings = cache(pieces) if cache is not None else None
    probabilities = model.predict_proba(pieces.texts, languages, embeddings)
    if as_product:
        # What the analyser does (voc.analysis): the record read as a whole from the mean
        # of its pieces' embeddings, the mixed flag from the pieces.
        if embeddings is None:
            embeddings = model._get_embedder().embed(pieces.texts)
        piece_weights = [[float(len(pieces.texts[j])) for j in record] for record in rows]
        whole_records = model.predict_records(
            labelled.texts, [labelled.language] * len(labelled), embeddings, rows, piece_weights
        )
        y_product = whole_records.argmax(axis=1)
        product_mixed = sum(
            roll_up(probabilities[record], w, model.labels)[2]
            for record, w in zip(rows, piece_weights, strict=True)
            if record
        )
        return {
            "macro_f1": round(macro_f1(labelled.labels, y_product), 4),
            "accuracy": round(float((y_product == labelled.labels).mean()), 4),
            "n": len(labelled),
            "mixed_share": round(product_mixed / max(len(labelled), 1), 4),
        }
    whole = (
        model.predict_proba(labelled.texts, [labelled.language] * len(labelled), record_embeddings)
        if with_record
        else None
    )
    predicted, mixed = [], 0
    for i, record in enumerate(rows):
        if not record:  # nothing to read: the analyser gives no label; count it neutral
            predicted.append(LABELS.index("neutral"))
            continue
        weights = [len(pieces.texts[j]) for j in record]
        label, _, is_mixed = roll_up(
            probabilities[record],
            weights,
            model.labels,
            record=None if whole is None else whole[i],
        )
        predicted.append(LABELS.index(label))
        mixed += is_mixed
    y_pred = np.array(predicted)
    return {
        "macro_f1": round(macro_f1(labelled.labels, y_pred), 4),
        "accuracy": round(float((y_pred == labelled.labels).mean()), 4),
        "n": len(labelled),
        "mixed_share": round(mixed / max(len(labelled), 1), 4),
    }


def measure(
    model: SentimentModel,
    sets: dict[str, LabelledSet],
    cache: EmbeddingCache,
    lodo: bool = True,
    **train_options: Any,
) -> dict[str, Any]:
    """Every figure of the model card: test and dev splits of every set, record-level
    roll-up on the review sets, and (``lodo``) leave-one-domain-out transfer.

    Args:
        model: The trained model.
        sets: From :func:`load_all`.
        cache: Embeddings of the sets.
        lodo: Also train one model per held-out domain (:func:`leave_one_domain_out`).
        **train_options: Passed to :func:`train_model` for the transfer models.
    """
    report: dict[str, Any] = {
        "label_mapping": {
            "stars": "1-2 negative, 3 neutral, 4-5 positive",
            "vader_ground_truth": "mean rating -4..+4: |mean| < 0.5 neutral, else its sign",
            "hotel_reviews_ja": "JRTE label 1 / 0 / -1",
        },
        "test": evaluate_all(model, sets, cache, "test"),
        "dev": evaluate_all(model, sets, cache, "dev"),
        "records": {},
    }
    for name in RECORD_SETS:
        if name not in sets:
            continue
        for split in ("dev", "test"):
            part = sets[name].subset(split)
            if len(part):
                figures = {
                    splitter: evaluate_records(model, part, cache, splitter)
                    for splitter in SPLITTERS
                }
                figures["clauses+record"] = evaluate_records(
                    model, part, cache, "clauses", True, cache.rows(sets[name], split)
                )
                report["records"].setdefault(split, {})[name] = figures
    if lodo:
        report["leave_one_domain_out"] = leave_one_domain_out(sets, cache, **train_options)
    return report
