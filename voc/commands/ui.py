"""``voc ui``: the local web app.

No ``from __future__ import annotations`` here: typer reads the options' annotations at
run time, and ``ConfigOption`` is imported inside :func:`register` (``voc.cli`` imports
this module at its end), where a string annotation could not be resolved.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from voc.errors import VocError

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def streamlit_command(host: str, port: int, config: Path | None) -> list[str]:
    """The ``streamlit run`` command line ``voc ui`` runs: headless, no usage statistics,
    no file watcher (the app's files do not change under a user), the config after ``--``."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless=true",
        f"--server.port={port}",
        f"--server.address={host}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--server.runOnSave=false",
        "--client.toolbarMode=viewer",
        "--theme.base=light",
    ]  # fmt: skip
    if config is not None:
        command += ["--", "--config", str(config.absolute())]
    return command


#: Seconds the server may take to answer its health check, then to run the app once.
START_TIMEOUT = 300.0


def _die_with_parent() -> None:
    """In the server's process, before it starts: SIGTERM when ``voc ui`` dies (Linux's
    ``PR_SET_PDEATHSIG``; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(host: str, port: int, config: Path | None) -> None:
    """Run the Streamlit server as a child, warm it (:mod:`voc.ui.warm`: the app's script
    run once through the server, so its imports and the default page's reads are done),
    say it is ready, and wait for it. Ctrl+C or SIGTERM stops the server with it."""
    from voc.ui.warm import run_app_once, wait_healthy

    url = f"http://{host}:{port}"
    typer.echo(f"voc ui: starting at {url} ...", err=True)
    # The server gets its own process group, so a signal to ours (Ctrl+C, a kill of the
    # group) reaches it once, from stop(): Streamlit hangs on a second SIGTERM. On Linux it
    # is also told to stop if this process dies without a word (SIGKILL).
    server = subprocess.Popen(
        streamlit_command(host, port, config), process_group=0, preexec_fn=_die_with_parent
    )

    stopping: list[int] = []

    def forward(signum: int, frame: object = None) -> None:
        # Only pass the signal on: the waits below see the server end. (A wait inside a
        # signal handler could not reap it while the interrupted wait holds Popen's lock.)
        stopping.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    try:
        probe = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        wait_healthy(f"http://{probe}:{port}", START_TIMEOUT, alive=lambda: server.poll() is None)
        seconds = run_app_once(host, port, START_TIMEOUT)
        typer.echo(f"voc ui: ready at {url} (warmed in {seconds:.1f} s; Ctrl+C stops it)", err=True)
        sys.stderr.flush()
        code = server.wait()
    except KeyboardInterrupt:
        forward(signal.SIGINT)
        code = 0
    except VocError as e:
        if not stopping:
            _stop(server)
            from voc.commands._common import _fail

            _fail(e)
        code = 0
    _stop(server, signalled=bool(stopping))
    raise typer.Exit(128 + stopping[0] if stopping and stopping[0] != signal.SIGINT else code)


def _stop(server: subprocess.Popen[bytes], signalled: bool = False) -> None:
    """End the server: SIGTERM (unless ``signalled`` already), then SIGKILL after 20 s."""
    if not signalled and server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def register(app: typer.Typer) -> None:
    """Add ``voc ui`` to the ``voc`` command."""
    from voc.commands._common import ConfigOption, _fail

    @app.command("ui")
    def ui(
        port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
        host: Annotated[
            str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")
        ] = "127.0.0.1",
        config: ConfigOption = None,
    ) -> None:
        """Start the local web app (pain points, trends, survey metrics, topics, data
        health) at http://HOST:PORT. It reads the store without ever blocking a run:
        during a run it shows the last run's snapshot."""
        from voc.config import load_config
        from voc.store.warehouse import Warehouse

        try:
            settings = load_config(config)
            with Warehouse(settings.store.path, read_only=True):
                pass  # no store, or an unreadable one: say so now, not in the browser
        except VocError as e:
            _fail(e)
        if not _port_free(host, port):
            _fail(
                VocError(
                    f"port {port} on {host} is in use (another voc ui?): pick another with --port"
                )
            )
        serve(host, port, config)
