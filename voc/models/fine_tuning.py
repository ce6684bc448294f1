"""What the torch training loops share (v3's :class:`voc.models.sentiment_tuned
.TunedSentimentModel` and its teacher, :class:`voc.models.sentiment_teacher.Teacher`):
the warm-up-then-linear-decay schedule, an epoch's checkpoint (a rerun resumes from the
latest one), the progress bar, the copy of the best epoch's weights, and the cache of
arrays computed per set of texts (v3's pooled features, the teacher's logits:
:func:`cached_array`).

Each loop keeps its own steps, its own random state and its own checkpoint names; only
the bookkeeping around them is here. torch is passed in, so importing this module
imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "cached_array",
    "latest_checkpoint",
    "progress_bar",
    "save_checkpoint",
    "texts_digest",
    "warmup_linear_decay",
    "weights_copy",
]


def warmup_linear_decay(torch: Any, optimiser: Any, total: int, warm: int) -> Any:
    """A ``LambdaLR`` that rises linearly over ``warm`` steps, then falls linearly to zero
    at step ``total``."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warm, max(0.0, (total - step) / (total - warm + 1))),
    )


def latest_checkpoint(
    torch: Any, folder: Path | None, prefix: str, network: Any, optimiser: Any, schedule: Any
) -> tuple[Path, dict[str, Any]] | None:
    """Load the newest ``<prefix>-<epoch>.pt`` in ``folder`` into ``network``, ``optimiser``
    and ``schedule``.

    Returns:
        Its path and the whole saved state (``epoch``, ``best_state``, ``best_f1``,
        ``history`` and the loop's own random state), or None when there is none.
    """
    if folder is None:
        return None
    done = sorted(folder.glob(f"{prefix}-*.pt"), key=lambda p: int(p.stem.split("-")[-1]))
    if not done:
        return None
    state = torch.load(done[-1], weights_only=False)
    network.load_state_dict(state["network"])
    optimiser.load_state_dict(state["optimiser"])
    schedule.load_state_dict(state["schedule"])
    return done[-1], state


def save_checkpoint(
    torch: Any,
    folder: Path,
    prefix: str,
    epoch: int,
    network: Any,
    optimiser: Any,
    schedule: Any,
    **state: Any,
) -> None:
    """Write ``<prefix>-<epoch>.pt`` in ``folder``: the network, optimiser and schedule,
    then ``state`` (random state, best epoch so far, history) as the loop names it."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "epoch": epoch,
            "network": network.state_dict(),
            "optimiser": optimiser.state_dict(),
            "schedule": schedule.state_dict(),
            **state,
        },
        folder / f"{prefix}-{epoch}.pt",
    )


def progress_bar(total: int, initial: int, desc: str, mininterval: float) -> Any:
    """A tqdm bar of training steps on stderr."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="step",
        file=sys.stderr,
        mininterval=mininterval,
    )


def weights_copy(network: Any) -> dict[str, Any]:
    """A detached copy of ``network``'s weights (the best epoch's, kept while training on)."""
    return {k: v.detach().clone() for k, v in network.state_dict().items()}


def texts_digest(texts: Sequence[str]) -> str:
    """12 hex digits naming a list of texts (in order) in a cache file's name."""
    return hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:12]


def cached_array(
    memory: dict[str, np.ndarray],
    directory: Path | None,
    key: str,
    compute: Callable[[], np.ndarray],
) -> np.ndarray:
    """The array named ``key``: from ``memory``, else from ``<directory>/<key>.npy``, else
    ``compute()`` (then saved there when ``directory`` is set). Kept in ``memory`` after."""
    if key in memory:
        return memory[key]
    path = directory / f"{key}.npy" if directory is not None else None
    if path is not None and path.exists():
        array = np.load(path)
    else:
        array = compute()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, array)
    memory[key] = array
    return array
