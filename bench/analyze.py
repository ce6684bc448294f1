"""``voc analyze`` throughput and peak memory on real feedback, in a process of its own.

    python -m bench.analyze --corpus short|reviews [--rows 5000] [--topics store|fit]
                            [--pss-every SECONDS]

The store's flow, as ``voc analyze`` runs it (the library calls its Prefect tasks wrap,
without Prefect's start-up, which ``bench.run`` measures apart): the first ``--rows``
distinct texts of a corpus (the ones ``bench.enrich`` reads) are ingested into a fresh
store, then analysed: ``analyze-pending`` (sentences, sentiment, touchpoints, in chunks of
``analysis.chunk_size``, embeddings through the store's cache), ``update-topics`` and
``update-insights`` (pain points, survey metrics), with ``configs/voc.yaml``'s models and
settings. Prints one JSON line: rows, model loading seconds (reported apart), analysis
seconds and rows/s (the three steps), seconds per step, the CPU seconds of the analysis
(this process and its forked copies), peak RSS of this process and the largest of its
forked copies (the two added bound the memory from above), and the peak of their
proportional set sizes added while the measured rows are analysed (shared pages once),
sampled every ``--pss-every`` seconds (0.2), with the CPU seconds the sampling took
(``sampler_cpu_s``: reading a 2 GB process's PSS costs tens of milliseconds of kernel
time, counted in the analysis's CPU seconds and taken from its two cores: 0.4-1.2 of a
short run's ~9 CPU s). ``--pss-every 0`` samples nothing, so its rows/s are voc's alone;
``make bench`` takes the speed from such a run and the peak PSS from a sampled one.

Topics (``--topics``):

* ``store`` (the default; the usual case: every run after the first): before the
  measured rows, the next ``--rows`` texts of the corpus are ingested and analysed (the
  first run, not timed), which fits the store's topic model; the measured rows, stored in
  the same week, are then assigned to those topics (no refit is due).
* ``fit``: the measured rows are the store's first; ``update-topics`` fits the model.

Every row is dated in one ISO week (2026-W45), so a run never refits for a new week.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.enrich import corpus_texts
from bench.scale import TreeSampler

WEEK_DAY = "2026-11-04T12:00:00"  # a Wednesday of 2026-W45
CHANNELS = {"short": "app_store", "reviews": "review"}


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class TreePss(TreeSampler):
    """Peak proportional set size of this process and its forked copies added (sampled
    every 0.2 s from /proc/PID/smaps_rollup): pages they share count once, so unlike two
    peak RSS figures added this is the memory the run holds (Linux only; 0 elsewhere)."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(interval)
        self.peak_mb = 0.0

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:  # gone, or not Linux
            pass
        return 0

    def sample(self, processes: list[Any]) -> None:
        pss_kb = sum(self._pss_kb(process.pid) for process in processes)
        self.peak_mb = max(self.peak_mb, pss_kb / 1024)


def _write_source(texts: list[str], path: Path, first_id: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "created_at", "text"])
        for n, text in enumerate(texts, start=first_id):
            writer.writerow([n, WEEK_DAY, text])


def _ingest(store: Any, config: Any, texts: list[str], folder: Path, name: str, first: int) -> int:
    from voc.config import SourceConfig
    from voc.ingest import ingest_source

    path = folder / f"{name}.csv"
    _write_source(texts, path, first)
    source = SourceConfig(
        name=name,
        path=str(path),
        channel=CHANNELS[config["corpus"]],
        text_col="text",
        id_col="id",
        time_col="created_at",
    )
    return ingest_source(source, store, config["settings"].ingest, f"bench-{name}").stored


def _analyze(store: Any, analyzer: Any, settings: Any, run_id: str) -> dict[str, Any]:
    """The analyze flow's three steps (pipelines/analyze.py), each timed."""
    from voc.insights.painpoints import compute_pain_points, compute_survey_metrics
    from voc.pending import analyze_pending
    from voc.topics.store import update_topics

    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    summary = analyze_pending(store, analyzer, run_id, chunk_size=settings.analysis.chunk_size)
    seconds["analyze_pending"] = time.perf_counter() - clock
    clock = time.perf_counter()
    topics = update_topics(
        store,
        analyzer.embedder_name,
        run_id,
        labels=settings.topics.labels,
        label_language=settings.digest.language,
        vector_map=settings.topics.map_name,
    )["topics"]
    seconds["update_topics"] = time.perf_counter() - clock
    clock = time.perf_counter()
    compute_pain_points(store, run_id)
    compute_survey_metrics(store, run_id)
    seconds["update_insights"] = time.perf_counter() - clock
    return {"summary": summary, "topics": topics, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="short", choices=sorted(CHANNELS))
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument(
        "--topics",
        default="store",
        choices=["store", "fit"],
        help="store: assign the measured rows to topics a first run fitted; fit: fit them",
    )
    parser.add_argument(
        "--config", default=None, help="models and settings (default: configs/voc.yaml)"
    )
    parser.add_argument(
        "--pss-every",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="seconds between PSS samples (each reads /proc/PID/smaps_rollup of the process "
        "and its forks: 25-50 ms of CPU while the analysis holds ~2 GB, counted in "
        "analysis_cpu_s; sampler_cpu_s says how much); 0: no sampling, so the speed is "
        "voc's alone (make bench times a run without and takes the memory from one with)",
    )
    args = parser.parse_args(argv)

    from voc.analysis import Analyzer
    from voc.config import load_config
    from voc.store.warehouse import Warehouse

    settings = load_config(args.config)
    texts = corpus_texts(args.corpus)
    measured = texts[: args.rows]
    first_run = texts[args.rows : 2 * args.rows] if args.topics == "store" else []
    if args.topics == "store" and len(first_run) < args.rows:
        raise SystemExit(f"{args.corpus} has {len(texts)} texts: too few for 2 x {args.rows}")
    context = {"corpus": args.corpus, "settings": settings}
    result: dict[str, Any] = {
        "benchmark": "analyze",
        "corpus": args.corpus,
        "sentiment_model": settings.analysis.sentiment_model,
        "chunk_size": settings.analysis.chunk_size,
        "rows": len(measured),
        "chars_per_row": round(sum(map(len, measured)) / max(len(measured), 1), 1),
    }
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "voc.duckdb") as store:
        folder = Path(tmp)
        clock = time.perf_counter()
        analyzer = Analyzer.load(
            settings.analysis.sentiment_model, str(settings.taxonomy) if settings.taxonomy else None
        )
        result["model_loading_s"] = round(analyzer.warm_up(), 2)
        result["model_loading_wall_s"] = round(time.perf_counter() - clock, 2)
        if first_run:
            clock = time.perf_counter()
            _ingest(store, context, first_run, folder, "first", len(measured))
            first = _analyze(store, analyzer, settings, "bench-first")
            result["first_run_s"] = round(time.perf_counter() - clock, 2)
            result["first_run_topics"] = first["topics"]["action"]
        clock = time.perf_counter()
        result["stored"] = _ingest(store, context, measured, folder, "measured", 0)
        result["ingest_s"] = round(time.perf_counter() - clock, 2)
        cpu = _cpu_seconds()
        clock = time.perf_counter()
        memory = TreePss(args.pss_every)
        with memory if args.pss_every > 0 else contextlib.nullcontext():
            run = _analyze(store, analyzer, settings, "bench-measured")
        analysis_s = time.perf_counter() - clock
        cpu = _cpu_seconds() - cpu
    summary, topics = run["summary"], run["topics"]
    result |= {
        "topics_from": {"assign": "store", "refit": "fit"}.get(topics["action"], topics["action"]),
        "topics_reason": topics.get("reason") or "",
        "analyzed": summary.analyzed,
        "sentences_per_row": round(summary.sentences / max(summary.analyzed, 1), 2),
        "embedded": summary.embedded,
        "cached": summary.cached,
        "analysis_s": round(analysis_s, 2),
        "rows_per_s": round(summary.analyzed / analysis_s, 1) if analysis_s else 0.0,
        "analysis_cpu_s": round(cpu, 2),
        "flow_steps_s": {step: round(value, 2) for step, value in run["seconds"].items()},
        "steps_s": {
            step: round(summary.seconds.get(step, 0.0), 2)
            for step in ("split", "embed", "sentiment", "touchpoints")
        },
        # Forked copies (touchpoints beside sentiment, half of a topic fit's keyword
        # tagging) share this process's pages until they write them: their peak counts the
        # shared ones too, so the two added bound the memory from above.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_forks_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "peak_pss_mb": round(memory.peak_mb) if args.pss_every > 0 else None,
        # What the PSS sampling itself cost (in analysis_cpu_s, and a core's share of it
        # taken from the analysis while it ran): not voc's.
        "pss_every_s": args.pss_every,
        "sampler_cpu_s": round(memory.cpu_s, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
