"""``voc ui`` in a real browser: the test starts the command on a free port and opens every
page in Debian's headless Chromium (started by the test, driven over the DevTools protocol
as the digest's browser test does), checks that each page renders its content without a
console error, that Japanese is drawn with CJK glyphs, and saves a screenshot of each page
(to a temporary folder and to ``reports/screenshots/``, gitignored).
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_digest_browser import (
    CHROMIUM,
    CHROMIUM_MISSING,
    Page,
    assert_real_japanese_glyphs,
    chromium,
    new_page,
)

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING),
]
SCREENSHOTS = REPO / "reports" / "screenshots"
BURST_WEEK = "2026-W45"  # the samples' planted burst of Japanese payment errors
#: Seconds for a page to render its content (the first load of a page reads the store).
RENDER_TIMEOUT = 60.0
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Each page's URL path (st.navigation names pages by their file; the default page is the
# root) and its header, in English and in Japanese.
PAGES = {
    "pain_points": ("", "Pain points of", "ペインポイント"),
    "trends": ("trends", "Trends", "トレンド"),
    "surveys": ("surveys", "Survey metrics", "アンケート指標"),
    "topics": ("topics", "Topics", "トピック"),
    "fixes": ("fixes", "Fixes: did they work?", "対応の効果"),
    "health": ("health", "Data health", "データの状態"),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ui_url(demo: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``voc ui`` on the demo store, on a free port; stopped (its whole group) afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("voc-ui") / "voc-ui.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "voc"), "ui", "--port", str(port),
             "--config", str(demo["config"])],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        # `voc ui` says "ready at" once the server has run the app once (voc.ui.warm).
        deadline = time.monotonic() + 300
        while "ready at" not in log.read_text(errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"voc ui did not get ready; its log:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        with _LOCAL.open(f"{url}/_stcore/health", timeout=2) as answer:
            assert answer.status == 200
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMIUM.exists():
        pytest.fail(f"CI must install Chromium (.ci/run): {CHROMIUM_MISSING}")
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as port:
        yield port


@pytest.fixture
def page(browser_port: int) -> Iterator[Page]:
    with new_page(browser_port) as tab:
        tab.send(
            "Emulation.setDeviceMetricsOverride",
            width=1400,
            height=1500,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield tab


def _wait_rendered(page: Page, expected: str, what: str) -> str:
    """Wait until the page's header holds ``expected`` and its script has finished."""
    deadline = time.monotonic() + RENDER_TIMEOUT
    header = ""
    while time.monotonic() < deadline:
        state = page.evaluate(
            "(() => ({header: document.querySelector('h2')?.textContent ?? '',"
            " running: !!document.querySelector('[data-testid=stStatusWidget]'),"
            " skeleton: !!document.querySelector('[data-testid=stSkeleton]')}))()"
        )
        header = state["header"]
        if expected in header and not state["running"] and not state["skeleton"]:
            time.sleep(1.5)  # charts and tables draw after the script's last message
            assert page.evaluate("document.fonts.ready.then(() => document.fonts.status)")
            page.send("DOM.getDocument", depth=0)
            return header
        time.sleep(0.25)
    raise AssertionError(
        f"{what} did not show {expected!r} within {RENDER_TIMEOUT:.0f} s: {header!r}"
    )


def open_app(page: Page, url: str, expected: str) -> str:
    """Load the app at ``url`` (its root: a deep link makes Streamlit's front end probe
    ``/<page>/_stcore/...`` first, a 404 on the console) and wait for ``expected``."""
    page.events.clear()
    navigation = page.send("Page.navigate", url=url)
    assert "errorText" not in navigation, f"{url}: {navigation['errorText']}"
    page.wait_for("Page.lifecycleEvent", name="load", loaderId=navigation["loaderId"])
    return _wait_rendered(page, expected, url)


def go_to(page: Page, path: str, expected: str) -> str:
    """Open another page as a person does: its link in the sidebar's navigation."""
    clicked = page.evaluate(
        "(() => { const link = [...document.querySelectorAll('a[data-testid=stSidebarNavLink]')]"
        f".find((a) => new URL(a.href).pathname === '/{path}');"
        " if (!link) return false; link.click(); return true; })()"
    )
    assert clicked, f"no link to {path} in the sidebar"
    return _wait_rendered(page, expected, path)


def save(page: Page, name: str, folder: Path) -> Path:
    """A screenshot of the window (Streamlit scrolls inside it: a full-page capture would
    cut the sidebar), saved to ``folder`` and to ``reports/screenshots/``."""
    png = base64.b64decode(page.send("Page.captureScreenshot", format="png")["data"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 30_000, f"{name}: blank screenshot"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for target in (folder / f"{name}.png", SCREENSHOTS / f"{name}.png"):
        target.write_bytes(png)
    return folder / f"{name}.png"


#: The first load of the app in a browser once `voc ui` has said it is ready, in seconds.
#: The aim is 2 s on the demo store; `python -m bench.ui --first-load 1` measured 2.0-2.3 s
#: (3.5-3.8 s before `voc ui` warmed the server; 9-10 s at a load of 11-15) on a shared
#: 2-core VM at a load of ~5, where a cold Chromium's own start of the front end is about
#: 1.2 s of it (a second load takes 0.7-0.8 s). Bounded at 3 s so a busy machine does not
#: fail it; the old server's first load failed it.
FIRST_LOAD_BOUND = 3.0


def test_first_load_after_ready_is_fast(ui_url: str, page: Page) -> None:
    """The first person to open the URL `voc ui` printed does not pay the server's imports
    or the default page's reads: `voc ui` ran the app once before saying it was ready.
    (Runs first in this module: the server has served no browser yet.)"""
    started = time.perf_counter()
    open_app(page, f"{ui_url}/", "Pain points of")
    seconds = time.perf_counter() - started - 1.5  # _wait_rendered's pause for charts
    assert seconds < FIRST_LOAD_BOUND, f"first load took {seconds:.2f} s"
    assert page.console_errors() == []


def test_every_page_renders_in_chromium_without_console_errors(
    ui_url: str, page: Page, tmp_path: Path
) -> None:
    # A link may name the week: the planted burst of payment errors.
    open_app(page, f"{ui_url}/?week={BURST_WEEK}", f"Pain points of {BURST_WEEK}")
    save(page, "ui-pain_points-burst", tmp_path)
    # The drill-down opens on the first pain point: quotes of the payment errors, some in
    # Japanese, drawn with CJK glyphs.
    quotes = page.evaluate("[...document.querySelectorAll('blockquote')].map((q) => q.innerText)")
    assert len(quotes) >= 3 and any("決済" in quote for quote in quotes), quotes
    assert page.evaluate("document.querySelectorAll('[data-testid=stDataFrame]').length") >= 2
    assert_real_japanese_glyphs(
        page, "[...document.querySelectorAll('blockquote')].find((q) => /決済/.test(q.innerText))"
    )
    assert page.console_errors() == []
    for name, (path, english, _) in PAGES.items():
        header = go_to(page, path, english)
        assert english in header
        body = page.evaluate("document.body.innerText")
        assert "Traceback" not in body and "Error" not in header, body[:500]
        shot = save(page, f"ui-{name}", tmp_path)
        print(f"\nscreenshot of {name}: {shot}")
        assert page.console_errors() == [], name
    assert page.console_errors() == []


def test_japanese_pages_draw_real_cjk_glyphs(ui_url: str, page: Page, tmp_path: Path) -> None:
    open_app(page, f"{ui_url}/?lang=ja&week={BURST_WEEK}", f"{BURST_WEEK} のペインポイント")
    save(page, "ui-pain_points-burst-ja", tmp_path)
    for name, (path, _, japanese) in PAGES.items():
        go_to(page, path, japanese)
        assert_real_japanese_glyphs(page, "document.querySelector('h2')")
        save(page, f"ui-{name}-ja", tmp_path)
        assert page.console_errors() == [], name
