"""The ``train-sentiment`` flows: the shipped sentiment model, and a user's own.

``train_sentiment_flow`` trains the shipped model from the labelled sets in
``../shared/data`` whose licence lets the result ship (``LabelledSet.trainable``; the
non-commercial Japanese hotel reviews are measured on, never trained on), one task per
step: load the sets, embed them, train, evaluate, save the model with its card.
``train_user_sentiment_flow`` trains on one labelled file of the user's
(:func:`voc.models.training.train_from_file`); ``voc train sentiment`` runs it.

Thin tasks over ``voc.models.training``; no business logic here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from voc.models import training

# Large in-memory objects (sets, embeddings, a torch model) pass between the tasks of one
# process: every task has no result persistence and no input hashing (cache_policy=NONE).


@task(name="load-labelled-sets", cache_policy=NONE, persist_result=False)
def load_sets_task(data_dir: str) -> dict[str, training.LabelledSet]:
    """Every labelled set in ``data_dir``, by name (each says whether it may be trained on)."""
    sets = training.load_all(Path(data_dir))
    get_run_logger().info(
        "loaded %s",
        ", ".join(
            f"{n} ({len(s)}{'' if s.trainable else ', measure only'})" for n, s in sets.items()
        ),
    )
    return sets


@task(name="embed-sets", cache_policy=NONE, persist_result=False)
def embed_task(
    sets: dict[str, training.LabelledSet], embedder: str, cache_dir: str | None
) -> training.EmbeddingCache:
    """Embed every set once; the returned cache serves training and evaluation."""
    cache = training.EmbeddingCache(embedder, cache_dir)
    rows = training.embed_sets(sets, cache)
    get_run_logger().info("embedded %d texts with %s", sum(rows.values()), embedder)
    return cache


@task(name="train-model", cache_policy=NONE, persist_result=False)
def train_task(
    sets: dict[str, training.LabelledSet],
    cache: training.EmbeddingCache,
    train_options: dict[str, Any],
) -> Any:
    """Train the model on the train splits of the trainable sets."""
    return training.train_model(sets, cache, **train_options)


@task(name="evaluate-model", cache_policy=NONE, persist_result=False)
def evaluate_task(
    model: Any,
    sets: dict[str, training.LabelledSet],
    cache: training.EmbeddingCache,
    lodo: bool,
    train_options: dict[str, Any],
) -> dict[str, Any]:
    """Test and dev figures, record roll-up, and (``lodo``) leave-one-domain-out transfer."""
    exclude = train_options.get("exclude_sets", training.DEFAULT_EXCLUDED_SETS)
    report = {
        "training_data": training.training_data_report(sets, exclude),
        **training.measure(model, sets, cache, lodo, **train_options),
    }
    logger = get_run_logger()
    for name in training.HEADLINE_SETS:
        figure, what = training.headline_figure(report, name)
        logger.info("%s: macro-F1 %s (%s)", name, figure, what)
    return report


@task(name="save-model", cache_policy=NONE, persist_result=False)
def save_task(model: Any, out_dir: str, report: dict[str, Any]) -> str:
    """Write the model, metrics.json and MODEL_CARD.md."""
    return str(training.save_model(model, out_dir, report))


@flow(name="train-sentiment", persist_result=False)
def train_sentiment_flow(
    out_dir: str = "models/sentiment/v2",
    data_dir: str = str(training.DEFAULT_DATA_DIR),
    cache_dir: str | None = None,
    lodo: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """Train, measure and save the shipped sentiment model.

    Args:
        out_dir: Folder of the model to write.
        data_dir: The shared data folder (``../shared/data`` beside the checkout).
        cache_dir: Folder keeping embeddings between runs (outside the repository); in
            memory only when None.
        lodo: Also measure leave-one-domain-out transfer (three more trainings).
        seed: Seed of the training.

    Returns:
        The report written to ``out_dir/metrics.json``, plus ``out_dir``.
    """
    train_options: dict[str, Any] = {"seed": seed}
    sets = load_sets_task(data_dir)
    cache = embed_task(sets, training.SHIPPED_EMBEDDER, cache_dir)
    model = train_task(sets, cache, train_options)
    report = evaluate_task(model, sets, cache, lodo, train_options)
    saved = save_task(model, out_dir, report)
    return {**report, "out_dir": saved}


@task(name="train-from-file", cache_policy=NONE, persist_result=False)
def train_from_file_task(
    path: str, text_col: str, label_col: str, out_dir: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Train on one labelled file (see :func:`voc.models.training.train_from_file`)."""
    metrics = training.train_from_file(path, text_col, label_col, out_dir, **options)
    get_run_logger().info(
        "trained on %d rows (skipped %s); dev macro-F1 %s",
        metrics["rows_used"],
        metrics["skipped"],
        metrics["dev"]["macro_f1"],
    )
    return metrics


@flow(name="train-user-sentiment", persist_result=False)
def train_user_sentiment_flow(
    path: str,
    text_col: str,
    label_col: str,
    out_dir: str,
    language_col: str | None = None,
    embedder: str = "use-multilingual",
    dev_share: float = 0.1,
    seed: int = 0,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train a sentiment model on a user's labelled file and save it into ``out_dir``.

    Args: as :func:`voc.models.training.train_from_file`.

    Returns:
        Its metrics (dev macro-F1, rows per class, skipped rows per reason, source sha256),
        plus ``out_dir``.

    Raises:
        ConfigError: Unreadable file, missing column, unmappable labels, too few rows or a
            class without rows (not retried).
    """
    metrics = train_from_file_task(
        path,
        text_col,
        label_col,
        out_dir,
        {
            "language_col": language_col,
            "embedder": embedder,
            "dev_share": dev_share,
            "seed": seed,
            "overwrite": overwrite,
        },
    )
    return {**metrics, "out_dir": out_dir}


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.train_sentiment [--out DIR] [--cache DIR] [--no-lodo]``."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=train_sentiment_flow.__doc__)
    parser.add_argument("--out", default="models/sentiment/v2")
    parser.add_argument("--data", default=str(training.DEFAULT_DATA_DIR))
    parser.add_argument("--cache", default=None)
    parser.add_argument("--no-lodo", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = train_sentiment_flow(args.out, args.data, args.cache, not args.no_lodo, args.seed)
    sys.stdout.write(json.dumps({k: report[k] for k in ("out_dir", "test")}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
