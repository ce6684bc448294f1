from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO
from voc.config import RatingScale, load_config, parse_config
from voc.errors import ConfigError

BASE_SOURCE = {"name": "reviews", "path": "x.csv", "channel": "review", "text_col": "text"}


def test_the_shipped_config_loads_with_presets_applied() -> None:
    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "voc.yaml")
    play = config.source("google_play_reviews")
    assert play.channel == "app_store"
    assert play.rating_scale is RatingScale.STARS5
    assert play.text_col == ["Review Title", "Review Text"]
    assert play.metadata_cols == ["Package Name", "App Version Name", "Topic Labels"]
    assert config.source("csat_survey_ja").rating_scale is RatingScale.CSAT


def test_unknown_key_fails_with_its_path() -> None:
    with pytest.raises(ConfigError, match=r"sources\[0\]\.text_column: unknown key"):
        parse_config({"sources": [{**BASE_SOURCE, "text_column": "x"}]})


def test_wrong_rating_scale_names_the_key_and_the_choices() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"sources": [{**BASE_SOURCE, "rating_col": "r", "rating_scale": "stars10"}]})
    message = str(error.value)
    assert "sources[0].rating_scale" in message
    assert "'nps'" in message and "stars10" in message


def test_a_source_without_text_or_channel_is_refused() -> None:
    with pytest.raises(ConfigError, match="text_col"):
        parse_config({"sources": [{"name": "a", "path": "x.csv", "channel": "review"}]})
    with pytest.raises(ConfigError, match="channel"):
        parse_config({"sources": [{"name": "a", "path": "x.csv", "text_col": "t"}]})


def test_rating_column_needs_a_scale() -> None:
    with pytest.raises(ConfigError, match="rating_scale"):
        parse_config({"sources": [{**BASE_SOURCE, "rating_col": "score"}]})


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"app_store.*social.*support_tickets.*survey"):
        parse_config({"sources": [{"name": "a", "path": "x.csv", "preset": "appstore"}]})


def test_preset_keys_are_overridden_by_the_source() -> None:
    config = parse_config(
        {"sources": [{"name": "s", "path": "x.csv", "preset": "survey", "rating_scale": "csat"}]}
    )
    assert config.sources[0].rating_scale is RatingScale.CSAT
    assert config.sources[0].channel == "survey"


def test_bad_timezone_and_encoding_say_what_to_write() -> None:
    with pytest.raises(ConfigError, match="Asia/Tokyo"):
        parse_config({"sources": [{**BASE_SOURCE, "timezone": "Tokyo"}]})
    with pytest.raises(ConfigError, match="cp932"):
        parse_config({"sources": [{**BASE_SOURCE, "encoding": "shiftjis-ish"}]})


def test_duplicate_source_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="unique"):
        parse_config({"sources": [BASE_SOURCE, BASE_SOURCE]})


def test_missing_config_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--config"):
        load_config(tmp_path / "nope.yaml")


def test_no_config_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VOC_CONFIG", raising=False)
    config = load_config()
    assert config.sources == []
    assert config.store.path == Path("voc-data/voc.duckdb")


def test_an_unknown_language_code_fails_at_load() -> None:
    with pytest.raises(ConfigError, match=r"ingest\.languages.*'jp'"):
        parse_config({"ingest": {"languages": ["en", "jp"]}})


def test_a_secret_in_the_config_file_is_refused_with_a_pointer_to_the_environment() -> None:
    with pytest.raises(
        ConfigError, match=r"store\.password: secrets are not read from the config file"
    ):
        parse_config({"store": {"path": "x.duckdb", "password": "hunter2"}})


@pytest.mark.parametrize(
    "cron",
    [
        "0 8 * * 1", "*/15 * * * *", "0 6 * * mon-fri", "0 0 1 jan,jul *", "0 0 1-15/2 * *",
        "0 8 L * *", "0 8 * * 1#2", "5-1 * * * *", "0 25 * * 1", "0 8 * * 8", "61 * * * *",
        "0 8 * *", "0 8 * * 1/0", "x * * * *", "0 8 * * 5L", "0 8 * * 9#2",
    ],
)  # fmt: skip
def test_schedules_accept_exactly_the_cron_expressions_prefect_accepts(cron: str) -> None:
    """The config checks cron itself (importing Prefect would slow every command); its
    verdict must be Prefect's, or `voc serve` would fail on a config that loaded."""
    from prefect._internal.schemas.validators import validate_cron_string

    try:
        validate_cron_string(cron)
        prefect_accepts = True
    except ValueError:
        prefect_accepts = False
    if prefect_accepts:
        assert parse_config({"schedules": {"digest": cron}}).schedules.digest == cron
    else:
        with pytest.raises(ConfigError, match=r"schedules\.digest"):
            parse_config({"schedules": {"digest": cron}})


def test_reading_the_config_does_not_import_prefect() -> None:
    """Every command reads the config; importing Prefect there cost each one ~1.5 s."""
    import subprocess
    import sys

    code = (
        "import sys; from voc.config import load_config; load_config('configs/voc.yaml'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'torch')))"
    )
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("execution", "says"),
    [
        ({"mode": "dask"}, "needs exactly one of `address: tcp://HOST:8786`"),
        ({"mode": "dask", "address": "tcp://s:8786", "workers": 2}, "needs exactly one of"),
        ({"mode": "dask", "address": "scheduler:8786"}, "execution.address: "),
        ({"mode": "local", "workers": 2}, "only apply with `mode: dask`"),
        ({"mode": "spark"}, "execution.mode: Input should be 'local' or 'dask'"),
        ({"mode": "dask", "workers": 0}, "execution.workers: "),
        ({"mode": "dask", "workers": 2, "nodes": 3}, "execution.nodes: unknown key"),
    ],
)
def test_a_wrong_execution_fails_at_start_naming_the_key(
    execution: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        parse_config({"execution": execution})


def test_execution_is_local_unless_the_config_says_dask() -> None:
    assert parse_config({}).execution.mode == "local"
    shipped = load_config(REPO / "configs" / "voc.yaml").execution
    assert (shipped.mode, shipped.address, shipped.workers) == ("local", None, None)
    cluster = parse_config(
        {"execution": {"mode": "dask", "address": "tcp://scheduler:8786", "shards": "s3://b/x"}}
    ).execution
    assert (cluster.address, cluster.shards) == ("tcp://scheduler:8786", "s3://b/x")


def test_topics_vector_map_is_none_by_default_and_must_name_a_map() -> None:
    assert parse_config({}).topics.map_name is None
    assert parse_config({"topics": {"vector_map": "use-cca-v1"}}).topics.map_name == "use-cca-v1"
    with pytest.raises(ConfigError, match="no map 'nope'"):
        parse_config({"topics": {"vector_map": "nope"}})
