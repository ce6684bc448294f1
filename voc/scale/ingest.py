"""Ingest on a cluster: workers clean parts of files into shards, one writer stores them.

The in-process path (:func:`voc.ingest.ingest_source`) reads, cleans and stores a file
chunk by chunk. Here the cleaning (validation, normalisation, language, PII redaction:
all the cost) runs on the workers, a file larger than ``execution.part_bytes`` in several
parts at once, and the store-side steps (de-duplication against what is stored, the
write, remembering the file) run in the writer, chunk by chunk in file order: the same
steps in the same order as in-process, so the store ends the same.

Part ``p`` of ``P`` cleans the chunks ``i`` with ``i % P == p`` (every part reads the file
through; reading is cheap next to cleaning), so no part needs to know the file's length.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from voc.config import IngestConfig, SourceConfig
from voc.errors import SourceError
from voc.ingest import (
    PreparedChunk,
    SourceSummary,
    already_ingested_reason,
    check_mapping_matches,
    resolve_duplicates,
)
from voc.scale import shards, workers
from voc.sources.files import (
    discover_files,
    file_preview,
    file_sha256,
    read_chunks,
    resolve_format,
)
from voc.store.warehouse import FEEDBACK_COLUMNS, QUARANTINE_COLUMNS, Warehouse, utcnow

logger = logging.getLogger(__name__)


@dataclass
class FilePlan:
    """One file to read, and in how many parts."""

    path: str
    format: str
    sha: str
    size: int
    parts: int


@dataclass
class SourcePlan:
    """What a source's ingest will read, and what it skips (already ingested)."""

    source: SourceConfig
    files: list[FilePlan] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def plan_source(
    source: SourceConfig, store: Warehouse, part_bytes: int, force: bool = False
) -> SourcePlan:
    """The files of a source to read (skipping those ingested before, unless ``force``).

    Raises:
        SourceError: the source's path matches no file, or its format is unknown.
    """
    plan = SourcePlan(source)
    for path in discover_files(source.path):
        file_format = resolve_format(path, source.format)
        sha = file_sha256(path)
        earlier = None if force else store.ingested_file(source.name, sha)
        if earlier is not None:
            reason = already_ingested_reason(path, earlier)
            logger.info("Skipping %s: %s", path, reason)
            plan.skipped.append({"file": str(path), "reason": reason})
            continue
        size = path.stat().st_size
        parts = max(1, math.ceil(size / part_bytes))
        plan.files.append(FilePlan(str(path), file_format, sha, size, parts))
    return plan


def chunk_shard_url(
    root: str, source: SourceConfig, settings: IngestConfig, file: FilePlan, chunk: int
) -> str:
    """The shard of one cleaned chunk: keyed by the source's and the settings' config, the
    file's content and the chunk's index."""
    key = shards.shard_key(
        "ingest", source.model_dump_json(), settings.model_dump_json(), file.sha, file.path, chunk
    )
    return shards.shard_url(root, "ingest", key)


def clean_part(
    source: SourceConfig,
    settings: IngestConfig,
    file: FilePlan,
    part: int,
    root: str,
    run_id: str,
    threads: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Clean part ``part`` of a file into shards (runs on a worker; never opens the store).

    Returns:
        ``{"chunks": {index: (rows, shard url)}, "error_at": chunk index or None,
        "error": message}``: a file that cannot be read stops at the chunk where it
        failed (the writer decides, as in-process, between quarantining the whole file
        and failing the source).

    Raises:
        ConfigError: the mapping names columns the file does not have.
    """
    before = workers.loading_seconds()
    cleaner = workers.cleaner(source, settings, threads)
    loading = workers.loading_seconds() - before
    path = Path(file.path)
    chunks = read_chunks(path, file.format, settings.chunk_size, source.encoding, source.sheet)
    done: dict[int, tuple[int, str]] = {}
    seen = 0  # chunks read so far: the index of the one being read when reading fails
    try:
        for index, rows in enumerate(chunks):
            seen = index + 1
            if index == 0:
                check_mapping_matches(path, rows, cleaner)
            if index % file.parts != part:
                continue
            prepared = cleaner.prepare(rows, file.path, file.sha, run_id, utcnow())
            url = chunk_shard_url(root, source, settings, file, index)
            shards.write_shard(url, _chunk_frame(prepared))
            done[index] = (len(rows), url)
    except SourceError as e:
        return {"chunks": done, "error_at": seen, "error": str(e), "model_loading": loading}
    return {"chunks": done, "error_at": None, "error": None, "model_loading": loading}


def _chunk_frame(prepared: PreparedChunk) -> pd.DataFrame:
    # One file per chunk: the feedback rows, then the quarantine rows, told apart by `kind`.
    feedback = prepared.feedback.assign(kind="feedback")
    quarantine = prepared.quarantine.rename(columns={"raw_payload": "q_raw_payload"}).assign(
        kind="quarantine"
    )
    frame = pd.concat([feedback, quarantine], ignore_index=True) if len(quarantine) else feedback
    if not len(quarantine):
        frame = frame.assign(**{c: None for c in _QUARANTINE_ONLY})
    return frame


_QUARANTINE_ONLY = ["quarantine_id", "reason", "detail", "q_raw_payload", "quarantined_at"]


def _split_chunk(frame: pd.DataFrame) -> PreparedChunk:
    feedback = frame[frame["kind"] == "feedback"][FEEDBACK_COLUMNS].reset_index(drop=True)
    feedback["created_at"] = pd.to_datetime(feedback["created_at"])
    feedback["rating"] = feedback["rating"].astype("float64")
    quarantine = (
        frame[frame["kind"] == "quarantine"]
        .rename(columns={"q_raw_payload": "raw_payload"})[QUARANTINE_COLUMNS]
        .reset_index(drop=True)
    )
    return PreparedChunk(feedback, quarantine)


def commit_source(
    plan: SourcePlan,
    parts: list[list[dict[str, Any]]],
    store: Warehouse,
    settings: IngestConfig,
    run_id: str,
) -> tuple[SourceSummary, list[str]]:
    """Store a source's cleaned chunks, file by file and chunk by chunk (the writer).

    Args:
        plan: The source's plan.
        parts: Per file of the plan, the results of its parts (:func:`clean_part`).
        store: The open store (the writer holds its lock).
        settings: The ingest settings (duplicates are quarantined redacted, as in-process).
        run_id: This run.

    Returns:
        The source's summary, and the shards it committed (to remove).

    Raises:
        SourceError: a file became unreadable after its first chunk (as in-process).
    """
    import time

    from voc.ingest import FeedbackCleaner

    started = time.perf_counter()
    source = plan.source
    summary = SourceSummary(source=source.name, files=len(plan.files) + len(plan.skipped))
    summary.files_skipped = len(plan.skipped)
    summary.skipped_files = list(plan.skipped)
    # The writer only builds quarantine rows: its models load if a duplicate needs one.
    cleaner = FeedbackCleaner(source, settings)
    languages: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    committed: list[str] = []
    for file, results in zip(plan.files, parts, strict=True):
        chunks: dict[int, tuple[int, str]] = {}
        errors = [r for r in results if r["error_at"] is not None]
        for result in results:
            chunks.update({int(k): tuple(v) for k, v in result["chunks"].items()})
        error_at = min((r["error_at"] for r in errors), default=None)
        path = Path(file.path)
        if error_at is not None and error_at > 0:
            message = next(r["error"] for r in errors if r["error_at"] == error_at)
            raise SourceError(f"{file.path}: {message} (after {error_at} chunks)")
        rows_read = 0
        if error_at == 0:
            message = next(r["error"] for r in errors if r["error_at"] == 0)
            reason = (
                "undecodable_file"
                if "encoding" in message or "decode" in message
                else "unreadable_file"
            )
            logger.warning("Quarantining %s: %s", path, message)
            quarantine = cleaner.quarantine_frame(
                [(0, file_preview(path), reason, message)], file.path, file.sha, run_id, utcnow()
            )
            store.write_batch(pd.DataFrame(columns=FEEDBACK_COLUMNS), quarantine)
            summary.quarantined += 1
            reasons[reason] += 1
        else:
            with store.transaction():
                for index in sorted(chunks):
                    size, url = chunks[index]
                    prepared = _split_chunk(shards.read_shard(url))
                    existing = store.existing_feedback(prepared.feedback["feedback_id"].tolist())
                    first_keys = store.first_with_content_keys(
                        prepared.feedback["content_key"].tolist()
                    )
                    prepared, duplicates, already, near = resolve_duplicates(
                        prepared, existing, first_keys, run_id, cleaner, file.sha
                    )
                    stored, _ = store.write_batch(prepared.feedback, prepared.quarantine)
                    committed.append(url)
                    rows_read += size
                    summary.read += size
                    summary.stored += stored
                    summary.already_stored += already + (len(prepared.feedback) - stored)
                    summary.duplicates += duplicates
                    summary.near_duplicates += near
                    summary.quarantined += len(prepared.quarantine)
                    summary.pii_redactions += int(prepared.feedback["pii_redactions"].sum())
                    languages.update(prepared.feedback["language"])
                    reasons.update(prepared.quarantine["reason"])
        readable = error_at is None
        if readable and rows_read:
            store.mark_file_ingested(source.name, file.sha, file.path, file.size, rows_read, run_id)
        else:
            summary.skipped_files.append(
                {
                    "file": file.path,
                    "reason": f"could not be read as {file.format} (quarantined, see `voc "
                    "quarantine`); not recorded as ingested, so the next run reads it again"
                    if not readable
                    else "no rows; not recorded as ingested",
                }
            )
    summary.quarantined_by_reason = dict(reasons)
    summary.languages = dict(languages)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary, committed
