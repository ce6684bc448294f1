"""``voc ui``: the local web app.

No ``from __future__ import annotations`` here: typer reads the options' annotations at
run time, and ``ConfigOption`` is imported inside :func:`register` (``voc.cli`` imports
this module at its end), where a string annotation could not be resolved.
"""

import os
import socket
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


def register(app: typer.Typer) -> None:
    """Add ``voc ui`` to the ``voc`` command."""
    from voc.cli import ConfigOption, _fail

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
        typer.echo(f"voc ui: http://{host}:{port} (Ctrl+C stops it)", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # Replace this process: stopping `voc ui` stops the server, nothing is left behind.
        os.execv(sys.executable, streamlit_command(host, port, config))
