"""How long a product manager waits for an answer on the demo store.

For each question, two times:

- **CLI, cold**: the wall time of the whole ``voc ...`` command in a new process (Python
  start-up, imports, opening the store, the query, the printed table; for ``search`` also
  loading the embedder), the median and the worst of ``--repeats`` runs. The aim is under
  2 s each.
- **Python, warm**: the ``voc.query`` call alone in a process that already answered once
  (a notebook's second question), the median of ``--repeats`` calls.

The store is ``voc-data/voc.duckdb`` (``make demo`` builds it); ``--store`` takes another.

    python -m bench.queries [--store voc-data/voc.duckdb] [--repeats 5]

Prints a markdown table, then one JSON line (read by ``bench.run``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.tables import markdown

AIM_SECONDS = 2.0


def _questions(store_path: Path, topic: int, week: str) -> list[tuple[str, list[str], Any]]:
    from voc import query

    return [
        ("trends", ["trends"], lambda s: query.trends(s)),
        (
            "trends of a topic",
            ["trends", "--topic", str(topic)],
            lambda s: query.trends(s, topic=topic),
        ),
        (
            "pain-points",
            ["pain-points", "--week", week],
            lambda s: query.pain_points(s, week=week),
        ),
        ("topics", ["topics"], lambda s: query.topics(s)),
        (
            "topics show",
            ["topics", "show", str(topic)],
            lambda s: query.topic_detail(s, topic),
        ),
        (
            "search",
            ["search", "parcel never arrived"],
            lambda s: query.search(s, "parcel never arrived"),
        ),
    ]


def _cli_seconds(
    args: list[str], config: Path, repeats: int, env: dict[str, str] | None = None
) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "voc.cli", *args, "--config", str(config)],
            capture_output=True,
            check=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "160", **(env or {})},
        )
        times.append(time.perf_counter() - started)
    return times


def _warm_seconds(call: Callable[[Any], Any], store: Any, repeats: int) -> list[float]:
    call(store)  # the first answer loads what later ones reuse
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call(store)
        times.append(time.perf_counter() - started)
    return times


def run(store_path: Path, repeats: int) -> dict[str, Any]:
    from voc import query
    from voc.store.warehouse import Warehouse

    if not store_path.exists():
        raise SystemExit(f"no store at {store_path}: run `make demo` first")
    with Warehouse(store_path, read_only=True) as store:
        default = query.default_week(store)
        week = default.week if default is not None else ""
        ranked = query.pain_points(store, week="2026-W45")
        week = "2026-W45" if len(ranked) else week
        topic = int(ranked["topic_id"].iloc[0]) if len(ranked) else 0
        counts = store.query(
            "SELECT (SELECT count(*) FROM feedback) AS records, "
            "(SELECT count(*) FROM sentences) AS sentences"
        ).iloc[0]
    questions = _questions(store_path, topic, week)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "voc.yaml"
        config.write_text(f"store:\n  path: {store_path.resolve()}\n", encoding="utf-8")
        # The very first search on a machine also builds the model cache
        # (voc.models.embedders.model_cache_dir); every later one maps it back in.
        first_search = _cli_seconds(
            ["search", "parcel never arrived"], config, 1, {"VOC_CACHE_DIR": str(Path(tmp) / "c")}
        )[0]
        cold = {name: _cli_seconds(args, config, repeats) for name, args, _ in questions}
    with Warehouse(store_path, read_only=True) as store:
        warm = {name: _warm_seconds(call, store, repeats) for name, _, call in questions}
    rows = [
        {
            "question": name,
            "command": "voc " + " ".join(args),
            "cli_cold_median_s": round(statistics.median(cold[name]), 2),
            "cli_cold_worst_s": round(max(cold[name]), 2),
            "python_warm_median_s": round(statistics.median(warm[name]), 4),
            "under_2s": max(cold[name]) < AIM_SECONDS,
        }
        for name, args, _ in questions
    ]
    return {
        "benchmark": "queries",
        "store": str(store_path),
        "records": int(counts["records"]),
        "sentences": int(counts["sentences"]),
        "repeats": repeats,
        "first_search_empty_cache_s": round(first_search, 2),
        "rows": rows,
    }


def table(result: dict[str, Any]) -> str:
    """The result as a markdown table."""
    return markdown(
        [
            {
                "command": r["command"],
                "CLI cold, median s": r["cli_cold_median_s"],
                "CLI cold, worst s": r["cli_cold_worst_s"],
                "Python warm, median s": r["python_warm_median_s"],
                "under 2 s": "yes" if r["under_2s"] else "no",
            }
            for r in result["rows"]
        ],
        "no queries",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("voc-data/voc.duckdb"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    result = run(args.store, args.repeats)
    print(
        f"queries on {result['store']} ({result['records']} records, "
        f"{result['sentences']} sentences), {result['repeats']} runs each:"
    )
    print(table(result))
    print(
        f"the first search on a machine, which also writes the model cache: "
        f"{result['first_search_empty_cache_s']} s"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
