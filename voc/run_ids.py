"""Run ids: one per flow run, the key of its row in the store's ``runs`` table.

The command makes the id before it starts the flow, so it can name the run (and take the
store's writer lock under it) even when the flow fails before returning anything.
"""

from __future__ import annotations

import uuid

__all__ = ["new_run_id"]


def new_run_id(flow: str) -> str:
    """A fresh id for a run of ``flow``: ``new_run_id("ingest")`` is ``ingest-3f9a1c0b2d4e``."""
    return f"{flow}-{uuid.uuid4().hex[:12]}"
