"""The ``train-sentiment`` flows: the shipped sentiment model, and a user's own.

``train_sentiment_flow`` trains the shipped model v3 (the one entry point:
``python -m pipelines.train_sentiment --out models/sentiment/v3``): the convention-following
sets (:mod:`voc.models.sentiment_data`), one USE pass over them, the fine-tune of USE's
per-text layers (:mod:`voc.models.sentiment_tuned`; progress bar, a checkpoint per epoch),
leave-one-dataset-out, the never-trained sets through the analyser, the model card
(:mod:`voc.models.train_v3`); with ``--distil`` it first fine-tunes an English MiniLM
teacher and distils its soft labels on an unlabelled pool into the student
(:mod:`voc.models.distil`; measured in docs/benchmarks.md, not the shipped recipe).
``train_sentiment_v2_flow`` is the earlier recipe (a head
over frozen embeddings), kept to rebuild ``models/sentiment/v2``: it trains from the
labelled sets in
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
from voc.models.embedders import DEFAULT_EMBEDDER

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


@flow(name="train-sentiment-v2", persist_result=False)
def train_sentiment_v2_flow(
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


# -- v3 ------------------------------------------------------------------------------------


@task(name="load-convention-sets", cache_policy=NONE, persist_result=False)
def load_v3_sets_task(data_dir: str, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The v3 training sets (each may train a shipped model), by name (``names``: these
    sets in this order; None: the default sets)."""
    from voc.models.sentiment_data import training_sets_v3

    sets = training_sets_v3(Path(data_dir), names)
    get_run_logger().info(
        "loaded %s", ", ".join(f"{n} ({len(s)}, {s.soft_counts()})" for n, s in sets.items())
    )
    return sets


@task(name="encode-sets", cache_policy=NONE, persist_result=False)
def encode_task(sets: dict[str, Any], cache_dir: str | None, tokens: bool = False) -> Any:
    """One USE pass over every text (pooled features, and with ``tokens`` every token's
    features for a token adapter; kept in ``cache_dir`` when given)."""
    from voc.models.train_v3 import PooledCache

    cache = PooledCache(cache_dir, tokens=tokens)
    for labelled in sets.values():
        cache(labelled)
    get_run_logger().info("encoded %d texts in %.0f s", cache.texts_encoded, cache.seconds)
    return cache


@task(name="fine-tune", cache_policy=NONE, persist_result=False)
def fine_tune_task(
    sets: dict[str, Any],
    cache: Any,
    seed: int,
    checkpoint_dir: str | None,
    distil: Any = None,
    settings: dict[str, Any] | None = None,
) -> Any:
    """Fine-tune USE's per-text layers (and, with ``adapter_rank`` in ``settings``, a
    token adapter) on the train splits (epoch chosen on dev); with ``distil``, on the
    teacher's soft labels too."""
    from voc.models import train_v3

    folder = str(Path(checkpoint_dir) / "student") if checkpoint_dir and distil else checkpoint_dir
    model = train_v3.train(sets, cache, settings, seed=seed, checkpoint_dir=folder, distil=distil)
    get_run_logger().info("fine-tuned in %s s: %s", model.train_seconds_, model.history_)
    return model


@task(name="train-teacher", cache_policy=NONE, persist_result=False)
def train_teacher_task(sets: dict[str, Any], seed: int, checkpoint_dir: str | None) -> Any:
    """Fine-tune the English teacher (all-MiniLM-L6-v2, every layer) on the English train
    splits; a training-time tool, never saved with the model."""
    from voc.models.distil import train_teacher

    folder = str(Path(checkpoint_dir) / "teacher") if checkpoint_dir else None
    teacher = train_teacher(sets, seed=seed, checkpoint_dir=folder)
    get_run_logger().info("teacher trained in %s s: %s", teacher.train_seconds_, teacher.history_)
    return teacher


@task(name="label-with-teacher", cache_policy=NONE, persist_result=False)
def distil_task(
    sets: dict[str, Any], cache: Any, teacher: Any, data_dir: str, cache_dir: str | None
) -> Any:
    """The unlabelled pool, its pooled USE features and the teacher's logits on it and on
    the English training sets (kept in ``cache_dir``: a rerun labels nothing twice)."""
    import time

    import numpy as np

    from voc.models.distil import DISTIL_SETTINGS, Distillation, teacher_sets
    from voc.models.sentiment_data import SoftSet, unlabelled_pool
    from voc.models.sentiment_teacher import TeacherLabels

    started = time.perf_counter()
    pool = unlabelled_pool(Path(data_dir))
    pool_set = SoftSet(
        name="unlabelled_pool",
        language="en",
        licence="see voc.models.sentiment_data.unlabelled_pool",
        texts=pool,
        targets=np.zeros((len(pool), 3), np.float32),
        splits=np.array(["train"] * len(pool)),
    )
    labels = TeacherLabels(teacher, cache_dir, "minilm")
    labels("pool", pool)
    for name in teacher_sets(sets):
        labels(name, sets[name].texts)
    get_run_logger().info(
        "teacher labelled %d pool sentences and the English sets in %.0f s",
        len(pool),
        time.perf_counter() - started,
    )
    return Distillation(labels, pool, cache(pool_set), dict(DISTIL_SETTINGS))


@task(name="measure-v3", cache_policy=NONE, persist_result=False)
def measure_v3_task(
    model: Any,
    sets: dict[str, Any],
    cache: Any,
    out_dir: str,
    lodo: bool,
    seed: int,
    distil: Any = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save the weights, then every figure of the model card (see train_v3.measure)."""
    from voc.models import train_v3

    train_v3.save(model, out_dir, sets)
    report = train_v3.measure(
        model, sets, cache, out_dir, lodo=lodo, settings=settings, seed=seed, distil=distil
    )
    get_run_logger().info("never-trained sets: %s", report["never_trained"])
    return report


@task(name="write-model-card", cache_policy=NONE, persist_result=False)
def write_report_task(out_dir: str, report: dict[str, Any]) -> str:
    """metrics.json and MODEL_CARD.md beside the weights."""
    from voc.models import train_v3

    train_v3.write_report(out_dir, report)
    return out_dir


@flow(name="train-sentiment", persist_result=False)
def train_sentiment_flow(
    out_dir: str | None = None,
    data_dir: str = str(training.DEFAULT_DATA_DIR),
    cache_dir: str | None = None,
    lodo: bool = True,
    seed: int = 0,
    checkpoint_dir: str | None = None,
    before: str | None = "previous",
    distil: bool = False,
    recipe: str = "v4",
) -> dict[str, Any]:
    """Train, measure and save a sentiment model (v4, v3's recipe, or v3's with the
    negation levers).

    Args:
        out_dir: Folder of the model to write (``models/sentiment/<recipe>`` when None).
        data_dir: The shared data folder (``../shared/data`` beside the checkout).
        cache_dir: Folder keeping pooled USE features between runs (outside the
            repository); in memory only when None.
        lodo: Also measure leave-one-dataset-out (one more fine-tune per set).
        seed: Seed of the fine-tune.
        checkpoint_dir: Folder of per-epoch checkpoints (a rerun resumes from them).
        before: A model to measure beside on the never-trained sets (None: skip;
            ``previous``: the version before the recipe's, v3 for v4 and v3-negation, v2
            for v3).
        distil: Also train the English teacher and distil its soft labels into the
            student (:mod:`voc.models.distil`, issue 10's lever (a); measured, not
            shipped: see docs/benchmarks.md); False: the recipe alone.
        recipe: ``v4`` (v3 plus a token adapter over USE's per-token features), ``v3``,
            or ``v3-negation`` (v3 with the weak ``absent_problems`` positives and the
            hand-written sets weighted 5x; measured, not shipped: docs/benchmarks.md)
            (:data:`voc.models.train_v3.RECIPES`).

    Returns:
        The report written to ``out_dir/metrics.json``, plus ``out_dir``.
    """
    import time

    from voc.models.train_v3 import COMPANION, RECIPE_SETS, RECIPES

    started = time.perf_counter()
    settings = RECIPES[recipe]
    out_dir = out_dir or f"models/sentiment/{recipe}"
    sets = load_v3_sets_task(data_dir, RECIPE_SETS[recipe])
    cache: Any = encode_task(sets, cache_dir, tokens=bool(settings.get("adapter_rank")))
    distillation: Any = None
    teacher: Any = None
    if distil:
        teacher = train_teacher_task(sets, seed, checkpoint_dir)
        distillation = distil_task(sets, cache, teacher, data_dir, cache_dir)
    model: Any = fine_tune_task(sets, cache, seed, checkpoint_dir, distillation, settings)
    report = measure_v3_task(model, sets, cache, out_dir, lodo, seed, distillation, settings)
    if before == "previous":
        before = {"v4": "v3", "v3-negation": "v3", "v3": "v2"}[recipe]
    if before is not None:
        from voc.models.sentiment_eval import never_trained_figures

        report["before"] = {"model": before, **never_trained_figures(before, Path(data_dir))}
    report["recipe"] = recipe
    report["settings"] = {**settings, "seed": seed, "companion": COMPANION}
    if distillation is not None:
        from voc.models.distil import TEACHER_SETTINGS

        report["settings"]["distillation"] = {
            **distillation.settings,
            "teacher": {"model": "all-MiniLM-L6-v2", **TEACHER_SETTINGS},
            "teacher_history": teacher.history_,
            "pool_sentences": len(distillation.pool),
        }
    report["training_data"] = __import__(
        "voc.models.train_v3", fromlist=["training_data"]
    ).training_data(sets)
    report["seconds"] = {
        "encode": round(cache.seconds, 1),
        "teacher": teacher.train_seconds_ if teacher is not None else None,
        "label": round(distillation.labels.seconds, 1) if distillation is not None else None,
        "train": model.train_seconds_,
        "total": round(time.perf_counter() - started, 1),
    }
    write_report_task(out_dir, report)
    return {**report, "out_dir": out_dir}


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
    embedder: str = DEFAULT_EMBEDDER,
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
    """``python -m pipelines.train_sentiment [--recipe v4|v3|v3-negation] [--out DIR]
    [--cache DIR] [--no-lodo]``."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=train_sentiment_flow.__doc__)
    parser.add_argument("--recipe", default="v4", choices=["v4", "v3", "v3-negation"])
    parser.add_argument("--out", default=None, help="default: models/sentiment/<recipe>")
    parser.add_argument("--data", default=str(training.DEFAULT_DATA_DIR))
    parser.add_argument("--cache", default=None, help="folder keeping encoded sets")
    parser.add_argument("--checkpoints", default=None, help="folder of per-epoch checkpoints")
    parser.add_argument("--no-lodo", action="store_true")
    parser.add_argument(
        "--distil",
        action="store_true",
        help="distil a MiniLM teacher into the student (measured, not the shipped recipe)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--v2", action="store_true", help="the earlier recipe (models/sentiment/v2)"
    )
    args = parser.parse_args(argv)
    if args.v2:
        report = train_sentiment_v2_flow(
            args.out or "models/sentiment/v2", args.data, args.cache, not args.no_lodo, args.seed
        )
        sys.stdout.write(json.dumps({k: report[k] for k in ("out_dir", "test")}) + "\n")
        return 0
    report = train_sentiment_flow(
        args.out,
        args.data,
        args.cache,
        not args.no_lodo,
        args.seed,
        args.checkpoints,
        distil=args.distil,
        recipe=args.recipe,
    )
    sys.stdout.write(
        json.dumps({k: report[k] for k in ("out_dir", "never_trained", "seconds")}) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
