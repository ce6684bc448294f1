"""`make bench`: speed, memory and quality on the real data in ../shared/data.

Each measurement runs in a process of its own so its peak memory is its own. Results are
printed as a table and written to bench/out/results.json; docs/benchmarks.md keeps the
latest figures with the machine they came from.

    python -m bench.run [--rows 200000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def _run(module: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return {"benchmark": module, "error": completed.stderr.strip().splitlines()[-1:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _flow_startup_seconds() -> float:
    """Wall time of the Prefect ingest flow on an empty ad-hoc file: the fixed cost a
    `voc ingest` pays on top of the rows/s below."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "one.csv"
        data.write_text("id,text\n1,The parcel arrived on time\n", encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "voc.cli",
                "ingest",
                str(data),
                "--channel",
                "review",
                "--text-col",
                "text",
                "--id-col",
                "id",
                "--format",
                "json",
            ],
            cwd=tmp,
            capture_output=True,
            check=True,
            env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"},
        )
        return round(time.perf_counter() - started, 1)


def _analysis_benchmarks(quick: bool) -> list[dict]:
    """Sentiment (ours vs VADER / asari), touchpoints (ours vs keywords only), enrich speed."""
    out = [
        {"benchmark": "sentiment", **_run("bench.sentiment", "--speed-items", "500")},
        _run("bench.touchpoints"),
    ]
    rows = "1000" if quick else "5000"
    for corpus in ("reviews", "short", "ja"):
        out.append(_run("bench.enrich", "--corpus", corpus, "--rows", rows))
    topics = ("--quick", "--repeats", "1") if quick else ()
    out.append({"benchmark": "topics", **_run("bench.topics", *topics)})
    # Analysis time per MB for short and very long records (issue 13: poison records).
    sizes = ("--sizes", "1000,100000,5000000") + (("--total", "50000") if quick else ())
    out.append({"benchmark": "long_records", **_run("bench.long_records", *sizes)})
    return out


def _print_analysis_tables(results: list[dict]) -> None:
    from bench import sentiment, topics

    for item in results:
        kind = item.get("benchmark")
        if "error" in item and kind in ("sentiment", "touchpoints", "enrich", "bench.sentiment"):
            print(f"\n{kind}: failed: {item['error']}")
        elif kind == "sentiment":
            print("\nsentiment, 3-class macro-F1 on never-trained sets, through the analyser:")
            print(sentiment.markdown(sentiment.never_trained_rows(item)))
            if item.get("training_seconds"):
                print(f"sentiment training run: {item['training_seconds']} s")
            print("\nsentiment, 3-class macro-F1 on held-out test splits (stars 1-2/3/4-5):")
            print(sentiment.markdown(sentiment.rows(item)))
        elif kind == "touchpoints":
            from bench import touchpoints

            print(
                "\ntouchpoints, ours vs keyword-only on the same taxonomy (app reviews: the "
                "half the relevance model never saw; laptops: measuring only; "
                "python -m bench.touchpoints):"
            )
            print(touchpoints.markdown(item))
    for item in results:
        if item.get("benchmark") == "topics":
            if "error" in item:
                print(f"\ntopics: failed: {item['error']}")
            else:
                print("\ntopics, ours vs BERTopic on the same documents (see bench/topics.py):")
                print(topics.markdown(topics.rows(item)))
    for item in results:
        if item.get("benchmark") == "long_records":
            from bench import long_records

            if "error" in item:
                print(f"\nlong records: failed: {item['error']}")
            else:
                print(
                    "\nanalysis time per MB of text, short and very long records (records "
                    f"analysed up to {item['max_record_chars']:,} characters, the rest counted):"
                )
                print(long_records.markdown(item))
    enrich = [r for r in results if r.get("benchmark") == "enrich" and "error" not in r]
    if enrich:
        print("\nvoc enrich (CSV in, Parquet out; default models; models loaded apart):")
        print("| corpus | rows | chars/row | sentences/row | rows/s | model loading s | peak MB |")
        print("|---|---|---|---|---|---|---|")
        for r in enrich:
            print(
                f"| {r['corpus']} | {r['rows']} | {r['chars_per_row']} | {r['sentences_per_row']} "
                f"| {r['rows_per_s']} | {r['model_loading_s']} | {r['peak_rss_mb']} |"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows for the ingest benchmark")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument(
        "--skip-analysis", action="store_true", help="only ingest (no sentiment/touchpoints/enrich)"
    )
    parser.add_argument(
        "--scale-records",
        type=int,
        default=200_000,
        help="records of the end-to-end scale run (issue 15; also run at a tenth of it)",
    )
    args = parser.parse_args(argv)
    rows = 20_000 if args.quick else args.rows
    results = []
    print(
        f"voc bench on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()})"
    )
    print("ingest: women's clothing reviews repeated to N rows; regex redaction")
    results.append(_run("bench.ingest", "--rows", str(rows)))
    results.append(_run("bench.ingest", "--rows", str(rows // 4)))  # memory must not grow with N
    results.append(_run("bench.ingest", "--rows", str(rows // 4), "--ner"))
    results.append(
        {
            "benchmark": "pii_corpus",
            **json.loads(
                subprocess.run(
                    [sys.executable, "-m", "bench.pii"], capture_output=True, text=True, check=True
                )
                .stdout.strip()
                .splitlines()[-1]
            ),
        }
    )
    results.append({"benchmark": "prefect_flow_startup", "seconds": _flow_startup_seconds()})

    if not args.skip_analysis:
        results.extend(_analysis_benchmarks(args.quick))
    # The product manager's questions on the demo store (`make bench` builds it first).
    results.append(_run("bench.queries", "--repeats", "3" if args.quick else "5"))
    # The web app's page loads, demo store and 200k records (issue 14).
    results.append(_run("bench.ui", "--repeats", "1" if args.quick else "3", "--browser"))
    if not args.skip_analysis:
        results.extend(_scale_benchmarks(args.quick, args.scale_records))

    header = f"{'benchmark':<22}{'rows':>9}{'ner':>6}{'seconds':>9}{'rows/s':>9}{'peak MB':>9}"
    print(header)
    print("-" * len(header))
    for item in results:
        if item.get("benchmark") == "ingest" and "error" not in item:
            print(
                f"{'ingest':<22}{item['rows']:>9}{'yes' if item['ner'] else 'no':>6}{item['seconds']:>9}{item['rows_per_s']:>9}{item['peak_rss_mb']:>9}"
            )
        elif item.get("benchmark") == "pii_corpus":
            print(
                f"pii corpus: recall {item['recall']:.3f}, over-redaction {item['over_redaction']:.3f} "
                f"({item['planted']} planted values, {item['survivors']} ordinary sentences; NER on for names)"
            )
            if "held_out_recall" in item:
                print(
                    f"pii held-out part (never tuned on): recall {item['held_out_recall']:.3f}, "
                    f"over-redaction {item['held_out_over_redaction']:.3f} "
                    f"({item['held_out_planted']} planted, {item['held_out_survivors']} ordinary)"
                )
        elif item.get("benchmark") == "prefect_flow_startup":
            print(
                f"prefect flow start-up (one `voc ingest` of a one-row file): {item['seconds']} s"
            )
        elif item.get("benchmark") in (
            "sentiment",
            "touchpoints",
            "enrich",
            "topics",
            "queries",
            "long_records",
            "ui",
        ):
            continue  # printed as tables below
        else:
            print(f"{item.get('benchmark')}: {item}")
    _print_analysis_tables(results)
    for item in results:
        if item.get("benchmark") == "queries":
            from bench import queries

            print(f"\nqueries on the demo store ({item['records']} records), aim < 2 s each:")
            print(queries.table(item))
            print(
                f"first search on a machine (builds the model cache): {item['first_search_empty_cache_s']} s"
            )
        elif item.get("benchmark") == "bench.queries":
            print(f"\nqueries: failed: {item['error']}")
    for item in results:
        if item.get("benchmark") == "ui":
            from bench import ui

            print("\nweb app page loads, seconds (python -m bench.ui):")
            print(ui.markdown(item))
        elif item.get("benchmark") == "bench.ui":
            print(f"\nweb app: failed: {item['error']}")
    _print_scale_tables(results)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written: {OUT / 'results.json'}")
    return 0


# -- issue 15: in-process speed (point 4) beside the end-to-end scale run (point 5) ---------


def _scale_benchmarks(quick: bool, records: int) -> list[dict]:
    """``voc enrich`` and ``voc analyze`` speeds against the aims of issue 15, and
    ``bench.scale``."""
    rows = "1000" if quick else "5000"
    out = []
    for corpus, extra in (
        ("short", ()),
        ("short", ("--store", "voc-data/voc.duckdb")),
        ("reviews", ()),
    ):
        if extra and not Path(extra[1]).exists():
            continue
        result = _run("bench.enrich", "--corpus", corpus, "--rows", rows, *extra)
        out.append({**result, "benchmark": "speed15", "corpus": corpus})
    # `voc analyze`, the store's flow: the measured rows assigned to the topics a first
    # run fitted (every run after the first).
    # Two runs each: the speed from one that samples no memory (reading a 2 GB process's
    # PSS five times a second takes CPU from the analysis it measures), the peak PSS from
    # one that does.
    for corpus in ("short", "reviews"):
        result = _run("bench.analyze", "--corpus", corpus, "--rows", rows, "--pss-every", "0")
        memory = _run("bench.analyze", "--corpus", corpus, "--rows", rows)
        result["peak_pss_mb"] = memory.get("peak_pss_mb")
        result["rows_per_s_sampled"] = memory.get("rows_per_s")
        out.append({**result, "benchmark": "analyze15", "corpus": corpus})
    scale = _run("bench.scale", "--records", str(2_000 if quick else records))
    out.append({**scale, "benchmark": "scale15"})
    return out


def _speed_row(result: dict[str, Any], rows: Any, after: list[Any]) -> None:
    """One row of the issue-15 speed tables: corpus, topics, rows, rows/s against the aim
    (long reviews 400/s, short 1,000/s), then ``after``'s cells; a failed run says why."""
    if "error" in result:
        print(f"| {result['corpus']} | failed: {result['error']} |" + " |" * (4 + len(after)))
        return
    aim = 400 if result["corpus"] == "reviews" else 1000
    met = "yes" if result["rows_per_s"] >= aim else "no"
    cells = [result["corpus"], result.get("topics_from", ""), rows, result["rows_per_s"], aim, met]
    print("| " + " | ".join(str(cell) for cell in [*cells, *after]) + " |")


def _print_scale_tables(results: list[dict]) -> None:
    from bench import scale

    speeds = [r for r in results if r.get("benchmark") == "speed15"]
    analyses = [r for r in results if r.get("benchmark") == "analyze15"]
    runs = [r for r in results if r.get("benchmark") == "scale15"]
    if not speeds and not analyses and not runs:
        return
    print(f"\nissue 15 on {scale.machine_description()}")
    if speeds:
        print("in-process `voc enrich` (models loaded apart; aims: short 1,000/s, long 400/s):")
        print("| corpus | topics | rows | rows/s | aim | met | model loading s | peak MB |")
        print("|---|---|---|---|---|---|---|---|")
    for r in speeds:
        _speed_row(r, r.get("rows"), [r.get("model_loading_s"), r.get("peak_rss_mb")])
    if analyses:
        print(
            "\nin-process `voc analyze` (`python -m bench.analyze`: a fresh store, the rows "
            "assigned to the topics a first run fitted; models loaded apart; CPU s: this "
            "process and its forked copies; peak RSS: this process + the largest copy; peak "
            "PSS: the two added, shared pages once, from a second run that samples it every "
            "0.2 s, whose rows/s, slowed by the sampling, are beside):"
        )
        print(
            "| corpus | topics | rows | rows/s | aim | met | CPU s | model loading s | "
            "peak RSS MB | peak PSS MB | rows/s while sampled |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in analyses:
        _speed_row(
            r,
            r.get("analyzed"),
            [
                r.get("analysis_cpu_s"),
                r.get("model_loading_s"),
                f"{r.get('peak_rss_mb')} + {r.get('peak_rss_forks_mb')}",
                r.get("peak_pss_mb"),
                r.get("rows_per_s_sampled"),
            ],
        )
    for r in runs:
        if "error" in r or not r.get("runs"):
            print(f"scale: failed: {r.get('error') or r.get('skipped')}")
            continue
        print("\nend to end (`python -m bench.scale`):")
        print(scale.markdown(r["runs"], r.get("cluster")))


if __name__ == "__main__":
    sys.exit(main())
