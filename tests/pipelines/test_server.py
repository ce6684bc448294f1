"""A real ``voc`` process in the middle of a run: readers answer, a second writer gives up
in one line, and killing it (SIGKILL, SIGTERM) leaves no Prefect server behind.

Only the first test's ``voc ingest`` starts Prefect's API server of its own (no
``PREFECT_API_URL``), as a user's command does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("PREFECT_API_URL", None)
    env.update(extra)
    return env


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            _out, err = process.communicate()
            pytest.fail(f"voc ended before it got there ({process.returncode}): {err[-2000:]}")
        assert time.monotonic() < deadline, "voc never got there"
        time.sleep(0.1)


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def test_during_a_real_run_readers_answer_a_second_writer_gives_up_and_a_kill_leaves_nothing(
    tmp_path: Path, write_config, prefect_harness: None
) -> None:
    export = tmp_path / "reviews.csv"
    export.write_text(
        "id,text\n" + "".join(f"{i},Parcel {i} arrived late and damaged\n" for i in range(300)),
        encoding="utf-8",
    )
    config = write_config(
        [{"name": "reviews", "path": str(export), "channel": "review", "text_col": "text",
          "id_col": "id"}],
        ingest={"chunk_size": 100, "redaction": {"ner": False}},
    )  # fmt: skip
    raw = yaml.safe_load(config.read_text())
    raw["store"]["lock_timeout_seconds"] = 1
    config.write_text(yaml.safe_dump(raw))
    # A first, completed run (in this process) publishes the snapshot readers will use.
    from pipelines.ingest import ingest_flow

    ingest_flow(config_path=str(config))
    (tmp_path / "second.csv").write_text(export.read_text().replace("Parcel", "Box"))
    raw["sources"][0]["path"] = str(tmp_path / "second.csv")
    config.write_text(yaml.safe_dump(raw))

    hold = tmp_path / "holding"
    writer = subprocess.Popen(
        [sys.executable, "-m", "voc.cli", "ingest", "--config", str(config)],
        env=_env(
            VOC_FAULT_STAGE="ingest",
            VOC_FAULT_HOLD_AFTER_BATCHES="2",
            VOC_FAULT_HOLD_FILE=str(hold),
        ),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(hold, writer)
        servers = _children(writer.pid)
        assert servers, "voc started no Prefect server"

        # A reader: the last completed run's data, at once, with one line saying so.
        started = time.monotonic()
        status = subprocess.run(
            [sys.executable, "-m", "voc.cli", "sql", "SELECT count(*) AS n FROM feedback",
             "--format", "csv", "--config", str(config)],
            env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        reader_seconds = time.monotonic() - started
        assert status.returncode == 0, status.stderr
        assert status.stdout.split() == ["n", "300"]
        assert "answering from the last run's snapshot" in status.stderr
        assert "Traceback" not in status.stderr
        print(f"reader during a run: {reader_seconds:.2f} s (process start included)")

        # A second writer waits store.lock_timeout_seconds (1 s), then one line, exit 2.
        second = subprocess.run(
            [sys.executable, "-m", "voc.cli", "analyze", "--config", str(config)],
            env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert second.returncode == 2, second.stderr
        errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "is writing the store" in errors[0], second.stderr
        assert "waiting for run" in second.stderr  # the progress line
        assert "Traceback" not in second.stderr

        # kill -9: the server goes with it.
        writer.kill()
        writer.wait()
        assert all(_gone_within(pid, 10) for pid in servers), "a Prefect server outlived voc"
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()

    # The next command sees the killed run as crashed.
    runs = subprocess.run(
        [sys.executable, "-m", "voc.cli", "runs", "--format", "csv", "--config", str(config)],
        env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert runs.returncode == 0, runs.stderr
    statuses = [line.split(",")[2] for line in runs.stdout.splitlines()[1:]]
    assert sorted(statuses) == ["completed", "crashed"]


def test_the_prefect_server_goes_when_its_parent_is_terminated(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    code = f"""
import time
from pathlib import Path
from pipelines.server import prefect_api
with prefect_api() as url:
    Path({str(ready)!r}).write_text(url)
    time.sleep(300)
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", code], env=_env(), cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for(ready, parent, seconds=180)
        servers = _children(parent.pid)
        assert servers
        import httpx

        assert httpx.get(ready.read_text() + "/health", timeout=10).status_code == 200
        parent.send_signal(signal.SIGTERM)  # Python's default: die at once, no atexit
        parent.wait()
        assert all(_gone_within(pid, 10) for pid in servers), "a Prefect server outlived voc"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
