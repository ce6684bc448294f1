"""A million a week (issue 15, point 5): the whole pipeline on N generated records.

    python -m bench.scale [--records 200000] [--small 20000] [--cluster 2] [--only N]

Generates N realistic records from the real texts in ../shared/data that may be read,
then runs ingest, analysis, topics, pain points and the digest end to end in this machine's
process (the library calls the Prefect tasks wrap, without Prefect's start-up, measured
apart by ``bench.run``), and prints throughput, wall time and peak memory per stage.
Each size runs in a process of its own (``--only N``), so its peak memory is its own:
``--records`` and ``--small`` are both measured, to show whether memory stays flat as the
input grows.

The records: four sources, one per channel, with the channel's real texts resampled
(seeded): women's clothing reviews (``review``, ~300 characters, 40 %), Google Play app
reviews (``app_store``, 30 %), VADER tweets and GoEmotions Reddit comments (``social``,
25 %) and CFPB complaint narratives (``support``, 5 %), each record with its own id, a
time spread uniformly over the 12 ISO weeks 2026-W35..W46, and a rating where the source
has one. A text drawn again gets one word left out of each of its sentences of four words
or more (first draw as written), so that a resampled record costs what a new one would:
the store's embedding cache would otherwise answer its sentences for free. Sentences of
under four words ("Love it!") repeat as they do in real feedback.

Scaling out: the per-machine rate is the records analysed (and ingested) per second of
work that does not wait for the store (ingest writes inline; the analysis writes on a
thread beside it, so only the time it waited for that thread is taken off); the single
writer's rate is the records committed
per second of store writes (feedback rows, analyses, sentences, embeddings, topic
assignments), timed around the store's own write calls. With N machines, a million
records take about ``max(1e6 / (N * machine rate), 1e6 / writer rate)`` plus the serial
steps (topic refit, pain points, digest); the writer binds from ``N = writer rate /
machine rate``. With ``--cluster 2`` the same run goes through the config's
``execution: dask`` switch on a local cluster of 2 worker processes, when this checkout
has it (otherwise the table says "not available").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any, Self

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: (source name, channel, share of the records)
CHANNELS = (
    ("reviews", "review", 0.40),
    ("app_reviews", "app_store", 0.30),
    ("social", "social", 0.25),
    ("support", "support", 0.05),
)
FIRST_MONDAY = datetime(2026, 8, 24)  # 2026-W35
WEEKS = 12
MACHINE_COUNTS = (1, 2, 4, 8, 16, 32)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# -- the records ----------------------------------------------------------------------------


def _csv_column(path: Path, text: str, rating: str | None = None) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (row[text].strip(), (row[rating] or "").strip() if rating else "")
            for row in csv.DictReader(handle)
            if (row.get(text) or "").strip()
        ]


def channel_texts(shared: Path = SHARED_DATA) -> dict[str, list[tuple[str, str]]]:
    """The real (text, rating) pool of each source, from files that may be read."""
    tweets = [
        (line.split("\t")[2].strip(), "")
        for line in (shared / "vader_ground_truth" / "tweets_GroundTruth.txt")
        .read_text(encoding="utf-8", errors="replace")
        .splitlines()
        if line.count("\t") >= 2 and line.split("\t")[2].strip()
    ]
    reddit = [
        (line.split("\t")[2].strip(), "")
        for line in (shared / "goemotions_sentiment_train.tsv")
        .read_text(encoding="utf-8")
        .splitlines()[1:]
        if line.count("\t") >= 2 and line.split("\t")[2].strip()
    ]
    return {
        "reviews": _csv_column(shared / "womens_clothing_reviews.csv", "Review Text", "Rating"),
        "app_reviews": _csv_column(
            shared / "app_reviews_urr_regex.csv", "reviewText", "ratingStars"
        )
        + _csv_column(shared / "app_reviews_urr_golden.csv", "reviewText", "ratingStars"),
        "social": list(chain(tweets, reddit)),
        "support": _csv_column(
            shared / "cfpb_complaints_sample.csv", "Consumer complaint narrative"
        ),
    }


def vary(text: str, rng: random.Random) -> str:
    """``text`` with one word left out of each sentence of four words or more."""
    out = []
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split(" ")
        if len(words) >= 4:
            del words[rng.randrange(1, len(words))]
        out.append(" ".join(words))
    return " ".join(out)


def write_sources(records: int, folder: Path, seed: int = 15) -> list[dict[str, Any]]:
    """Write one CSV per source (``id, created_at, text, rating``); returns the sources."""
    rng = random.Random(seed)
    pools = channel_texts()
    sources = []
    span = WEEKS * 7 * 24 * 3600
    left = records
    for position, (name, channel, share) in enumerate(CHANNELS):
        count = left if position == len(CHANNELS) - 1 else round(records * share)
        left -= count
        pool = pools[name]
        drawn: dict[int, int] = {}
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "created_at", "text", "rating"])
            for n in range(count):
                index = rng.randrange(len(pool))
                text, rating = pool[index]
                times = drawn.get(index, 0)
                drawn[index] = times + 1
                if times:
                    text = vary(text, rng)
                when = FIRST_MONDAY + timedelta(seconds=rng.randrange(span))
                writer.writerow([f"{name}-{n}", when.isoformat(), text, rating])
        sources.append(
            {
                "name": name,
                "path": str(path),
                "channel": channel,
                "text_col": "text",
                "id_col": "id",
                "time_col": "created_at",
                **(
                    {"rating_col": "rating", "rating_scale": "stars5"}
                    if name in ("reviews", "app_reviews")
                    else {}
                ),
                "records": count,
            }
        )
    return sources


# -- measuring ------------------------------------------------------------------------------


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its waited-for children), MB."""
    return resource.getrusage(who).ru_maxrss / 1024


def current_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class WriteClock:
    """Seconds spent in the store's write calls (the work a single writer does)."""

    METHODS = ("write_batch", "write_analysis", "store_embeddings", "replace_topics", "assign")

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, target: Any, name: str) -> None:
        """Time ``target.name``: a module's function, or a class's method (so every
        instance is timed, the analyse step's writer connection too: an instance's own
        attribute would be copied onto that connection still bound to the first one)."""
        original = getattr(target, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        self._undo.append((target, name, vars(target).get(name)))
        setattr(target, name, timed)

    def restore(self) -> None:
        """Undo every :meth:`wrap`, last first."""
        while self._undo:
            target, name, own = self._undo.pop()
            if own is None:
                delattr(target, name)
            else:
                setattr(target, name, own)


class Stages:
    """Wall time, peak memory so far and the store's write time of each stage."""

    def __init__(self, clock: WriteClock) -> None:
        self.clock = clock
        self.rows: list[dict[str, Any]] = []
        self._sampled = 0.0
        self._stop = threading.Event()

    def run(self, name: str, records: int, function: Callable[[], Any]) -> Any:
        writes_before = self.clock.seconds
        cpu_before = sum(os.times()[:4])  # this process and its waited-for children
        started = time.perf_counter()
        self._sampled = current_mb()
        self._stop.clear()
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        try:
            result = function()
        finally:
            self._stop.set()
            sampler.join()
        seconds = time.perf_counter() - started
        writes = self.clock.seconds - writes_before
        self.rows.append(
            {
                "stage": name,
                "records": records,
                "seconds": round(seconds, 2),
                "cpu_s": round(sum(os.times()[:4]) - cpu_before, 1),
                "records_per_s": round(records / seconds, 1) if seconds > 0 and records else None,
                "store_write_s": round(writes, 2),
                "stage_peak_rss_mb": round(max(self._sampled, current_mb())),
                "process_peak_rss_mb": round(peak_mb()),
                "children_peak_rss_mb": round(peak_mb(resource.RUSAGE_CHILDREN)),
            }
        )
        return result

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self._sampled = max(self._sampled, current_mb())


_STARTED = time.perf_counter()


def _progress(done: int, total: int) -> None:
    elapsed = time.perf_counter() - _STARTED
    print(
        f"[scale] analysed {done:,}/{total:,} at {elapsed:.0f} s, rss {current_mb():.0f} MB, "
        f"peak {peak_mb():.0f} MB, cpu {sum(os.times()[:2]):.0f} s",
        file=sys.stderr,
        flush=True,
    )


def run_in_process(records: int, folder: Path) -> dict[str, Any]:
    """Generate, then ingest → analyse → topics → pain points → digest in this process."""
    from voc.analysis import Analyzer
    from voc.config import IngestConfig, SourceConfig
    from voc.digest.data import gather
    from voc.digest.render import Renderer
    from voc.ingest import ingest_source
    from voc.insights.painpoints import compute_pain_points
    from voc.pending import analyze_pending
    from voc.store import topics as topic_store
    from voc.store.warehouse import Warehouse
    from voc.topics.store import update_topics

    clock = WriteClock()
    stages = Stages(clock)
    started = time.perf_counter()
    sources = write_sources(records, folder)
    generate_s = time.perf_counter() - started
    for name in ("replace_topics", "add_assignments"):
        if hasattr(topic_store, name):
            clock.wrap(topic_store, name)
    out: dict[str, Any] = {"records": records, "generate_s": round(generate_s, 1)}
    for name in ("write_batch", "write_analysis", "store_embeddings"):
        clock.wrap(Warehouse, name)
    try:
        with Warehouse(folder / "voc.duckdb") as store:
            settings = IngestConfig()

            def ingest() -> int:
                stored = 0
                for source in sources:
                    config = SourceConfig(**{k: v for k, v in source.items() if k != "records"})
                    stored += ingest_source(config, store, settings, "bench-scale-ingest").stored
                return stored

            out["stored"] = stages.run("ingest", records, ingest)
            clock_load = time.perf_counter()
            analyzer = Analyzer.load()
            analyzer.warm_up()
            out["model_loading_s"] = round(time.perf_counter() - clock_load, 1)
            summary = stages.run(
                "analyse",
                records,
                lambda: analyze_pending(store, analyzer, "bench-scale-analyze", progress=_progress),
            )
            out["sentences"] = summary.sentences
            # The analysis' writes run on a writer thread beside it (voc/pending.py): what
            # they cost this stage is the time the analysis waited for them.
            stages.rows[-1]["waited_for_writes_s"] = round(
                summary.seconds.get("waiting_for_writes", 0.0), 2
            )
            out["analysis_steps_s"] = {k: round(v, 1) for k, v in summary.seconds.items()}
            topics = stages.run(
                "topics",
                summary.sentences,
                lambda: update_topics(store, analyzer.embedder_name, "bench-scale-analyze"),
            )
            out["topics"] = (
                topics["topics"].get("topics") if isinstance(topics["topics"], dict) else None
            )
            stages.run(
                "pain points", records, lambda: compute_pain_points(store, "bench-scale-analyze")
            )

            def digest() -> str:
                week = "2026-W46"
                rendered = Renderer(gather(store, week, timezone="UTC"))
                return str(rendered.write(str(folder / "reports")).html)

            stages.run("digest", 0, digest)
        out["stages"] = stages.rows
        out["store_mb"] = round((folder / "voc.duckdb").stat().st_size / 2**20)
        out["writer"] = {"seconds": round(clock.seconds, 2), "calls": clock.calls}
        return out
    finally:
        clock.restore()


class TreeSampler:
    """Samples this process and its descendants every ``interval`` seconds on a thread,
    while in a ``with`` block: subclasses say what :meth:`sample` keeps of them.
    ``cpu_s`` is the CPU time the sampling took (user and system, its thread's): it is
    counted in this process's CPU time and takes a core from what is measured."""

    def __init__(self, interval: float = 0.2) -> None:
        import psutil

        self.interval = interval
        self.cpu_s = 0.0
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self, processes: list[Any]) -> None:
        """One sample: ``processes`` is this process, then its descendants (psutil)."""
        raise NotImplementedError

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(self.interval):
            started = time.thread_time()
            try:
                processes = [self._me, *self._me.children(recursive=True)]
            except psutil.Error:
                continue
            finally:
                self.cpu_s += time.thread_time() - started
            started = time.thread_time()
            self.sample(processes)
            self.cpu_s += time.thread_time() - started


class TreeMemory(TreeSampler):
    """Peak resident memory of this process and of each of its descendants (the Dask
    nanny and worker processes), sampled every 0.2 s."""

    def __init__(self) -> None:
        super().__init__()
        self.peaks: dict[str, float] = {}

    def sample(self, processes: list[Any]) -> None:
        import psutil

        for process in processes:
            try:
                name = (
                    "flow process"
                    if process.pid == self._me.pid
                    else (f"{process.name()} {process.pid}")
                )
                rss = process.memory_info().rss / 2**20
            except psutil.Error:
                continue
            self.peaks[name] = max(self.peaks.get(name, 0.0), rss)


class StepClock:
    """Wall time of each step of a cluster run: the cluster's start, the fanned-out ingest
    and analysis, the topic update and the insights (wrapping the functions the flows
    call; the flows import them when they run)."""

    def __init__(self) -> None:
        self.spans: dict[str, float] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> StepClock:
        import contextlib

        import pipelines.analyze as analyze
        import pipelines.scale as scale

        clock = self

        def timed(name: str, function: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    clock.spans[name] = clock.spans.get(name, 0.0) + time.perf_counter() - started

            return wrapper

        original_cluster = scale.dask_cluster

        @contextlib.contextmanager
        def cluster(execution: Any) -> Any:
            started = time.perf_counter()
            with original_cluster(execution) as address:
                if "cluster start" not in clock.spans:
                    clock.spans["cluster start"] = time.perf_counter() - started
                yield address

        for module, name, step in (
            (scale, "ingest_on_cluster", "ingest"),
            (scale, "analyze_on_cluster", "analyse + topics"),
            (analyze, "topics_task", "topics"),
            (analyze, "insights_task", "pain points"),
        ):
            self._undo.append((module, name, getattr(module, name)))
            setattr(module, name, timed(step, getattr(module, name)))
        self._undo.append((scale, "dask_cluster", original_cluster))
        scale.dask_cluster = cluster
        return self

    def __exit__(self, *exc: object) -> None:
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)

    def seconds(self) -> dict[str, float]:
        spans = dict(self.spans)
        if "topics" in spans and "analyse + topics" in spans:
            spans["analyse"] = spans.pop("analyse + topics") - spans["topics"]
        return {key: round(value, 1) for key, value in spans.items()}


def run_on_cluster(records: int, folder: Path, workers: int) -> dict[str, Any]:
    """The same records through ``voc run`` (the ``run`` flow: ingest, analysis, topics,
    insights) with ``execution: {mode: dask, workers: N}``, then the digest in-process."""
    import yaml

    # Prefect's temporary API server waits 20 s for itself by default: not enough on a
    # busy shared machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    from pipelines.analyze import run_flow
    from voc.digest.data import gather
    from voc.digest.render import Renderer
    from voc.store.warehouse import Warehouse

    sources = write_sources(records, folder)
    config = {
        "store": {"path": str(folder / "voc.duckdb")},
        "execution": {"mode": "dask", "workers": workers, "shards": str(folder / "shards")},
        "sources": [{k: v for k, v in source.items() if k != "records"} for source in sources],
    }
    config_path = folder / "voc.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    out: dict[str, Any] = {"records": records, "workers": workers}
    with TreeMemory() as memory, StepClock() as steps:
        started = time.perf_counter()
        result = run_flow(config_path=str(config_path))
        out["run_flow_s"] = round(time.perf_counter() - started, 1)
    out["steps_s"] = steps.seconds()
    analysis = result["analyze"].get("analysis", {})
    out["analysis_seconds"] = analysis.get("seconds")
    out["analysed"] = analysis.get("analyzed")
    out["sentences"] = analysis.get("sentences")
    out["records_per_s_end_to_end"] = round(records / out["run_flow_s"], 1)
    out["peak_rss_mb"] = {name: round(mb) for name, mb in sorted(memory.peaks.items())}
    started = time.perf_counter()
    with Warehouse(folder / "voc.duckdb", read_only=True) as store:
        Renderer(gather(store, "2026-W46", timezone="UTC")).write(str(folder / "reports"))
    out["digest_s"] = round(time.perf_counter() - started, 1)
    return out


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Per-machine and single-writer rates of one run.

    A machine's work is a stage's wall time less the time it stood still for the store:
    ingest writes on its own thread (all its write seconds), the analysis writes chunk k
    on a writer thread while it analyses chunk k + 1, so only the time it waited for that
    thread (``waited_for_writes_s``) is taken off. The writer's rate is the records per
    second of write calls on either thread; on these 2 cores the writer thread shares them
    with the analysis, so a writer alone on its machine is faster than this (a floor).
    """
    by = {row["stage"]: row for row in result["stages"]}
    records = result["records"]
    waited = {
        stage: by[stage].get("waited_for_writes_s", by[stage]["store_write_s"])
        for stage in ("ingest", "analyse")
    }
    parallel = sum(by[s]["seconds"] - waited[s] for s in ("ingest", "analyse"))
    writes = sum(by[s]["store_write_s"] for s in ("ingest", "analyse"))
    return {
        "machine_records_per_s": round(records / parallel, 1) if parallel > 0 else None,
        "writer_records_per_s": round(records / writes, 1) if writes > 0 else None,
        "serial_s": round(sum(by[s]["seconds"] for s in SERIAL_STAGES), 1),
    }


SERIAL_STAGES = ("topics", "pain points", "digest")


def million(results: list[dict[str, Any]]) -> dict[str, Any]:
    """1,000,000 records on N machines, from the largest run's rates.

    The serial steps (topic refit, pain points, digest) are extrapolated on the line
    through the two sizes measured (one size: in proportion, an upper bound, since the
    topic fit clusters a sample of fixed size).
    """
    ordered = sorted(results, key=lambda r: r["records"])
    largest = ordered[-1]["summary"]
    machine, writer = largest["machine_records_per_s"], largest["writer_records_per_s"]
    if len(ordered) >= 2:
        (n0, s0), (n1, s1) = (
            (r["records"], r["summary"]["serial_s"]) for r in (ordered[0], ordered[-1])
        )
        slope = max(0.0, (s1 - s0) / (n1 - n0)) if n1 > n0 else 0.0
        serial = s1 + slope * (1_000_000 - n1)
        how = f"line through {n0:,} and {n1:,} records"
    else:
        serial = largest["serial_s"] * 1_000_000 / ordered[-1]["records"]
        how = "in proportion (upper bound)"
    table = []
    for n in MACHINE_COUNTS:
        work = 1_000_000 / (n * machine) if machine else float("inf")
        commit = 1_000_000 / writer if writer else 0.0
        table.append(
            {
                "machines": n,
                "parallel_h": round(max(work, commit) / 3600, 2),
                "bound_by": "writer" if commit >= work else "machines",
                "total_h": round((max(work, commit) + serial) / 3600, 2),
            }
        )
    return {
        "machine_records_per_s": machine,
        "writer_records_per_s": writer,
        "writer_binds_from_machines": round(writer / machine, 1) if machine and writer else None,
        "serial_s_at_1m": round(serial),
        "serial_extrapolated": how,
        "table": table,
    }


def machine_description() -> str:
    import psutil

    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{model or 'unknown CPU'}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python "
        f"{platform.python_version()}, load average {load:.1f}"
    )


def dask_available() -> str | None:
    """Why the cluster run cannot be done here, or None when it can."""
    try:
        from voc.config import ExecutionConfig  # noqa: F401  (the execution: switch)
    except ImportError:
        return "not available: this checkout has no `execution:` config switch yet"
    return None


def cluster_line(run: dict[str, Any]) -> str:
    """One line on the cluster run."""
    if "error" in run:
        return f"failed: {run['error']}"
    memory = ", ".join(f"{name} {mb} MB" for name, mb in run["peak_rss_mb"].items())
    return (
        f"{run['records']:,} records through `voc run` with execution: dask, "
        f"{run['workers']} workers: {run['run_flow_s']} s end to end "
        f"({run['records_per_s_end_to_end']} records/s, Prefect and cluster start-up and "
        f"model loading on each worker included; analysis steps "
        f"{run['analysis_seconds']}), digest {run['digest_s']} s; peak memory: {memory}"
    )


def markdown(results: list[dict[str, Any]], cluster: str | None) -> str:
    lines = [
        "| records | stage | seconds | records/s | store writes s | peak MB (stage) | "
        "peak MB (process) |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for row in result["stages"]:
            lines.append(
                f"| {result['records']:,} | {row['stage']} | {row['seconds']} | "
                f"{row['records_per_s'] or ''} | {row['store_write_s']} | "
                f"{row['stage_peak_rss_mb']} | {row['process_peak_rss_mb']} |"
            )
    largest = max(results, key=lambda r: r["records"])
    m = million(results)
    lines += [
        "",
        f"model loading (apart): {largest['model_loading_s']} s; sentences: "
        f"{largest['sentences']:,}; store: {largest['store_mb']} MB; the forked keyword "
        f"tagger's peak RSS {largest['stages'][-1]['children_peak_rss_mb']} MB (mostly pages "
        "shared with its parent)",
        f"per machine (ingest + analysis, less the time they waited for store writes): "
        f"{m['machine_records_per_s']} records/s; single writer: "
        f"{m['writer_records_per_s']} records/s; the writer binds from "
        f"{m['writer_binds_from_machines']} machines",
        f"serial steps at 1,000,000 records: {m['serial_s_at_1m']} s ({m['serial_extrapolated']})",
        f"2-worker local cluster: {cluster or 'see the cluster rows'}",
        "",
        "| machines | 1,000,000 records: parallel part, h | bound by | with serial steps, h |",
        "|---|---|---|---|",
    ]
    for row in m["table"]:
        lines.append(
            f"| {row['machines']} | {row['parallel_h']} | {row['bound_by']} | {row['total_h']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=None, help="second size (records / 10)")
    parser.add_argument(
        "--cluster", type=int, default=2, help="workers of the cluster run; 0: none"
    )
    parser.add_argument("--only", type=int, default=None, help="one size, in this process")
    parser.add_argument("--keep", type=Path, default=None, help="build the store here")
    parser.add_argument(
        "--cluster-records",
        type=int,
        default=None,
        help="records of the cluster run (default: the smaller size)",
    )
    parser.add_argument(
        "--only-cluster", type=int, default=None, help="one cluster run of N records, here"
    )
    args = parser.parse_args(argv)
    if not SHARED_DATA.is_dir():
        print(json.dumps({"benchmark": "scale", "skipped": f"{SHARED_DATA} not found"}))
        return 0
    if args.only_cluster:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_on_cluster(args.only_cluster, Path(tmp), args.cluster)
        print(json.dumps({"benchmark": "scale-cluster", **result}))
        return 0
    if args.only:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            result = run_in_process(args.only, args.keep)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                result = run_in_process(args.only, Path(tmp))
        result["summary"] = summarise(result)
        print(json.dumps({"benchmark": "scale", **result}))
        return 0
    sizes = sorted({args.small or max(1000, args.records // 10), args.records})
    results = []
    for size in sizes:
        # stderr passes through: progress lines, and the error when a size fails.
        completed = subprocess.run(
            [sys.executable, "-m", "bench.scale", "--only", str(size)],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            print(f"{size:,} records: failed (exit {completed.returncode}, see above)")
            continue
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    cluster = dask_available() if args.cluster else "not asked for (--cluster 0)"
    if cluster is None:
        size = args.cluster_records or sizes[0]
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.scale",
                "--only-cluster",
                str(size),
                "--cluster",
                str(args.cluster),
            ],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            cluster = f"failed (exit {completed.returncode}, see above)"
        else:
            run = json.loads(completed.stdout.strip().splitlines()[-1])
            print(json.dumps(run), flush=True)
            cluster = cluster_line(run)
    print(f"machine: {machine_description()}")
    if results:
        print(markdown(results, cluster))
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(
        json.dumps(
            {"machine": machine_description(), "cluster": cluster, "runs": results}, indent=2
        ),
        encoding="utf-8",
    )
    print(json.dumps({"benchmark": "scale", "cluster": cluster, "runs": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
