"""The Prefect API a ``voc`` command runs its flows against, and that ends with it.

Without ``PREFECT_API_URL``, Prefect 3 starts a temporary API server of its own the first
time a flow runs (``prefect.server.api.server.SubprocessASGIServer``: ``python -m
uvicorn ... prefect.server.api.server:create_app`` in a plain ``subprocess.Popen``) and
stops it from an ``atexit`` hook. A process killed by SIGKILL or SIGTERM runs no
``atexit`` hook, so that server was left running under PID 1, about 200 MB each.

:func:`prefect_api` starts the same server (the same app factory, the same settings) as a
child that cannot outlive its parent:

- it asks the kernel for SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``, Linux);
- a watchdog thread inside it also checks every half second that its parent is still the
  process that started it (``os.getppid``), which covers what the parent-death signal
  does not (another OS, a parent thread other than the main one);

and points this process's Prefect settings at it. A ``PREFECT_API_URL`` that is already
set (a long-running ``prefect server start``, Prefect Cloud, the test harness) is used as
it is and nothing is started.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

#: Set in the server's environment, as Prefect sets it for its own temporary server:
#: no UI, ephemeral mode (no background services), the last app of the process.
_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
_PR_SET_PDEATHSIG = 1


def configured_api_url() -> str | None:
    """The Prefect API this process is already configured to use, if any."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


@contextmanager
def prefect_api() -> Iterator[str]:
    """Make sure flows run in this process have a Prefect API that dies with it.

    Yields:
        The API's URL.
    """
    configured = configured_api_url()
    if configured:
        yield configured
        return
    import prefect.context
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    timeout = max(float(settings.server.ephemeral.startup_timeout_seconds), 60.0)
    env = {**os.environ, **settings.to_environment_variables(exclude_unset=True), **_SERVER_ENV}
    process, url = _start(env, timeout)
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    prefect.context.refresh_global_settings_context()
    try:
        yield url
    finally:
        _drain_prefect_workers()
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        prefect.context.refresh_global_settings_context()
        _stop(process)


def _start(env: dict[str, str], timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    started = time.monotonic()
    for _attempt in range(3):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.server", str(os.getpid()), str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if _on_main_thread() else None,
        )
        url = f"http://127.0.0.1:{port}/api"
        with httpx.Client() as client:
            while time.monotonic() - started < timeout:
                if process.poll() is not None:
                    break  # the port was taken meanwhile (or it failed): try another
                try:
                    if client.get(f"{url}/health", timeout=2).status_code == 200:
                        logger.info("Prefect API for this command: %s (PID %d)", url, process.pid)
                        return process, url
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        _stop(process)
    raise RuntimeError(f"the temporary Prefect API server did not start within {timeout:.0f} s")


def _drain_prefect_workers() -> None:
    """Send the logs and events Prefect still holds while the server is up (its workers
    would otherwise try at exit, after the server is gone, and print errors)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=10)
        except Exception as e:  # a log lost is not worth failing the command for
            logger.info("Prefect %s did not drain: %s", worker.__name__, e)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _on_main_thread() -> bool:
    # The parent-death signal fires when the *thread* that forked ends, not the process:
    # only the main thread lives as long as the process.
    return threading.current_thread() is threading.main_thread()


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _watch_parent(parent: int) -> None:
    """In the server: end when the parent is gone (re-parented to init or a subreaper)."""
    while True:
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down cleanly on SIGTERM
            time.sleep(10)
            os._exit(1)
        time.sleep(0.5)


def _serve(parent: int, port: int) -> None:
    """The server process: Prefect's API app under uvicorn, as Prefect runs its own."""
    if os.getppid() != parent:
        return  # the parent died while this process started
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    import uvicorn

    uvicorn.run(
        "prefect.server.api.server:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="on",
    )


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
