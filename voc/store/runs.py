"""Reads of the ``runs`` table: what each flow run recorded.

The writes (``start_run``, ``finish_run``, crashed runs) stay on
:class:`voc.store.warehouse.Warehouse`, which owns the run's transaction and lock.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from voc.store.warehouse import Warehouse

__all__ = ["recent_runs", "run_summaries"]


def run_summaries(store: Warehouse, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The summaries the flows recorded for ``run_ids``, by run id (runs without one left out)."""
    rows = store.con.execute(
        "SELECT run_id, summary FROM runs WHERE list_contains(?, run_id)", [run_ids]
    ).fetchall()
    return {str(run_id): json.loads(summary) for run_id, summary in rows if summary}


def recent_runs(store: Warehouse, limit: int) -> pd.DataFrame:
    """The newest ``limit`` runs with their counts.

    Columns: run_id, flow, status, started (text), secs, read, stored, quarantined,
    analysed, process (the JSON of the process that ran it, for telling a crashed run).
    """
    return store.con.execute(
        "SELECT run_id, flow, status, "
        "strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started, "
        "round(epoch(finished_at - started_at), 1) AS secs, "
        "(summary->>'$.total.read')::BIGINT AS read, "
        "(summary->>'$.total.stored')::BIGINT AS stored, "
        "(summary->>'$.total.quarantined')::BIGINT AS quarantined, "
        "(summary->>'$.analysis.analyzed')::BIGINT AS analysed, "
        "summary->>'$.process' AS process "
        f"FROM runs ORDER BY started_at DESC LIMIT {int(limit)}"
    ).df()
