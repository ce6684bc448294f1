"""Warming ``voc ui``'s server before the user is told it is ready.

A Streamlit server imports nothing of the app until a browser opens a session: the first
page load used to pay the app's imports (pandas, the store, the pages' modules) and the
first page's store reads, 9-10 s on a busy 2-core machine. :func:`warm` waits for the
server's health endpoint, then opens one session through the server's own websocket
(``/_stcore/stream``, the protocol the browser speaks: a ``rerun_script`` message, then
the page's messages until ``script_finished``), so the entry script and the default page
run once in the server process: their imports are done and their reads are cached
(``st.cache_data``) when the first person opens the URL.
"""

from __future__ import annotations

import time
import urllib.request

from voc.errors import VocError

_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_healthy(base_url: str, timeout: float, alive: object = None) -> None:
    """Wait until ``GET base_url/_stcore/health`` answers 200; ``alive`` (a callable
    returning False once the server died) stops the wait early."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with _LOCAL.open(f"{base_url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if callable(alive) and not alive():
            raise VocError("the web server stopped while starting (its messages are above)")
        if time.monotonic() > deadline:
            raise VocError(f"the web server did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def run_app_once(host: str, port: int, timeout: float, query: str = "") -> float:
    """Open one session on the server and run the app's script (the default page, or
    ``query``'s) to its end, as a browser's first visit does; returns the seconds it took.
    Raises :class:`VocError` when the script did not finish (a compile error, a timeout)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    started = time.perf_counter()
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_script_hash = ""
    address = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in address:
        address = f"[{address}]"
    deadline = time.monotonic() + timeout
    with connect(
        f"ws://{address}:{port}/_stcore/stream",
        subprotocols=["streamlit"],  # type: ignore[list-item]
        open_timeout=timeout,
        max_size=None,
        proxy=None,
    ) as socket:
        socket.send(message.SerializeToString())
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VocError(f"the app's first run did not finish within {timeout:.0f} s")
            received = ForwardMsg()
            received.ParseFromString(socket.recv(timeout=left))
            if received.WhichOneof("type") != "script_finished":
                continue
            if received.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise VocError("the app's script did not compile (see the server's messages)")
            if received.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return time.perf_counter() - started
