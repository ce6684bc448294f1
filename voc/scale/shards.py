"""Parquet shards: what a worker hands the store's writer, on a path every process reaches.

A shard's name is a hash of what it holds (the chunk's keys and the code or model version
that made it), so a task that runs again (a Prefect retry, a worker that died and whose
task Dask ran elsewhere) writes the same name with the same content: nothing doubles.
A shard is written to a temporary name and renamed, so a worker killed mid-write never
leaves a half shard the writer could read.

The root is a local folder, a mounted network folder (NFS) or any fsspec URL
(``s3://bucket/voc-shards``, ``gcs://...``) whose filesystem package is installed.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from voc.errors import StoreError

#: Bumped when what a shard holds changes, so an old shard is never read as a new one.
SHARD_FORMAT = "1"


def shard_key(*parts: object) -> str:
    """A shard's name: 128-bit BLAKE2b of its keys, in order."""
    text = "\x1f".join(str(part) for part in (SHARD_FORMAT, *parts))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def default_root(store_path: str | Path) -> str:
    """Shards beside the store: ``<store folder>/shards``."""
    return str(Path(store_path).resolve().parent / "shards")


def _fs(root: str) -> tuple[Any, str]:
    import fsspec

    return fsspec.core.url_to_fs(root)


def shard_url(root: str, kind: str, key: str) -> str:
    """Where the shard ``key`` of ``kind`` (``ingest``, ``embed``, ``analysis``) lives."""
    return f"{root.rstrip('/')}/{kind}/{key}.parquet"


def write_shard(url: str, frame: pd.DataFrame) -> str:
    """Write ``frame`` to ``url`` (replacing a shard of the same name); returns ``url``."""
    fs, path = _fs(url)
    parent = path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    partial = f"{parent}/.{uuid.uuid4().hex}.partial"
    with fs.open(partial, "wb") as handle:
        handle.write(buffer.getvalue())
    fs.mv(partial, path)
    return url


def read_shard(url: str) -> pd.DataFrame:
    """Read a shard back.

    Raises:
        StoreError: it is not there (a worker's result was lost: run the flow again).
    """
    fs, path = _fs(url)
    try:
        with fs.open(path, "rb") as handle:
            return pd.read_parquet(io.BytesIO(handle.read()))
    except FileNotFoundError as e:
        raise StoreError(
            f"shard {url} is missing: a worker's result was lost before it was stored; "
            "run the flow again (nothing was stored from it)"
        ) from e


def remove_shards(urls: Iterable[str]) -> int:
    """Delete committed shards; returns how many were there."""
    removed = 0
    for url in urls:
        fs, path = _fs(url)
        if fs.exists(path):
            fs.rm(path)
            removed += 1
    return removed
