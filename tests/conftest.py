"""Shared fixtures: the real Prefect harness, temporary stores and configs, shared data."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLES = REPO / "data" / "samples"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The model cache (voc.models.embedders.model_cache_dir) of a test run is its own.
os.environ.setdefault("VOC_CACHE_DIR", tempfile.mkdtemp(prefix="voc-test-cache-"))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One real Prefect backend for the whole session (starting one takes ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config file for the given sources into tmp_path; returns its path."""

    def _write(sources: list[dict[str, Any]], **top: Any) -> Path:
        config = {"store": {"path": str(tmp_path / "voc.duckdb")}, "sources": sources, **top}
        path = tmp_path / "voc.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def analyzer() -> Any:
    """The shipped analyser (sentiment v1, default taxonomy), loaded once per session."""
    from voc.analysis import Analyzer

    loaded = Analyzer.load()
    loaded.warm_up()
    return loaded


@pytest.fixture(scope="session")
def demo(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """What ``make demo`` builds, once per session: the real ``run`` flow over the bundled
    samples (``configs/voc.yaml``) into a temporary store (about a minute).

    Returns ``{"config": the config file, "store": the DuckDB file, "reports": a folder for
    digests}``. Other tests share the store: open it read-only, and change no data (a flow
    that only adds its row to ``runs``, like ``digest``, is fine).
    """
    return build_demo(tmp_path_factory.mktemp("demo"))


def build_demo(root: Path, **topics: Any) -> dict[str, Path]:
    """Run ``make demo``'s ``run`` flow (``configs/voc.yaml``, its ``topics`` settings
    overridden by ``topics``) into ``root``; under :func:`prefect_harness`. Returns the
    :func:`demo` dict."""
    from pipelines.analyze import run_flow

    config = yaml.safe_load((REPO / "configs" / "voc.yaml").read_text(encoding="utf-8"))
    config["store"] = {"path": str(root / "voc.duckdb")}
    config["taxonomy"] = str(REPO / "configs" / "taxonomy.yaml")
    for source in config["sources"]:
        source["path"] = str(REPO / source["path"])
    config.setdefault("digest", {})["out_dir"] = str(root / "reports")
    config["topics"] = {**(config.get("topics") or {}), **topics}
    config_path = root / "voc.yaml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    run_flow(config_path=str(config_path))
    return {"config": config_path, "store": root / "voc.duckdb", "reports": root / "reports"}
