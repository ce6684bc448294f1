"""Ingest: from a source's files to clean, redacted, de-duplicated rows in the store.

The path of every row::

    read (files.py) -> map fields (mapping.py) -> validate -> normalise -> identify the
    language -> redact PII -> key -> de-duplicate against the store -> store

A row that fails a step is quarantined with the step's reason; nothing is dropped
silently. Exact duplicates inside one run's input are quarantined as ``duplicate``;
items stored by an earlier run are counted as ``already_stored`` (they are in the store
already); near-duplicates are stored and flagged with the item they repeat.

Quarantine reasons: ``missing_text``, ``missing_channel``, ``bad_encoding`` (bytes that do
not decode), ``garbled_text`` (decoded to mojibake), ``malformed_json``, ``malformed_row``,
``impossible_rating``, ``missing_timestamp``, ``unparseable_timestamp``,
``future_timestamp``, ``duplicate``, ``undecodable_file``, ``unreadable_file``, ``not_text``
(the text field holds an object or a list).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from voc.config import IngestConfig, SourceConfig
from voc.errors import ConfigError, SourceError
from voc.faults import fault_point
from voc.sources.encoding import escape_undecodable
from voc.sources.files import (
    RawRow,
    discover_files,
    file_preview,
    file_sha256,
    read_chunks,
    resolve_format,
)
from voc.sources.mapping import RowMapper, RowProblem
from voc.store.warehouse import FEEDBACK_COLUMNS, QUARANTINE_COLUMNS, Warehouse, utcnow

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _hash(*parts: str) -> str:
    return hashlib.blake2b(
        "\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()


def feedback_id(source: str, native_id: str | None, created_raw: str, text: str) -> str:
    """The stable id of a feedback item: a hash of (source, native id), or of (source,
    timestamp, normalised text) when the source has no id of its own.

    Re-ingesting the same item always gives the same id, so it is never stored twice.
    """
    if native_id:
        return _hash(source, "id", native_id)
    return _hash(source, "content", created_raw, text)


@dataclass
class SourceSummary:
    """What one ingest of one source did. ``read`` = ``stored`` + ``already_stored`` +
    ``quarantined`` (duplicates are quarantined too)."""

    source: str
    files: int = 0
    files_skipped: int = 0
    read: int = 0
    stored: int = 0
    already_stored: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    quarantined: int = 0
    pii_redactions: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: Every file not read this run, or read but not remembered as ingested, and why:
    #: ``{"file": path, "reason": one line a person can act on}``.
    skipped_files: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    def add(self, other: SourceSummary) -> None:
        """Add another summary's counts into this one."""
        for name in (
            "files",
            "files_skipped",
            "read",
            "stored",
            "already_stored",
            "duplicates",
            "near_duplicates",
            "quarantined",
            "pii_redactions",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for attr in ("quarantined_by_reason", "languages"):
            merged = Counter(getattr(self, attr))
            merged.update(getattr(other, attr))
            setattr(self, attr, dict(merged))
        self.skipped_files = [*self.skipped_files, *other.skipped_files]
        self.seconds = round(self.seconds + other.seconds, 3)


@dataclass
class PreparedChunk:
    """A chunk after cleaning, before de-duplication against the store."""

    feedback: pd.DataFrame
    quarantine: pd.DataFrame


class FeedbackCleaner:
    """Validates, normalises, identifies the language of and redacts rows of one source.

    Args:
        source: A complete source mapping.
        settings: The ingest settings (languages, redaction, future tolerance).
    """

    def __init__(self, source: SourceConfig, settings: IngestConfig) -> None:
        self.source = source
        self.settings = settings
        self._mapper: RowMapper | None = None
        self._language_identifier: Any = None
        self._redactor: Any = None

    def _ensure_loaded(self) -> None:
        if self._mapper is not None:
            return
        from voc.text.language import LanguageIdentifier
        from voc.text.pii import Redactor

        self._mapper = RowMapper(self.source)
        self._language_identifier = LanguageIdentifier(tuple(self.settings.languages))
        self._redactor = Redactor(ner=self.settings.redaction.ner)

    def redact_payload(self, raw: str) -> str:
        """A bad row's raw text, redacted like stored text, for the quarantine table.

        A JSON object or list (a JSONL row, a JSON record) is redacted field by field, like
        metadata: a username or a name field is replaced whole.
        """
        self._ensure_loaded()
        language = "ja" if _CJK.search(raw) else "en"
        stripped = raw.strip()
        if stripped[:1] in ("{", "["):
            try:
                payload = json.loads(stripped)
            except ValueError:
                pass  # not JSON after all (a CSV line starting with a bracket)
            else:
                redacted, _ = self._redact_structure(payload, language)
                return json.dumps(redacted, ensure_ascii=False)
        return str(self._redactor.redact(raw, language).text)

    def prepare(
        self, rows: list[RawRow], file: str, file_sha: str, run_id: str, now: datetime
    ) -> PreparedChunk:
        """Clean one chunk of rows.

        Returns:
            The rows to store (``FEEDBACK_COLUMNS``) and the rows to quarantine
            (``QUARANTINE_COLUMNS``), in input order.
        """
        from voc.text.normalize import content_key, looks_like_mojibake, normalize_text

        self._ensure_loaded()
        mapper = self._mapper
        assert mapper is not None
        tolerance = self.settings.future_tolerance_hours
        problems: list[tuple[RawRow, str, str]] = []
        kept: list[dict[str, Any]] = []
        for row in rows:
            if row.payload is None:
                problems.append((row, row.error or "unreadable_row", row.detail or ""))
                continue
            try:  # rows with bytes that do not decode come from the reader as bad_encoding
                mapped = mapper.map(row.payload)
                # Mojibake is judged on the text as read: normalising removes the control
                # characters that give it away.
                if looks_like_mojibake(mapped.text):
                    raise RowProblem("garbled_text", "the text decodes to mojibake")
                text = normalize_text(mapped.text)
                if not text:
                    raise RowProblem("missing_text", "the text is empty after normalisation")
                created_at = mapper.parse_time(mapped.created_raw, now, tolerance)
                rating = mapper.parse_rating(mapped.rating_raw)
            except RowProblem as problem:
                problems.append((row, problem.reason, problem.detail))
                continue
            kept.append(
                {
                    "row": row,
                    "mapped": mapped,
                    "text": text,
                    "created_at": created_at,
                    "rating": rating,
                }
            )

        texts = [item["text"] for item in kept]
        languages = self._language_identifier.identify_many(texts)
        redactions = self._redactor.redact_many(texts, languages)
        records = []
        for item, language, redaction in zip(kept, languages, redactions, strict=True):
            mapped = item["mapped"]
            metadata, metadata_redactions = self._redact_metadata(mapped.metadata, language)
            records.append(
                {
                    "feedback_id": feedback_id(
                        self.source.name, mapped.native_id, str(mapped.created_raw), item["text"]
                    ),
                    "source": self.source.name,
                    "native_id": mapped.native_id,
                    "channel": mapped.channel,
                    "touchpoint": mapped.touchpoint,
                    "text": redaction.text,
                    "language": language,
                    "created_at": item["created_at"],
                    "rating": item["rating"],
                    "rating_scale": self.source.rating_scale.value
                    if self.source.rating_scale and item["rating"] is not None
                    else None,
                    "metadata": json.dumps(metadata, ensure_ascii=False) if metadata else None,
                    "content_key": content_key(redaction.text),
                    "near_duplicate_of": None,
                    "pii_redactions": sum(redaction.counts.values()) + metadata_redactions,
                    "file": file,
                    "line": item["row"].line,
                    "run_id": run_id,
                    "ingested_at": now,
                }
            )
        feedback = pd.DataFrame.from_records(records, columns=FEEDBACK_COLUMNS)
        feedback["created_at"] = pd.to_datetime(feedback["created_at"])
        feedback["rating"] = feedback["rating"].astype("float64")
        quarantine = self.quarantine_frame(
            [(row.line, row.raw_text(), reason, detail) for row, reason, detail in problems],
            file,
            file_sha,
            run_id,
            now,
        )
        return PreparedChunk(feedback=feedback, quarantine=quarantine)

    def _redact_metadata(
        self, metadata: dict[str, Any], language: str
    ) -> tuple[dict[str, Any], int]:
        # Metadata is stored and shown too (a ticket's subject can hold a phone number), and
        # may be an object or a list (`user: {name, contact: {email}}`): every string in it
        # is redacted, and a field named for what it holds (username, name, email, ...) is
        # replaced whole.
        cleaned, counts = self._redact_structure(metadata, language)
        assert isinstance(cleaned, dict)
        return cleaned, sum(counts.values())

    def _redact_structure(self, value: Any, language: str) -> tuple[Any, dict[str, int]]:
        from voc.text.pii import redact_structure

        return redact_structure(value, lambda text: self._redactor.redact(text, language))

    def quarantine_frame(
        self,
        problems: Iterable[tuple[int, str, str, str]],
        file: str,
        file_sha: str,
        run_id: str,
        now: datetime,
    ) -> pd.DataFrame:
        """Quarantine rows for ``(line, raw text, reason, detail)`` problems of one file."""
        records = [
            {
                "quarantine_id": _hash(self.source.name, file_sha, str(line), reason),
                "run_id": run_id,
                "source": self.source.name,
                "file": file,
                "line": line,
                "reason": reason,
                "detail": escape_undecodable(detail),
                # Escaped again: a JSON row re-parsed for redaction gives back a "\ud83d".
                "raw_payload": escape_undecodable(self.redact_payload(escape_undecodable(raw))),
                "quarantined_at": now,
            }
            for line, raw, reason, detail in problems
        ]
        return pd.DataFrame.from_records(records, columns=QUARANTINE_COLUMNS)


def resolve_duplicates(
    chunk: PreparedChunk,
    existing: pd.DataFrame,
    first_by_content_key: dict[str, str],
    run_id: str,
    cleaner: FeedbackCleaner,
    file_sha: str,
) -> tuple[PreparedChunk, int, int, int]:
    """Split a cleaned chunk into new items, duplicates and items already stored.

    Args:
        chunk: The cleaned chunk.
        existing: Stored rows sharing an id with the chunk (``feedback_id``, ``run_id``,
            ``file``, ``line``).
        first_by_content_key: Earliest stored ``feedback_id`` per near-duplicate key.
        run_id: This run; a stored row from this run at another line is a duplicate.
        cleaner: Builds the quarantine rows.
        file_sha: The file's content hash (part of the quarantine key).

    Returns:
        The chunk to store (duplicates moved to quarantine, near-duplicates flagged), and
        the counts of duplicates, already-stored items and near-duplicates.
    """
    feedback = chunk.feedback
    if feedback.empty:
        return chunk, 0, 0, 0
    stored_at = {row.feedback_id: (row.run_id, row.file, row.line) for row in existing.itertuples()}
    keep_rows: list[int] = []
    duplicate_problems: list[tuple[int, str, str, str]] = []
    already = 0
    seen_in_chunk: dict[str, int] = {}
    # Plain lists: iterating Arrow-backed pandas columns item by item is slow.
    lines = feedback["line"].tolist()
    for position, (item_id, file, line, text) in enumerate(
        zip(
            feedback["feedback_id"].tolist(),
            feedback["file"].tolist(),
            lines,
            feedback["text"].tolist(),
            strict=True,
        )
    ):
        if item_id in seen_in_chunk:
            first_line = int(lines[seen_in_chunk[item_id]])
            duplicate_problems.append(
                (int(line), text, "duplicate", f"same item as line {first_line}")
            )
            continue
        seen_in_chunk[item_id] = position
        if item_id in stored_at:
            stored_run, stored_file, stored_line = stored_at[item_id]
            if stored_run == run_id and (stored_file, stored_line) != (file, line):
                duplicate_problems.append(
                    (int(line), text, "duplicate", f"same item as {stored_file} line {stored_line}")
                )
            else:
                already += 1  # stored by an earlier run, or by a retried attempt of this one
            continue
        keep_rows.append(position)

    kept = feedback.iloc[keep_rows].reset_index(drop=True)
    near_duplicates = 0
    if not kept.empty:
        first_in_chunk: dict[str, str] = {}
        flags: list[str | None] = []
        for item_id, key in zip(
            kept["feedback_id"].tolist(), kept["content_key"].tolist(), strict=True
        ):
            original = first_by_content_key.get(key) or first_in_chunk.get(key) if key else None
            if key and key not in first_in_chunk:
                first_in_chunk[key] = item_id
            flags.append(original if original != item_id else None)
        kept["near_duplicate_of"] = flags
        near_duplicates = sum(flag is not None for flag in flags)

    file = str(feedback["file"].iat[0])
    now = utcnow()
    duplicates = cleaner.quarantine_frame(duplicate_problems, file, file_sha, run_id, now)
    quarantine = (
        pd.concat([chunk.quarantine, duplicates], ignore_index=True)
        if len(duplicates)
        else chunk.quarantine
    )
    return PreparedChunk(kept, quarantine), len(duplicate_problems), already, near_duplicates


def ingest_source(
    source: SourceConfig,
    store: Warehouse,
    settings: IngestConfig,
    run_id: str,
    force: bool = False,
) -> SourceSummary:
    """Ingest every file of one source into the store.

    Args:
        source: A complete source mapping.
        store: An open warehouse.
        settings: Ingest settings.
        run_id: The run these rows belong to.
        force: Re-read files even when their content was ingested before (still stores
            nothing twice).

    Raises:
        SourceError: the source's path matches no file, or its format is unknown.
        ConfigError: the mapping names columns the files do not have.
    """
    import time

    started = time.perf_counter()
    summary = SourceSummary(source=source.name)
    cleaner = FeedbackCleaner(source, settings)
    languages: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for path in discover_files(source.path):
        file_format = resolve_format(path, source.format)
        sha = file_sha256(path)
        summary.files += 1
        earlier = None if force else store.ingested_file(source.name, sha)
        if earlier is not None:
            reason = already_ingested_reason(path, earlier)
            logger.info("Skipping %s: %s", path, reason)
            summary.files_skipped += 1
            summary.skipped_files.append({"file": str(path), "reason": reason})
            continue
        rows_read, readable = _ingest_file(
            path,
            file_format,
            sha,
            source,
            store,
            settings,
            cleaner,
            run_id,
            summary,
            languages,
            reasons,
        )
        if readable and rows_read:
            store.mark_file_ingested(
                source.name, sha, str(path), path.stat().st_size, rows_read, run_id
            )
        else:
            # Only a file whose rows were read counts as ingested: one quarantined whole
            # (or empty) is read again next time, so fixing it (or its format) works.
            summary.skipped_files.append(
                {
                    "file": str(path),
                    "reason": "could not be read as "
                    f"{file_format} (quarantined, see `voc quarantine`); not recorded as "
                    "ingested, so the next run reads it again"
                    if not readable
                    else "no rows; not recorded as ingested",
                }
            )
    summary.quarantined_by_reason = dict(reasons)
    summary.languages = dict(languages)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _ingest_file(
    path: Path,
    file_format: str,
    sha: str,
    source: SourceConfig,
    store: Warehouse,
    settings: IngestConfig,
    cleaner: FeedbackCleaner,
    run_id: str,
    summary: SourceSummary,
    languages: Counter[str],
    reasons: Counter[str],
) -> tuple[int, bool]:
    """Read, clean and store one file.

    Returns:
        The rows read, and whether the file could be read at all (False: it was
        quarantined whole).
    """
    file = str(path)
    rows_read = 0
    chunks = read_chunks(path, file_format, settings.chunk_size, source.encoding, source.sheet)
    since_commit = 0
    try:
        with store.transaction():  # one commit per file (or per COMMIT_EVERY_ROWS rows)
            for size, prepared in _prepared_chunks(chunks, path, cleaner, file, sha, run_id):
                since_commit += size
                if since_commit >= COMMIT_EVERY_ROWS:
                    store.commit_point()
                    since_commit = 0
                existing = store.existing_feedback(prepared.feedback["feedback_id"].tolist())
                first_keys = store.first_with_content_keys(
                    prepared.feedback["content_key"].tolist()
                )
                prepared, duplicates, already, near = resolve_duplicates(
                    prepared, existing, first_keys, run_id, cleaner, sha
                )
                stored, _ = store.write_batch(prepared.feedback, prepared.quarantine)
                fault_point("ingest")  # crash tests only (voc/faults.py); a no-op otherwise
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
    except SourceError as e:
        if rows_read:
            raise
        # The file as a whole cannot be read (binary, unknown encoding, broken workbook):
        # it is quarantined as one row, not stored, and the other files go on.
        reason = (
            "undecodable_file" if "encoding" in str(e) or "decode" in str(e) else "unreadable_file"
        )
        logger.warning("Quarantining %s: %s", path, e)
        quarantine = cleaner.quarantine_frame(
            [(0, file_preview(path), reason, str(e))], file, sha, run_id, utcnow()
        )
        store.write_batch(pd.DataFrame(columns=FEEDBACK_COLUMNS), quarantine)
        summary.quarantined += 1
        reasons[reason] += 1
        return rows_read, False
    return rows_read, True


def already_ingested_reason(path: Path, earlier: dict[str, Any]) -> str:
    """Why a file found this run is skipped, in one line a person can act on; ``earlier``
    is the store's record of the same bytes (:meth:`Warehouse.ingested_file`)."""
    same = "this file" if earlier["path"] == str(path) else f"the same bytes as {earlier['path']}"
    when = earlier["ingested_at"]
    when_text = when.strftime("%Y-%m-%d %H:%M UTC") if hasattr(when, "strftime") else str(when)
    return (
        f"unchanged: {same} was ingested by run {earlier['run_id']} on {when_text} "
        f"({earlier['rows_read']} rows); --force reads it again"
    )


# Rows written between commits of a long file: a crash loses at most this much work (the
# rerun redoes it, storing nothing twice), and each commit costs tens of milliseconds.
COMMIT_EVERY_ROWS = 20_000


def _prepared_chunks(
    chunks: Iterator[list[RawRow]],
    path: Path,
    cleaner: FeedbackCleaner,
    file: str,
    sha: str,
    run_id: str,
) -> Iterator[tuple[int, PreparedChunk]]:
    """Clean chunks in order, after checking the first one against the mapping.

    Cleaning runs in this process: a pool of worker processes measured slower on 2 cores
    (pickling the chunks cost more than the cleaning they saved).
    """
    first = next(chunks, None)
    if first is None:
        return
    check_mapping_matches(path, first, cleaner)
    for rows in itertools.chain([first], chunks):
        yield len(rows), cleaner.prepare(rows, file, sha, run_id, utcnow())


def check_mapping_matches(path: Path, rows: list[RawRow], cleaner: FeedbackCleaner) -> None:
    """Fail at once when the source's mapping names a column the file does not have.

    A mapping that names a missing column is a config mistake, not a thousand bad rows.
    Judged on the first readable rows (up to 50) of a file's first chunk: a column is
    missing when none of them has it.

    Raises:
        ConfigError: naming the missing column(s) and the columns the file has.
    """
    payloads = [row.payload for row in rows[:50] if row.payload is not None]
    if not payloads:
        return
    mapper = RowMapper(cleaner.source)
    absent = set(mapper.missing_columns(payloads[0]))
    for payload in payloads[1:]:
        absent &= set(mapper.missing_columns(payload))
    if absent:
        available = ", ".join(map(repr, list(payloads[0])[:30]))
        raise ConfigError(
            f"source {cleaner.source.name!r}: {path} has no column(s) "
            f"{', '.join(map(repr, sorted(absent)))}; its columns are {available}. "
            "Fix the source's mapping (text_col, id_col, time_col, ...) in the config."
        )
