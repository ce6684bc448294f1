"""Shards: named by what they hold, written whole, on a local folder or an fsspec URL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from voc.errors import StoreError
from voc.scale import shards


def test_a_shard_is_named_by_its_keys_so_a_rerun_writes_the_same_file() -> None:
    assert shards.shard_key("analysis", "v3", "a", "b") == shards.shard_key(
        "analysis", "v3", "a", "b"
    )
    assert shards.shard_key("analysis", "v3", "a", "b") != shards.shard_key(
        "analysis", "v4", "a", "b"
    )
    assert shards.shard_key("x", "ab", "c") != shards.shard_key("x", "a", "bc")


@pytest.mark.parametrize("scheme", ["folder", "memory"])
def test_rewriting_a_shard_replaces_it_and_leaves_no_partial_file(
    tmp_path: Path, scheme: str
) -> None:
    root = str(tmp_path / "shards") if scheme == "folder" else "memory://voc-test-shards"
    url = shards.shard_url(root, "analysis", shards.shard_key("chunk", 1))
    frame = pd.DataFrame({"feedback_id": ["a", "b"], "vector": [b"\x00\x01", b"\x02"]})
    shards.write_shard(url, frame)
    shards.write_shard(url, frame)  # a retried task
    pd.testing.assert_frame_equal(shards.read_shard(url), frame)
    if scheme == "folder":
        assert [p.name for p in (tmp_path / "shards" / "analysis").iterdir()] == [
            url.rsplit("/", 1)[1]
        ]
    assert shards.remove_shards([url, url]) == 1
    with pytest.raises(StoreError, match="run the flow again"):
        shards.read_shard(url)


def test_shards_default_to_a_folder_beside_the_store(tmp_path: Path) -> None:
    assert shards.default_root(tmp_path / "voc.duckdb") == str(tmp_path.resolve() / "shards")
