"""The demo's digest in a real browser: Debian's Chromium, headless, driven over DevTools.

The issue's acceptance test: after ``make demo`` the digest HTML opens in a real headless
Chromium without console errors, draws its Japanese with CJK glyphs (not tofu boxes), lists
at least five pain points with quotes, and shows its charts. A full-page screenshot is saved
to ``reports/screenshots/`` (gitignored) for a person to look at.

No Playwright or Selenium: the test starts ``/usr/bin/chromium`` itself and speaks the
DevTools protocol (JSON over a websocket) with ``websockets``. CI installs ``chromium`` and
``fonts-noto-cjk`` (``.ci/run``); without Chromium these tests skip on a laptop and fail in
CI. Every wait has a timeout, so a broken browser fails a test in seconds instead of hanging.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from websockets.sync.client import ClientConnection, connect

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never a downloaded browser
CHROMIUM_MISSING = (
    f"{CHROMIUM} is missing: `apt-get install chromium fonts-noto-cjk` "
    "(Debian's Chromium; these tests never download a browser)"
)
pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    # Skips before the demo store is built (a minute); in CI the browser fixture fails instead.
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING),
]
BURST_WEEK = "2026-W45"  # the samples' planted burst of Japanese payment errors
EMPTY_WEEK = "2026-W12"  # before the samples begin
SCREENSHOTS = REPO / "reports" / "screenshots"
#: Seconds for one DevTools command or event; Chromium answers in milliseconds.
TIMEOUT = 15.0
#: Seconds for Chromium to start and open its DevTools port.
START_TIMEOUT = 30.0
# The network may be closed (CI, sandboxes): these flags stop Chromium from looking things
# up (updates, sync, QUIC probes) and from needing a GPU, a sandbox or a big /dev/shm.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1200,900",
]
# Kana and kanji: what needs a CJK font (the same ranges as voc.digest.render marks lang=ja).
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
# Fonts with Japanese glyphs: Noto's (fonts-noto-cjk) and the usual others.
CJK_FONT = re.compile(
    r"CJK|\bJP\b|Japanese|Hiragino|Meiryo|Yu Gothic|MS P?Gothic|IPA|Takao|VL Gothic|Mincho",
    re.IGNORECASE,
)
# Every request must reach Chromium on 127.0.0.1, whatever proxy the environment names.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Page:
    """One browser tab driven over the DevTools protocol.

    Commands wait for their own answer; the events that arrive meanwhile are kept in
    :attr:`events` (console messages, load events), newest last.
    """

    def __init__(self, websocket: ClientConnection):
        self.websocket = websocket
        self.events: list[dict[str, Any]] = []
        self._last_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Run one DevTools command; returns its result or fails saying what went wrong."""
        self._last_id += 1
        command_id = self._last_id
        self.websocket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._receive(deadline, method)
            if message.get("id") == command_id:
                if "error" in message:
                    raise AssertionError(f"DevTools {method} failed: {message['error']}")
                return message["result"]
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str, **expected: Any) -> dict[str, Any]:
        """The first ``event`` with the ``expected`` params, received so far or within
        :data:`TIMEOUT` seconds."""
        deadline = time.monotonic() + TIMEOUT
        seen = 0
        while True:
            for message in self.events[seen:]:
                params = message.get("params", {})
                if message["method"] == event and all(
                    params.get(k) == v for k, v in expected.items()
                ):
                    return message
            seen = len(self.events)
            message = self._receive(deadline, event)
            if "method" in message:
                self.events.append(message)

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        try:
            raw = self.websocket.recv(timeout=max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            raise AssertionError(f"Chromium sent no {waiting_for} within {TIMEOUT:.0f} s") from None
        return json.loads(raw)

    def open(self, path: Path) -> None:
        """Load a file, wait for its load event and its fonts, and index its DOM."""
        self.events.clear()  # errors count from this page on
        navigation = self.send("Page.navigate", url=path.resolve().as_uri())
        assert "errorText" not in navigation, f"{path}: {navigation['errorText']}"
        # This navigation's load event, not a late one from the blank page before it.
        self.wait_for("Page.lifecycleEvent", name="load", loaderId=navigation["loaderId"])
        assert self.evaluate("document.fonts.ready.then(() => document.fonts.status)") == "loaded"
        self.send("DOM.getDocument", depth=0)  # DOM.requestNode needs the document indexed

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (promises awaited)."""
        answer = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        assert "exceptionDetails" not in answer, f"{expression}: {answer['exceptionDetails']}"
        return answer["result"].get("value")

    def fonts_for(self, element: str) -> tuple[str, list[dict[str, Any]]]:
        """The text of the element a JavaScript expression finds, and the fonts that drew it.

        Fonts are Chromium's platform fonts for the element's text (descendants included):
        ``familyName``, ``postScriptName`` and ``glyphCount``, the glyphs each one drew.
        """
        found = self.send("Runtime.evaluate", expression=element)["result"]
        assert found.get("subtype") == "node", f"no element for {element}"
        node = self.send("DOM.requestNode", objectId=found["objectId"])["nodeId"]
        fonts = self.send("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
        text = self.send(
            "Runtime.callFunctionOn",
            objectId=found["objectId"],
            functionDeclaration="function () { return this.textContent; }",
            returnByValue=True,
        )["result"]["value"]
        return text, fonts

    def console_errors(self) -> list[str]:
        """Errors the page reported: console.error/assert, uncaught exceptions, and the
        browser's log entries for it (a resource that failed to load, a CSP violation).

        Nothing is filtered out. Chromium's own start-up noise (no D-Bus in a container,
        and so on) goes to its stderr, never to the page's console, so it is not seen here.
        """
        errors = []
        for event in self.events:
            params = event["params"]
            if event["method"] == "Runtime.consoleAPICalled" and params["type"] in (
                "error",
                "assert",
            ):
                words = [
                    str(arg.get("value", arg.get("description", ""))) for arg in params["args"]
                ]
                errors.append(f"console.{params['type']}: {' '.join(words)}")
            elif event["method"] == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                thrown = details.get("exception", {}).get("description", details["text"])
                errors.append(f"uncaught: {thrown}")
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}")
        return errors

    def screenshot(self) -> bytes:
        """A PNG of the whole page, beyond the window's height."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        )
        return base64.b64decode(shot["data"])


@contextlib.contextmanager
def chromium(user_data_dir: Path, env: dict[str, str] | None = None) -> Iterator[int]:
    """Start headless Chromium with a fresh profile; yields its DevTools port.

    The browser runs in its own process group, which is killed afterwards, so no renderer
    or helper outlives the test.
    """
    log_path = user_data_dir / "chromium.log"
    with log_path.open("wb") as log:
        browser = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
            start_new_session=True,
        )
    try:
        port_file = user_data_dir / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if browser.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"Chromium did not open its DevTools port; its log:\n{log_tail}")
            time.sleep(0.05)
        yield int(port_file.read_text().split()[0])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            browser.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):  # helpers that ignored SIGTERM
            os.killpg(browser.pid, signal.SIGKILL)
        browser.wait(timeout=5)


@contextlib.contextmanager
def new_page(port: int) -> Iterator[Page]:
    """A new tab in the browser at ``port``, with the domains the tests read enabled."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with _LOCAL.open(request, timeout=TIMEOUT) as answer:
        target = json.load(answer)
    websocket = connect(
        target["webSocketDebuggerUrl"],
        max_size=50 * 2**20,  # a full-page screenshot, base64-encoded
        open_timeout=TIMEOUT,
        close_timeout=2,
        proxy=None,
    )
    try:
        page = Page(websocket)
        for domain in ("Page", "Runtime", "Log", "DOM", "CSS"):  # CSS needs DOM first
            page.send(f"{domain}.enable")
        page.send("Page.setLifecycleEventsEnabled", enabled=True)
        yield page
    finally:
        websocket.close()
        with contextlib.suppress(OSError):
            _LOCAL.open(f"http://127.0.0.1:{port}/json/close/{target['id']}", timeout=TIMEOUT)


@pytest.fixture(scope="module")
def browser_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One headless Chromium for this module (starting one takes about a second)."""
    if not CHROMIUM.exists():  # only in CI: elsewhere pytestmark skipped the module
        pytest.fail(f"CI must install Chromium (.ci/run): {CHROMIUM_MISSING}")
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as port:
        yield port


@pytest.fixture
def page(browser_port: int) -> Iterator[Page]:
    with new_page(browser_port) as tab:
        yield tab


def write_digest(demo: dict[str, Path], out_dir: Path, week: str, **options: Any) -> Path:
    """``voc digest`` as ``make demo`` runs it (the real flow, not delivered), written to
    ``out_dir`` so that other tests' digests of the demo store stay as they are."""
    from pipelines.digest import digest_flow

    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    config["digest"]["out_dir"] = str(out_dir)
    config_path = out_dir / "voc.yaml"
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = digest_flow(config_path=str(config_path), week=week, deliver=False, **options)
    assert result["status"] == "completed" and result["week"] == week
    return Path(result["html"])


# What a reader sees, measured in the page. Boxes are CSS pixels at a 1200 px wide window.
PAGE_FACTS = """(() => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {width: r.width, height: r.height};
  };
  const empty = document.querySelector('#empty');
  return {
    lang: document.documentElement.lang,
    h1: document.querySelector('h1')?.textContent ?? '',
    pains: [...document.querySelectorAll('li.pain')].map((li) => ({
      label: li.querySelector('h3')?.textContent ?? '',
      quotes: [...li.querySelectorAll('blockquote.quote')].map((q) => q.textContent.trim()),
    })),
    charts: [...document.querySelectorAll('figure > svg.chart')].map((svg) => ({
      figure: svg.parentElement.id,
      ...box(svg),
      texts: svg.querySelectorAll('text').length,
      text: svg.textContent.trim(),
    })),
    japaneseQuotes: document.querySelectorAll('blockquote.quote[lang=ja]').length,
    empty: empty && {visible: empty.checkVisibility(), ...box(empty), text: empty.textContent},
    pageWidth: document.documentElement.scrollWidth,
    windowWidth: window.innerWidth,
  };
})()"""
FIRST_JAPANESE_QUOTE = "document.querySelector('blockquote.quote[lang=ja]')"
FIRST_JAPANESE_CHART_TEXT = (
    "[...document.querySelectorAll('svg.chart text')]"
    ".find((t) => /[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff]/.test(t.textContent))"
)


def assert_real_japanese_glyphs(page: Page, element: str) -> None:
    """Every kana and kanji of the element was drawn by a CJK font: none is tofu."""
    text, fonts = page.fonts_for(element)
    japanese = len(JAPANESE.findall(text))
    assert japanese, f"{element} holds no Japanese: {text!r}"
    last_resort = [
        f for f in fonts if "lastresort" in (f["familyName"] + f["postScriptName"]).lower()
    ]
    assert not last_resort, f"{text!r} fell back to {last_resort}"
    cjk_glyphs = sum(f["glyphCount"] for f in fonts if CJK_FONT.search(f["familyName"]))
    assert cjk_glyphs >= japanese, (
        f"{text!r}: {japanese} Japanese characters, but CJK fonts drew {cjk_glyphs} glyphs "
        f"(install fonts-noto-cjk); fonts used: {fonts}"
    )


def test_demo_digest_renders_in_chromium(demo: dict[str, Path], tmp_path: Path, page: Page) -> None:
    html = write_digest(demo, tmp_path / "reports", BURST_WEEK)
    page.open(html)
    # Saved first, so that a page failing the checks below leaves a picture of itself.
    png = page.screenshot()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in (tmp_path / f"digest-{BURST_WEEK}.png", SCREENSHOTS / f"digest-{BURST_WEEK}.png"):
        path.write_bytes(png)
    print(f"\nscreenshot of the {BURST_WEEK} digest: {SCREENSHOTS / f'digest-{BURST_WEEK}.png'}")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 50_000, "blank screenshot"
    facts = page.evaluate(PAGE_FACTS)

    assert facts["lang"] == "en"
    assert len(facts["pains"]) >= 5, facts["pains"]
    for pain in facts["pains"][:5]:
        assert pain["label"] and pain["quotes"], f"pain point without quotes: {pain}"
        assert all(len(quote) > 2 for quote in pain["quotes"]), pain
    assert facts["japaneseQuotes"] >= 1
    assert len(facts["charts"]) >= 2, facts["charts"]
    for chart in facts["charts"]:
        assert chart["width"] > 100 and chart["height"] > 100, f"chart drawn too small: {chart}"
        assert chart["texts"] and chart["text"], f"chart without labels: {chart}"
    assert facts["pageWidth"] <= facts["windowWidth"], "the page scrolls sideways"

    # The English digest names topics in English where they have an English label (the
    # chart legend then holds none in Japanese); the Japanese digest's legend is checked below.
    assert_real_japanese_glyphs(page, FIRST_JAPANESE_QUOTE)

    assert page.console_errors() == []


def test_japanese_digest_renders_in_chromium(
    demo: dict[str, Path], tmp_path: Path, page: Page
) -> None:
    html = write_digest(demo, tmp_path / "reports", BURST_WEEK, language="ja")
    page.open(html)
    facts = page.evaluate(PAGE_FACTS)

    assert facts["lang"] == "ja"
    assert "週次" in facts["h1"], facts["h1"]
    assert len(facts["pains"]) >= 5 and all(p["quotes"] for p in facts["pains"][:5])
    assert len(facts["charts"]) >= 2
    assert_real_japanese_glyphs(page, "document.querySelector('h1')")
    assert_real_japanese_glyphs(page, FIRST_JAPANESE_CHART_TEXT)  # the trends chart's legend
    assert page.console_errors() == []


def test_empty_week_digest_says_so_in_chromium(
    demo: dict[str, Path], tmp_path: Path, page: Page
) -> None:
    html = write_digest(demo, tmp_path / "reports", EMPTY_WEEK)
    page.open(html)
    facts = page.evaluate(PAGE_FACTS)

    empty = facts["empty"]
    assert empty and empty["visible"] and empty["height"] > 20, empty
    assert "No feedback" in empty["text"], empty
    assert facts["pains"] == [] and facts["charts"] == []
    assert page.console_errors() == []
