"""The training loop of :class:`voc.models.sentiment_tuned.TunedSentimentModel` (its
``_fit``; see its ``fit`` for the arguments): class-balanced soft-target cross-entropy,
AdamW with warm-up and linear decay, seeded shuffling, a checkpoint per epoch (a rerun
resumes), the best dev epoch kept; with a token adapter, each batch's adapter columns are
computed from the rows' :class:`voc.models.use_tuned.TokenFeatures`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from voc.errors import VocError
from voc.models.fine_tuning import (
    latest_checkpoint,
    progress_bar,
    save_checkpoint,
    warmup_linear_decay,
    weights_copy,
)
from voc.models.sentiment_features import bag_batch
from voc.models.sentiment_labels import LABELS

__all__ = ["fit_loop"]

logger = logging.getLogger("voc.models.sentiment_tuned")


def _macro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    from voc.models.training import macro_f1

    return macro_f1(y, predicted)


def fit_loop(
    self,
    torch,
    top_network,
    pooled,
    texts,
    languages,
    targets,
    sample_weight,
    dev,
    checkpoint_dir,
    progress,
    tokens,
):
    started = time.perf_counter()
    n = len(pooled)
    weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    # Class balance on the soft counts, so each class weighs the same in the loss.
    per_class = (targets * weights[:, None]).sum(axis=0)
    factors = per_class.sum() / (len(per_class) * np.maximum(per_class, 1e-9))
    weights = weights * (targets * factors).sum(axis=1)
    weights = (weights / weights.mean()).astype(np.float32)

    extra = self._extra(texts, languages)
    n_extra = 0 if extra is None else extra.shape[1]
    if extra is not None and self.lexicon_dropout > 0:
        hide = np.random.default_rng(self.seed).random(n) < self.lexicon_dropout
        extra = extra.copy()
        extra[hide] = 0.0

    torch.manual_seed(self.seed)
    generator = torch.Generator().manual_seed(self.seed)
    network = top_network(
        n_extra=n_extra,
        n_classes=len(LABELS),
        dropout=self.dropout,
        buckets=self.ngram_buckets,
        adapter_rank=self.adapter_rank,
        seed=self.seed,
    )
    if self.adapter_rank and (tokens is None or len(tokens) != n):
        raise VocError("a token adapter trains on the rows' TokenFeatures: pass tokens=")
    bags = self._bags(texts, languages)
    head_params = list(network.out.parameters())
    if network.ngrams is not None:
        head_params += list(network.ngrams.parameters())
    head_ids = {id(p) for p in head_params}
    body = [p for p in network.parameters() if id(p) not in head_ids]
    optimiser = torch.optim.AdamW(
        [
            {"params": body, "lr": self.learning_rate},
            {
                "params": head_params,
                "lr": self.head_learning_rate
                if self.head_learning_rate is not None
                else self.learning_rate * 10,
            },
        ],
        weight_decay=self.weight_decay,
    )
    steps_per_epoch = -(-n // self.batch_size)
    total = max(1, self.epochs * steps_per_epoch)
    warm = max(1, total // 20)
    schedule = warmup_linear_decay(torch, optimiser, total, warm)
    x = torch.from_numpy(np.ascontiguousarray(pooled, dtype=np.float32))
    t = torch.from_numpy(np.ascontiguousarray(targets, dtype=np.float32))
    w = torch.from_numpy(weights)
    e = None if extra is None else torch.from_numpy(extra.astype(np.float32))

    first_epoch = 0
    checkpoints = Path(checkpoint_dir) if checkpoint_dir is not None else None
    resumed = latest_checkpoint(torch, checkpoints, "epoch", network, optimiser, schedule)
    if resumed is not None:
        path, state = resumed
        generator.set_state(state["generator"])
        torch.set_rng_state(state["rng"])
        first_epoch = state["epoch"] + 1
        best_state, best_f1 = state["best_state"], state["best_f1"]
        self.history_ = state["history"]
        logger.info("resuming from %s", path)
    if first_epoch == 0:
        best_state, best_f1 = None, -1.0
        self.history_: list[dict[str, float]] = []

    bar = progress_bar(total, first_epoch * steps_per_epoch, "fine-tune", 2.0) if progress else None
    for epoch in range(first_epoch, self.epochs):
        network.train()
        order = torch.randperm(n, generator=generator)
        loss_sum = 0.0
        for start in range(0, n, self.batch_size):
            batch = order[start : start + self.batch_size]
            rows = batch.numpy()
            xb = x[batch] if tokens is None else tokens.with_columns(network, x[batch], rows)
            logits = network(xb, None if e is None else e[batch], bag_batch(bags, rows))
            losses = -(t[batch] * torch.log_softmax(logits, dim=1)).sum(dim=1)
            loss = (losses * w[batch]).sum() / w[batch].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += float(loss.detach()) * len(batch)
            if bar is not None:
                bar.update(1)
        network.eval()
        record: dict[str, float] = {"epoch": epoch + 1, "loss": round(loss_sum / n, 4)}
        self.network_, self._adapter = network, None
        if dev is not None:
            dev_pooled, dev_texts, dev_languages, dev_labels = dev[:4]
            if self.adapter_rank:
                with torch.no_grad():
                    whole = np.arange(len(dev_texts))
                    dev_pooled = (
                        dev[4].with_columns(network, torch.from_numpy(dev_pooled), whole).numpy()
                    )
            predicted = self.predict_proba(dev_texts, dev_languages, dev_pooled).argmax(1)
            f1 = _macro_f1(np.asarray(dev_labels), predicted)
            record["dev_macro_f1"] = round(f1, 4)
            if f1 > best_f1:
                best_f1 = f1
                best_state = weights_copy(network)
        self.history_.append(record)
        logger.info("epoch %s", record)
        if bar is not None:
            bar.set_postfix(record)
        if checkpoints is not None:
            save_checkpoint(
                torch,
                checkpoints,
                "epoch",
                epoch,
                network,
                optimiser,
                schedule,
                generator=generator.get_state(),
                rng=torch.get_rng_state(),
                best_state=best_state,
                best_f1=best_f1,
                history=self.history_,
            )
    if bar is not None:
        bar.close()
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    self.network_, self._adapter = network, None
    self.n_extra_ = n_extra
    self.best_epoch_ = (
        max(self.history_, key=lambda r: r.get("dev_macro_f1", 0))["epoch"]
        if dev is not None
        else self.epochs
    )
    self.train_seconds_ = round(time.perf_counter() - started, 1)
    return self
