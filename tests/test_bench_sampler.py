"""The benchmarks' process sampler reports what its own sampling cost (bench.scale)."""

from __future__ import annotations

import time
from typing import Any

from bench.scale import TreeSampler


class _Busy(TreeSampler):
    """Spins ~20 ms of CPU per sample, as a PSS read of a 2 GB process costs."""

    def __init__(self, interval: float) -> None:
        super().__init__(interval)
        self.samples = 0

    def sample(self, processes: list[Any]) -> None:
        self.samples += 1
        started = time.thread_time()
        while time.thread_time() - started < 0.02:
            pass


def test_the_sampler_counts_its_own_cpu_seconds_at_its_interval() -> None:
    with _Busy(0.05) as often:
        time.sleep(0.6)
    with _Busy(0.3) as rarely:
        time.sleep(0.6)
    assert often.samples >= 4 and 1 <= rarely.samples <= 2
    assert often.cpu_s >= 0.02 * often.samples  # every sample's CPU, none missed
    assert rarely.cpu_s < often.cpu_s
