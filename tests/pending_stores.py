"""A store holding plain English texts as pending records, for the analyse-step tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from voc.store.warehouse import QUARANTINE_COLUMNS, Warehouse, utcnow


def pending_store(path: Path, texts: list[str]) -> Warehouse:
    """An open store at ``path`` whose records ``f0``, ``f1``... are ``texts`` (English
    reviews of one file, ingested now), none of them analysed yet."""
    now = utcnow()
    rows = [
        {
            "feedback_id": f"f{i}",
            "source": "s",
            "native_id": f"f{i}",
            "channel": "review",
            "touchpoint": None,
            "text": text,
            "language": "en",
            "created_at": now,
            "rating": None,
            "rating_scale": None,
            "metadata": None,
            "content_key": "",
            "near_duplicate_of": None,
            "pii_redactions": 0,
            "file": "f.csv",
            "line": i + 2,
            "run_id": "ingest",
            "ingested_at": now,
        }
        for i, text in enumerate(texts)
    ]
    store = Warehouse(path).open()
    store.write_batch(pd.DataFrame(rows), pd.DataFrame(columns=QUARANTINE_COLUMNS))
    return store
