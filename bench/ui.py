"""How long each page of the web app (``voc ui``) takes to load, on the demo store and on a
store of 200,000 records.

Two measures per page and store:

- **script, cold**: the page's script run by Streamlit's ``AppTest`` (the same run a
  browser's visit triggers: every store read, every table and chart built), right after
  the app's caches are cleared, i.e. the first visit after a run published new data. The
  median and the worst of ``--repeats``.
- **script, warm**: the same page again with the caches filled (a person coming back to it).
- **browser** (``--browser``, needs ``/usr/bin/chromium``): ``voc ui`` started on the store
  and each page opened by its sidebar link in headless Chromium, timed from the click to the
  page's header drawn with its script finished (websocket, rendering, charts included);
  the first visit of each page to a fresh server, so cold. The pain points page is timed
  as a new tab on another week than the default (front end, session and that week's reads);
  the very first load after ``voc ui`` says it is ready is reported apart, with the
  time from the start to ready (``voc ui`` warms the server first, :mod:`voc.ui.warm`).

The aim: every page under 2 s on the demo store, under 5 s on 200,000 records.

**The 200,000-record store** is built from the demo store (``voc-data/voc.duckdb``, built
by ``make demo``) by :func:`voc.store.ui.duplicate_records`: 44 copies of every record with
new ids (``<id>~k``) and ``created_at`` moved back ``k`` hours (so the weeks keep their
shape and each week holds about 45 times its records), with their analysis, sentences and
sentence topics; then the pain points and survey metrics of every week are recomputed. It
is kept in ``bench/out/ui/`` and reused.

    python -m bench.ui [--store voc-data/voc.duckdb] [--records 200000] [--repeats 3] [--browser]
    python -m bench.ui --first-load 3    # only `voc ui` to ready, then its first load

Prints a markdown table, then one JSON line (read by ``bench.run``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "ui"
APP = REPO / "voc" / "ui" / "app.py"
PAGES = {
    "pain_points": "pages/pain_points.py",
    "trends": "pages/trends.py",
    "surveys": "pages/surveys.py",
    "topics": "pages/topics.py",
    "fixes": "pages/fixes.py",
    "health": "pages/health.py",
}
AIMS = {"demo": 2.0, "200k": 5.0}


def _config(store: Path, name: str) -> Path:
    config = yaml.safe_load((REPO / "configs" / "voc.yaml").read_text(encoding="utf-8"))
    config["store"] = {"path": str(store.absolute())}
    config["taxonomy"] = str(REPO / "configs" / "taxonomy.yaml")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def build_large_store(demo: Path, records: int) -> Path:
    """The demo store grown to at least ``records`` records (module docstring); reused
    when already built from the same demo store."""
    from voc.insights.painpoints import compute_pain_points, compute_survey_metrics
    from voc.store.ui import duplicate_records
    from voc.store.warehouse import Warehouse

    target = OUT / f"voc-{records // 1000}k.duckdb"
    stamp = target.with_suffix(".source")
    source = f"{demo.resolve()} {demo.stat().st_size} {demo.stat().st_mtime_ns}"
    if target.exists() and stamp.exists() and stamp.read_text() == source:
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    shutil.copyfile(demo, target)
    started = time.perf_counter()
    with Warehouse(target) as store:
        have = int(store.query("SELECT count(*) AS n FROM feedback")["n"].iloc[0])
        copies = max(0, math.ceil(records / have) - 1)
        total = duplicate_records(store, copies, shift_hours=1)
        compute_pain_points(store, "bench-ui")
        compute_survey_metrics(store, "bench-ui")
        store.checkpoint()
    print(
        f"built {target} ({total:,} records: {copies} copies of {have:,}) in "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    stamp.write_text(source)
    return target


def script_times(config: Path, repeats: int) -> dict[str, dict[str, float]]:
    """Per page: cold (caches cleared) median and worst, warm median (seconds)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["VOC_CONFIG"] = str(config)
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()  # imports and the first page once, not timed
    assert not at.exception, [e.value for e in at.exception]
    out: dict[str, dict[str, float]] = {}
    for name, page in PAGES.items():
        cold, warm = [], []
        for _ in range(repeats):
            st.cache_data.clear()
            started = time.perf_counter()
            at.switch_page(page).run()
            cold.append(time.perf_counter() - started)
            assert not at.exception, (name, [e.value for e in at.exception])
            started = time.perf_counter()
            at.switch_page(page).run()
            warm.append(time.perf_counter() - started)
        out[name] = {
            "cold_median": round(statistics.median(cold), 2),
            "cold_worst": round(max(cold), 2),
            "warm_median": round(statistics.median(warm), 2),
        }
    return out


def browser_times(config: Path, week: str) -> dict[str, float]:
    """Per page: seconds from the sidebar click to the page drawn, on a fresh ``voc ui``
    (the pain points: a new tab on ``week``, which the first load did not show)."""
    import contextlib
    import signal
    import socket
    import subprocess
    import tempfile
    import urllib.request

    sys.path.insert(0, str(REPO))
    from tests.test_digest_browser import chromium, new_page
    from tests.ui.test_browser import PAGES as BROWSER_PAGES
    from tests.ui.test_browser import _wait_rendered, open_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = OUT / "voc-ui.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "voc"), "ui", "--port", str(port),
             "--config", str(config)],
            cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    out: dict[str, float] = {}
    try:
        out["start to ready"] = _wait_ready(server, url, log, opener)
        with (
            tempfile.TemporaryDirectory() as profile,
            chromium(Path(profile)) as debug_port,
            new_page(debug_port) as page,
        ):
            page.send(
                "Emulation.setDeviceMetricsOverride",
                width=1400,
                height=1500,
                deviceScaleFactor=1,
                mobile=False,
            )
            # _wait_rendered waits 1.5 s after a page is drawn (for screenshots): not counted.
            # The first load after the server starts pays its imports and opens a session.
            started = time.perf_counter()
            open_app(page, f"{url}/", "Pain points of")
            out["first load after start"] = round(time.perf_counter() - started - 1.5, 2)
            # The pain points of another week: a new tab's load (front end, session, the
            # page's script with that week's reads cold).
            started = time.perf_counter()
            open_app(page, f"{url}/?week={week}", f"Pain points of {week}")
            out["pain_points"] = round(time.perf_counter() - started - 1.5, 2)
            for name, (path, english, _) in list(BROWSER_PAGES.items())[1:]:
                started = time.perf_counter()
                clicked = page.evaluate(
                    "(() => { const link = [...document.querySelectorAll("
                    "'a[data-testid=stSidebarNavLink]')].find((a) => "
                    f"new URL(a.href).pathname === '/{path}'); link.click(); return true; }})()"
                )
                assert clicked
                _wait_rendered(page, english, name)
                out[name] = round(time.perf_counter() - started - 1.5, 2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return out


def _wait_ready(server: Any, url: str, log: Path, opener: Any) -> float:
    """Seconds until ``voc ui`` says its URL is ready ("... Ctrl+C stops it", printed
    once the server is warm, :mod:`voc.ui.warm`) and the server answers its health check."""
    started = time.perf_counter()
    deadline = time.monotonic() + 300
    while True:
        if "Ctrl+C stops it" in log.read_text(errors="replace"):
            try:
                with opener.open(f"{url}/_stcore/health", timeout=5) as answer:
                    if answer.status == 200:
                        return round(time.perf_counter() - started, 2)
            except OSError:
                pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"voc ui did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)


def first_load(config: Path) -> dict[str, float]:
    """``voc ui`` started on ``config``'s store: seconds until it says it is ready, then
    the first page load in Chromium (the default page, drawn with its script finished)."""
    import contextlib
    import signal
    import socket
    import subprocess
    import tempfile
    import urllib.request

    sys.path.insert(0, str(REPO))
    from tests.test_digest_browser import chromium, new_page
    from tests.ui.test_browser import open_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = OUT / "voc-ui-first.log"
    OUT.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with (
        tempfile.TemporaryDirectory() as profile,
        chromium(Path(profile)) as debug_port,
        new_page(debug_port) as page,
    ):
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "voc"), "ui", "--port", str(port),
                 "--config", str(config)],
                cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            out = {"start to ready": _wait_ready(server, url, log, opener)}
            started = time.perf_counter()
            open_app(page, f"{url}/", "Pain points of")
            out["first load after ready"] = round(time.perf_counter() - started - 1.5, 2)
            started = time.perf_counter()
            open_app(page, f"{url}/", "Pain points of")
            out["second load"] = round(time.perf_counter() - started - 1.5, 2)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=REPO / "voc-data" / "voc.duckdb")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time pages in Chromium")
    parser.add_argument(
        "--first-load",
        type=int,
        metavar="N",
        default=0,
        help="only time `voc ui` to ready and its first browser load, N times, on the store",
    )
    args = parser.parse_args(argv)
    if not args.store.exists():
        print(f"no store at {args.store}: run `make demo` first", file=sys.stderr)
        return 2
    if args.first_load:
        config = _config(args.store, "first-load")
        runs = [first_load(config) for _ in range(args.first_load)]
        for run in runs:
            print(json.dumps(run))
        worst = {k: max(r[k] for r in runs) for k in runs[0]}
        print(json.dumps({"benchmark": "ui-first-load", "runs": len(runs), "worst": worst}))
        return 0
    from voc.query import weekly_records
    from voc.store.warehouse import Warehouse

    stores = {"demo": args.store, "200k": build_large_store(args.store, args.records)}
    result: dict[str, Any] = {"benchmark": "ui", "stores": {}}
    for name, store in stores.items():
        with Warehouse(store, read_only=True) as opened:
            records = int(opened.query("SELECT count(*) AS n FROM feedback")["n"].iloc[0])
            weeks = sorted(weekly_records(opened), reverse=True)
        config = _config(store, name)
        entry: dict[str, Any] = {"records": records, "aim_s": AIMS[name]}
        entry["script"] = script_times(config, args.repeats)
        if args.browser:
            entry["browser"] = browser_times(config, weeks[1] if len(weeks) > 1 else weeks[0])
        result["stores"][name] = entry
    print(markdown(result))
    print(json.dumps(result))
    return 0


def markdown(result: dict[str, Any]) -> str:
    """The table of page load times (seconds)."""
    lines = [
        "| store | records | page | script cold (median / worst) | script warm | browser | aim |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in result["stores"].items():
        browser = entry.get("browser", {})
        for page, times in entry["script"].items():
            seen = browser.get(page)
            lines.append(
                f"| {name} | {entry['records']:,} | {page} | {times['cold_median']} / "
                f"{times['cold_worst']} | {times['warm_median']} | "
                f"{'-' if seen is None else seen} | < {entry['aim_s']:g} s |"
            )
        if "start to ready" in browser:
            lines.append(
                f"| {name} | {entry['records']:,} | `voc ui` start to ready | | | "
                f"{browser['start to ready']} | |"
            )
        if "first load after start" in browser:
            lines.append(
                f"| {name} | {entry['records']:,} | first load after `voc ui` starts | | | "
                f"{browser['first load after start']} | |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
