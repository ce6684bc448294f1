"""The real Prefect `ingest` flow on the bundled samples and a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def demo_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped config, run from a copy of the repo's data so paths resolve."""
    shutil.copytree(REPO / "data", tmp_path / "data")
    config = yaml.safe_load((REPO / "configs" / "voc.yaml").read_text(encoding="utf-8"))
    config["store"]["path"] = str(tmp_path / "voc.duckdb")
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return path


def test_the_flow_ingests_every_sample_channel_and_language_once(demo_config: Path) -> None:
    from pipelines.ingest import ingest_flow
    from voc.store.warehouse import Warehouse

    first = ingest_flow(config_path=str(demo_config))
    assert first["status"] == "completed"
    total = first["total"]
    assert total["read"] == total["stored"] + total["already_stored"] + total["quarantined"]
    with Warehouse(Path(demo_config).parent / "voc.duckdb") as store:
        channels = set(store.query("SELECT DISTINCT channel FROM feedback")["channel"])
        languages = set(store.query("SELECT DISTINCT language FROM feedback")["language"])
        before = store.query(
            "SELECT (SELECT count(*) FROM feedback) AS f, (SELECT count(*) FROM quarantine) AS q"
        )
        run = store.query("SELECT status, summary FROM runs WHERE run_id = ?", [first["run_id"]])
    assert {"review", "app_store", "support", "survey", "social"} <= channels
    assert {"en", "ja"} <= languages
    assert total["quarantined"] > 0  # the samples carry real export defects
    assert run["status"].iat[0] == "completed"

    second = ingest_flow(config_path=str(demo_config))
    assert second["total"]["stored"] == 0
    assert second["total"]["files_skipped"] == second["total"]["files"]
    with Warehouse(Path(demo_config).parent / "voc.duckdb") as store:
        after = store.query(
            "SELECT (SELECT count(*) FROM feedback) AS f, (SELECT count(*) FROM quarantine) AS q"
        )
    assert after.equals(before)


def test_a_broken_source_fails_the_run_but_not_the_others(tmp_path: Path, write_config) -> None:
    from pipelines.ingest import ingest_flow
    from voc.errors import IngestFailed
    from voc.store.warehouse import Warehouse

    good = tmp_path / "good.csv"
    good.write_text("id,text\n1,The parcel arrived on time\n", encoding="utf-8")
    config = write_config(
        [
            {
                "name": "missing",
                "path": str(tmp_path / "nope/*.csv"),
                "channel": "review",
                "text_col": "text",
            },
            {
                "name": "good",
                "path": str(good),
                "channel": "review",
                "text_col": "text",
                "id_col": "id",
            },
        ]
    )
    with pytest.raises(IngestFailed, match="missing: no file matches"):
        ingest_flow(config_path=str(config), run_id="ingest-broken")
    with Warehouse(tmp_path / "voc.duckdb") as store:
        assert store.query("SELECT count(*) AS n FROM feedback")["n"].iat[0] == 1
        status = store.query("SELECT status FROM runs WHERE run_id = 'ingest-broken'")[
            "status"
        ].iat[0]
    assert status == "failed"
