"""Errors a user meets are one line naming what to do (exit 2); an internal error is one
line too (exit 1), with its traceback only under ``-v``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voc.cli import app
from voc.commands import _common
from voc.store.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _voc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "voc.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_path_is_one_line_about_the_argument_before_prefect_starts(
    tmp_path: Path,
) -> None:
    (tmp_path / "voc.yaml").write_text(f"store: {{path: {tmp_path / 'voc.duckdb'}}}\n")
    started = time.monotonic()
    result = _voc(
        "ingest", "exports/nope.csv", "--channel", "review", "--text-col", "t",
        "--config", str(tmp_path / "voc.yaml"), cwd=tmp_path,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: no file matches 'exports/nope.csv'")
    assert "the PATH you gave" in lines[0]
    assert "`path:`" not in lines[0]  # it is not in a config
    assert "Traceback" not in result.stderr + result.stdout
    assert "prefect" not in (result.stderr + result.stdout).lower()  # no server, no flow
    assert not (tmp_path / "voc.duckdb").exists()
    assert elapsed < 60  # today: a Prefect server, a flow and three tries of the task


@pytest.fixture
def store_config(tmp_path: Path) -> Path:
    Warehouse(tmp_path / "voc.duckdb").open().close()
    config = tmp_path / "voc.yaml"
    config.write_text(f"store: {{path: {tmp_path / 'voc.duckdb'}}}\n")
    return config


def _broken_trends(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError("the weekly share divided by zero")


def test_an_internal_error_is_one_line_and_its_traceback_needs_v(
    store_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A bug stands in for one: the query raises something voc did not mean to raise.
    monkeypatch.setattr("voc.query.trends", _broken_trends)
    with pytest.raises(SystemExit) as stopped:
        app(["trends", "--config", str(store_config)], prog_name="voc")
    assert stopped.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: internal error, ZeroDivisionError: the weekly share divided by zero "
        "(run with -v for the traceback)"
    ]
    with pytest.raises(SystemExit) as stopped:
        app(["-v", "trends", "--config", str(store_config)], prog_name="voc")
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "_broken_trends" in err
    assert err.strip().splitlines()[-1].startswith("error: internal error, ZeroDivisionError")


def test_an_error_no_command_caught_is_still_one_line(
    store_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_print(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the terminal went away")

    # Printing happens outside the commands' error handling: the app's entry catches it.
    monkeypatch.setattr("voc.commands.store.print_frame", broken_print)
    with pytest.raises(SystemExit) as stopped:
        app(["runs", "--config", str(store_config)], prog_name="voc")
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: internal error, RuntimeError: the terminal went away "
        "(run with -v for the traceback)"
    ]


def test_an_internal_error_quoting_a_text_prints_no_email_or_phone(
    store_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # openpyxl's IllegalCharacterError quotes the cell: a customer's text, found by the
    # outside dry run of voc enrich.
    def broken_print(*args: object, **kwargs: object) -> None:
        raise ValueError("cannot write 'refund to jane.doe@example.com or 090-1234-5678'")

    monkeypatch.setattr("voc.commands.store.print_frame", broken_print)
    with pytest.raises(SystemExit):
        app(["runs", "--config", str(store_config)], prog_name="voc")
    err = capsys.readouterr().err
    assert "jane.doe@example.com" not in err and "090-1234-5678" not in err
    assert "error: internal error, ValueError: cannot write 'refund to [EMAIL] or [PHONE]'" in err


@pytest.fixture(autouse=True)
def _quiet_again() -> None:
    yield
    _common._VERBOSE = False  # `voc -v` in one test must not leak into the next


def test_the_lock_timeout_is_a_validated_config_key(tmp_path: Path) -> None:
    from voc.config import load_config

    config = tmp_path / "voc.yaml"
    config.write_text("store: {path: x.duckdb, lock_timeout_seconds: 5}\n")
    assert load_config(config).store.lock_timeout_seconds == 5
    assert load_config(None).store.lock_timeout_seconds == 60  # the default
    config.write_text("store: {path: x.duckdb, lock_timeout_seconds: -1}\n")
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 2
    assert "store.lock_timeout_seconds" in result.output
    assert "greater than or equal to 0" in result.output
