"""Fault injection for the crash tests: the writer kills itself (or stops) at a chosen point.

Off unless the environment asks for it; a call costs one dictionary look-up then. The
test suite uses it to kill a real ``voc`` process in the middle of a run and check that a
re-run loses nothing and doubles nothing (``tests/test_crash_recovery.py``).

Environment:
    VOC_FAULT_STAGE: ``ingest`` or ``analyze``: the stage whose batches are counted.
    VOC_FAULT_KILL_AFTER_BATCHES: N: after the N-th batch of that stage is written, the
        process sends itself SIGKILL (no clean-up runs, as with ``kill -9`` or the OOM
        killer).
    VOC_FAULT_HOLD_AFTER_BATCHES: N: after the N-th batch, create the file named by
        VOC_FAULT_HOLD_FILE and wait (holding the store, mid-run) until that file is
        removed, at most 10 minutes: a real writer for the tests of readers and of a
        second writer.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

_BATCHES: dict[str, int] = {}


def fault_point(stage: str) -> None:
    """Count one written batch of ``stage``; kill or hold the process where asked."""
    if os.environ.get("VOC_FAULT_STAGE") != stage:
        return
    _BATCHES[stage] = done = _BATCHES.get(stage, 0) + 1
    if str(done) == os.environ.get("VOC_FAULT_KILL_AFTER_BATCHES"):
        os.kill(os.getpid(), signal.SIGKILL)
    if str(done) == os.environ.get("VOC_FAULT_HOLD_AFTER_BATCHES"):
        hold = Path(os.environ["VOC_FAULT_HOLD_FILE"])
        hold.write_text(str(os.getpid()), encoding="utf-8")
        deadline = time.monotonic() + 600
        while hold.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
