"""Training a sentiment model on a user's labelled file (``voc train sentiment``): label
schemes, reading the file, the dev split, the training and the card of that model."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voc.models.embedders import DEFAULT_EMBEDDER

if TYPE_CHECKING:
    pass
from voc.models.training.datasets import LABELS, normalise_text
from voc.models.training.evaluation import f1_per_class, macro_f1
from voc.models.training.train import DEFAULT_HEAD

logger = logging.getLogger(__name__)


#: The fewest usable rows :func:`train_from_file` trains on.
MIN_TRAINING_ROWS = 30

_LABEL_NAMES = {
    "negative": 0,
    "neg": 0,
    "neutral": 1,
    "neu": 1,
    "positive": 2,
    "pos": 2,
}

#: How each accepted label scheme maps to the classes, as the model card states it.
LABEL_SCHEMES = {
    "names": "negative / neutral / positive (any case; also neg / neu / pos)",
    "polarity": "-1 negative, 0 neutral, 1 positive",
    "stars": "stars 1-2 negative, 3 neutral, 4-5 positive",
}


def _label_key(value: Any) -> str | None:
    """A label cell as a comparable string; None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text.lower()
    if number.is_integer():
        return str(int(number))  # "4", "4.0", 4 and 4.0 are one value
    return text.lower()


def _map_by_scheme(key: str, scheme: str) -> int | None:
    if scheme == "names":
        return _LABEL_NAMES.get(key)
    if scheme == "polarity":
        return {"-1": 0, "0": 1, "1": 2}.get(key)
    return {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}.get(key)  # stars


def choose_label_scheme(values: Sequence[Any], column: str) -> str:
    """The label scheme that fits the values of a label column (see :data:`LABEL_SCHEMES`).

    Values are compared as trimmed, lower-cased strings, and numbers by value (``4``,
    ``"4"`` and ``4.0`` are one value); empty cells are ignored.

    The scheme that maps the most rows wins; ties go to names, then -1/0/1, then stars
    (``{1}`` alone is a star; ``{0, 1}`` is neutral/positive, which the "every class needs
    rows" check then rejects with a hint). Values outside the chosen scheme are counted as
    unmappable by the caller.

    Raises:
        ConfigError: No scheme maps at least 90 % of the non-empty values; the message
            names the column and the values seen.
    """
    from collections import Counter

    from voc.errors import ConfigError

    seen = Counter(key for key in map(_label_key, values) if key is not None)
    if not seen:
        raise ConfigError(f"label column {column!r} is empty in every row: nothing to train on")
    coverage = {
        scheme: sum(n for key, n in seen.items() if _map_by_scheme(key, scheme) is not None)
        for scheme in ("names", "polarity", "stars")
    }
    # max keeps the first of equals: names, then -1/0/1, then stars.
    best = max(coverage, key=lambda scheme: coverage[scheme])
    if coverage[best] < 0.9 * sum(seen.values()):
        shown = ", ".join(f"{value!r} ({n})" for value, n in seen.most_common(12))
        more = f" and {len(seen) - 12} more" if len(seen) > 12 else ""
        raise ConfigError(
            f"label column {column!r}: cannot map its values to negative/neutral/positive; "
            f"saw {shown}{more}. Accepted: {'; '.join(LABEL_SCHEMES.values())}. "
            "Convert the column to one of these first."
        )
    return best


def _read_labelled_file(path: Path, text_col: str, label_col: str, language_col: str | None):
    """Rows of a CSV/TSV/JSONL/JSON/Parquet/Excel file as (text, label cell, language cell)."""
    from voc.errors import ConfigError, SourceError
    from voc.sources.files import read_chunks, resolve_format

    if not path.is_file():
        raise ConfigError(f"{path} is not a file (looked from {Path.cwd()})")
    try:
        file_format = resolve_format(path, "auto")
        chunks = list(read_chunks(path, file_format, chunk_size=10_000))
    except SourceError as e:
        raise ConfigError(f"cannot read {path}: {e}") from e
    rows = [row for chunk in chunks for row in chunk]
    payloads = [row.payload for row in rows if row.payload is not None]
    unreadable = len(rows) - len(payloads)
    columns: list[str] = []
    for payload in payloads:
        columns += [c for c in payload if c not in columns]
    needed = [("text", text_col), ("label", label_col)]
    if language_col is not None:
        needed.append(("language", language_col))
    for role, column in needed:
        if column not in columns:
            raise ConfigError(
                f"{path} has no {role} column {column!r}; its columns are "
                f"{', '.join(map(repr, columns)) or '(none)'}"
            )
    records = [
        (
            payload.get(text_col),
            payload.get(label_col),
            payload.get(language_col) if language_col is not None else None,
        )
        for payload in payloads
    ]
    return file_format, records, unreadable


def _dev_split(texts: Sequence[str], dev_share: float, seed: int) -> np.ndarray:
    """True for the dev rows: a seeded hash of the normalised text, so duplicates stay
    together and a rerun gives the same split."""
    shares = []
    for text in texts:
        digest = hashlib.sha1(f"{seed}\x00{normalise_text(text)}".encode()).digest()
        shares.append(int.from_bytes(digest[:4], "big") / 2**32)
    return np.array(shares) < dev_share


def train_from_file(
    path: str | Path,
    text_col: str,
    label_col: str,
    out_dir: str | Path,
    *,
    language_col: str | None = None,
    embedder: str = DEFAULT_EMBEDDER,
    dev_share: float = 0.1,
    seed: int = 0,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train a sentiment model on a user's labelled file and save it into ``out_dir``.

    The recipe is the shipped model's: with ``use-multilingual`` (the default) v3's fine-tune
    of USE's per-text layers (:class:`voc.models.sentiment_tuned.TunedSentimentModel`,
    :data:`voc.models.train_v3.V3_SETTINGS`, at least 300 steps on a small file); with
    another embedder the earlier head (:data:`DEFAULT_HEAD`, VADER lexicon features for
    English with ``lexicon_dropout=0.3``, hashed English n-grams). Trained on this file
    only. Labels may be ``negative``/``neutral``/``positive`` in any case (or ``neg``/
    ``neu``/``pos``), ``-1``/``0``/``1``, or stars ``1``-``5`` (1-2 negative, 3 neutral,
    4-5 positive); the scheme is chosen from the whole column (:func:`choose_label_scheme`).

    Rows are skipped, and counted in the result's ``skipped``, when their text is empty,
    their label is empty or outside the chosen scheme, or the file row could not be read.
    A seeded hash of each text puts ``dev_share`` of the texts (duplicates together) in a
    dev split, measured after training and never trained on.

    Args:
        path: A CSV, TSV, JSON Lines, JSON array, Parquet or Excel file.
        text_col: Column holding the text.
        label_col: Column holding the label.
        out_dir: Folder of the model to write (created).
        language_col: Column holding an ISO 639-1 code per row; when None (or a cell is
            empty) the language is identified (:class:`voc.text.language.LanguageIdentifier`,
            English and Japanese).
        embedder: Sentence embedder (see :func:`voc.models.embedders.load_embedder`).
        dev_share: Share of the texts held out for the dev figure, 0 to 0.5.
        seed: Seed of the split, the head's initial weights and the lexicon dropout.
        overwrite: Replace a model already in ``out_dir`` (refused otherwise).

    Returns:
        The metrics also written to ``out_dir/metrics.json``: ``dev`` (macro-F1,
        accuracy, n, per-class F1), ``counts`` (rows per class in train and dev),
        ``skipped`` (rows per reason), ``label_scheme``, ``languages``, ``source`` (file,
        format, sha256), ``rows_read`` and ``rows_used``.

    Raises:
        ConfigError: The file or a column is missing, the labels cannot be mapped, fewer
            than :data:`MIN_TRAINING_ROWS` rows are usable, or a class has no training rows.
    """
    from collections import Counter

    from voc.errors import ConfigError
    from voc.models.embedders import load_embedder
    from voc.models.sentiment import SentimentHead, SentimentModel
    from voc.sources.files import file_sha256
    from voc.text.language import LanguageIdentifier

    started = time.perf_counter()
    path, out_dir = Path(path), Path(out_dir)
    if not 0 <= dev_share <= 0.5:
        raise ConfigError(f"dev_share must be between 0 and 0.5, got {dev_share}")
    if (out_dir / "model.json").exists() and not overwrite:
        raise ConfigError(
            f"{out_dir} already holds a sentiment model; choose another name or pass overwrite"
        )
    file_format, records, unreadable = _read_labelled_file(path, text_col, label_col, language_col)
    skipped = {
        "unreadable_row": unreadable,
        "empty_text": 0,
        "empty_label": 0,
        "unmappable_label": 0,
    }

    keys = [_label_key(label) for _, label, _ in records]
    scheme = choose_label_scheme(keys, label_col)
    texts: list[str] = []
    labels: list[int] = []
    given_languages: list[str | None] = []
    unmappable: Counter[str] = Counter()
    for (text, _, language), key in zip(records, keys, strict=True):
        text = "" if text is None else str(text).strip()
        if not text:
            skipped["empty_text"] += 1
            continue
        if key is None:
            skipped["empty_label"] += 1
            continue
        label = _map_by_scheme(key, scheme)
        if label is None:
            skipped["unmappable_label"] += 1
            unmappable[key] += 1
            continue
        texts.append(text)
        labels.append(label)
        language = None if language is None else str(language).strip().lower()
        given_languages.append(language or None)

    if len(texts) < MIN_TRAINING_ROWS:
        raise ConfigError(
            f"{path}: only {len(texts)} usable rows (need at least {MIN_TRAINING_ROWS}); "
            f"skipped {sum(skipped.values())}: {skipped}"
        )
    missing = [i for i, language in enumerate(given_languages) if language is None]
    identified = LanguageIdentifier().identify_many([texts[i] for i in missing]) if missing else []
    for i, language in zip(missing, identified, strict=True):
        given_languages[i] = language
    languages = [str(language) for language in given_languages]

    y = np.array(labels, dtype=np.int64)
    is_dev = _dev_split(texts, dev_share, seed) if dev_share > 0 else np.zeros(len(y), bool)
    train_counts = {label: int((y[~is_dev] == i).sum()) for i, label in enumerate(LABELS)}
    absent = [label for label, n in train_counts.items() if n == 0]
    if absent:
        hint = (
            " (labels 0/1 read as neutral/positive: for negative/positive write -1/1 or the names)"
            if scheme == "polarity" and set(keys) - {None} <= {"0", "1"}
            else ""
        )
        raise ConfigError(
            f"{path}: no training rows labelled {', '.join(absent)} in column {label_col!r} "
            f"(label scheme: {LABEL_SCHEMES[scheme]}; training rows per class {train_counts})"
            f"{hint}. The model needs examples of every class."
        )

    train_rows = np.where(~is_dev)[0]
    dev_rows = np.where(is_dev)[0]
    model: Any
    if embedder == DEFAULT_EMBEDDER:
        # The shipped recipe (v3): USE's per-text layers fine-tuned over one USE pass.
        from voc.models.sentiment_tuned import TunedSentimentModel
        from voc.models.train_v3 import V3_SETTINGS
        from voc.models.use_fast import FastUseBackend
        from voc.models.use_tuned import pooled_features

        vectors = pooled_features(FastUseBackend(threads=2), texts)
        settings = {**V3_SETTINGS, "seed": seed}
        # A small file needs more passes for the same number of steps (at least 300).
        steps = -(-len(train_rows) // settings["batch_size"])
        settings["epochs"] = min(300, max(settings["epochs"], -(-300 // steps)))
        model = TunedSentimentModel(**settings).fit(
            vectors[train_rows],
            [texts[i] for i in train_rows],
            [languages[i] for i in train_rows],
            y[train_rows],
            progress=False,
        )
    else:  # another embedder: the earlier recipe, a head over frozen embeddings
        vectors = load_embedder(embedder).embed(texts)
        head = SentimentHead(**{**DEFAULT_HEAD, "seed": seed})
        model = SentimentModel(embedder=embedder, head=head, lexicon_dropout=0.3, seed=seed)
        model.fit(
            [texts[i] for i in train_rows],
            [languages[i] for i in train_rows],
            y[train_rows],
            embeddings=vectors[train_rows],
        )

    dev: dict[str, Any] = {"n": len(dev_rows), "macro_f1": None, "accuracy": None}
    if len(dev_rows):
        probabilities = model.predict_proba(
            [texts[i] for i in dev_rows], [languages[i] for i in dev_rows], vectors[dev_rows]
        )
        predicted = probabilities.argmax(axis=1)
        per_class = f1_per_class(y[dev_rows], predicted)
        dev.update(
            macro_f1=round(macro_f1(y[dev_rows], predicted), 4),
            accuracy=round(float((predicted == y[dev_rows]).mean()), 4),
            f1_per_class={
                label: round(float(f), 4) for label, f in zip(LABELS, per_class, strict=True)
            },
        )
    metrics: dict[str, Any] = {
        "source": {"file": path.name, "format": file_format, "sha256": file_sha256(path)},
        "columns": {"text": text_col, "label": label_col, "language": language_col},
        "label_scheme": scheme,
        "label_mapping": LABEL_SCHEMES[scheme],
        "rows_read": len(records) + unreadable,
        "rows_used": len(texts),
        "skipped": skipped,
        "unmappable_values": dict(unmappable.most_common(20)),
        "counts": {
            "train": train_counts,
            "dev": {label: int((y[dev_rows] == i).sum()) for i, label in enumerate(LABELS)},
        },
        "languages": dict(Counter(languages).most_common()),
        "dev": dev,
        "dev_share": dev_share,
        "embedder": embedder,
        "seed": seed,
        "seconds": 0.0,
    }
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    model.save(
        out_dir,
        metadata={
            "training_data": {
                path.name: {
                    "rows": len(train_rows),
                    "sha256": metrics["source"]["sha256"],
                    "labels": train_counts,
                    "label_mapping": metrics["label_mapping"],
                }
            }
        },
    )
    (out_dir / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / "MODEL_CARD.md").write_text(_user_model_card(out_dir, metrics), encoding="utf-8")
    logger.info("trained %s on %d rows of %s: %s", out_dir, len(texts), path.name, dev)
    return metrics


def _user_model_card(out_dir: Path, metrics: dict[str, Any]) -> str:
    dev = metrics["dev"]
    figure = (
        f"{dev['macro_f1']:.3f} macro-F1 (accuracy {dev['accuracy']:.3f}) on {dev['n']} dev rows"
        if dev["macro_f1"] is not None
        else "not measured (no dev rows)"
    )
    per_class = (
        " / ".join(f"{dev['f1_per_class'][label]:.2f}" for label in LABELS)
        if dev.get("f1_per_class")
        else "n/a"
    )
    counts = metrics["counts"]
    count_rows = "\n".join(
        f"| {label} | {counts['train'][label]} | {counts['dev'][label]} |" for label in LABELS
    )
    skipped = ", ".join(
        f"{reason.replace('_', ' ')} {n}" for reason, n in metrics["skipped"].items()
    )
    languages = ", ".join(f"{code} {n}" for code, n in metrics["languages"].items())
    source = metrics["source"]
    return f"""# Sentiment model `{out_dir.name}`

Trained by `voc.models.training.train_from_file` on one labelled file, with the recipe of
the shipped model (for `use-multilingual`, as models/sentiment/v3: USE's per-text layers
fine-tuned over one USE pass, VADER lexicon scores for English; for another embedder, the
earlier head over frozen `{metrics["embedder"]}` embeddings). Labels: `negative` /
`neutral` / `positive`; the score is `p(positive) - p(negative)`.

```python
from voc.models.sentiment import SentimentModel

model = SentimentModel.load("{out_dir}")
```

## Training data

- File: `{source["file"]}` ({source["format"]}), sha256 `{source["sha256"]}`
- Columns: text `{metrics["columns"]["text"]}`, label `{metrics["columns"]["label"]}`,
  language `{metrics["columns"]["language"] or "(identified per row)"}`
- Label mapping: {metrics["label_mapping"]}
- Rows read {metrics["rows_read"]}, used {metrics["rows_used"]}; skipped: {skipped}
- Languages: {languages}

| class | train rows | dev rows |
|---|---:|---:|
{count_rows}

## Figures

Dev split ({metrics["dev_share"]:.0%} of the texts by a seeded hash, never trained on):
{figure}. F1 per class (negative / neutral / positive): {per_class}.

This figure is measured on data from the same file as the training data; expect lower
figures on other channels or periods. Check the licence of the training file before
shipping the model.
"""
