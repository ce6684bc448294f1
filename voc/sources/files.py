"""File connectors: CSV, TSV, JSON Lines, JSON array, Parquet and Excel exports.

Every reader streams a file in chunks of :class:`RawRow`, so memory does not grow with
the file (a JSON array is the exception: it has to be parsed whole). A row that cannot be
read (a malformed JSON line, a CSV row with the wrong number of fields) comes out with an
``error`` instead of a payload, so the caller can quarantine it with its line number.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import logging
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from voc.errors import SourceError

logger = logging.getLogger(__name__)

SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}
_RAW_LIMIT = 10_000  # characters of a bad row kept in quarantine

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(slots=True)
class RawRow:
    """One row as read from a file.

    Attributes:
        line: 1-based line (CSV/TSV/JSONL), item number (JSON array), or sheet/row number
            (Excel, Parquet); 0 for a problem with the whole file.
        payload: Field name -> value; None when the row could not be read.
        raw: The row as text, for quarantine (``None`` for readers that can rebuild it
            from the payload).
        error: Quarantine reason when the row could not be read.
        detail: What exactly was wrong.
    """

    line: int
    payload: dict[str, Any] | None
    raw: str | None = None
    error: str | None = None
    detail: str | None = None

    def raw_text(self) -> str:
        """The row as text (the raw line, or the payload as JSON), cut to a sane length."""
        if self.raw is not None:
            text = self.raw
        else:
            text = json.dumps(self.payload, ensure_ascii=False, default=str)
        return text[:_RAW_LIMIT]


def resolve_format(path: Path, declared: str) -> str:
    """The format of ``path``: as declared, or from its extension when ``auto``.

    Raises:
        SourceError: the extension is not one voc reads.
    """
    if declared != "auto":
        return declared
    suffix = path.suffix.lower()
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    known = ", ".join(sorted(SUFFIX_FORMATS))
    raise SourceError(
        f"cannot tell the format of {path} from its extension; use one of {known} "
        "or set `format:` in the source config (csv, tsv, jsonl, json, parquet, xlsx)"
    )


def discover_files(pattern: str) -> list[Path]:
    """The files a source's ``path`` names: one file, a folder's files, or a glob.

    Raises:
        SourceError: nothing matches.
    """
    candidate = Path(pattern)
    if candidate.is_file():
        return [candidate]
    if candidate.is_dir():
        files = sorted(p for p in candidate.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        files = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
    if not files:
        raise SourceError(
            f"no file matches {pattern!r} (looked from {Path.cwd()}); check the source's "
            "`path:` — relative paths start from the directory voc runs in"
        )
    return files


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_chunks(
    path: Path,
    file_format: str,
    chunk_size: int,
    encoding: str = "auto",
    sheet: str | None = None,
) -> Iterator[list[RawRow]]:
    """Stream a file as chunks of rows.

    Args:
        path: The file.
        file_format: One of csv, tsv, jsonl, json, parquet, xlsx.
        chunk_size: Rows per chunk.
        encoding: Text encoding, or ``auto`` to detect it (text formats only).
        sheet: Excel sheet name; the first sheet when None.

    Raises:
        SourceError: the file cannot be opened at all (undecodable, not the declared format).
    """
    rows: Iterator[RawRow]
    if file_format in ("csv", "tsv"):
        rows = _read_delimited(path, "\t" if file_format == "tsv" else ",", encoding)
    elif file_format == "jsonl":
        rows = _read_jsonl(path, encoding)
    elif file_format == "json":
        rows = _read_json_array(path, encoding)
    elif file_format == "parquet":
        rows = _read_parquet(path, chunk_size)
    elif file_format == "xlsx":
        rows = _read_xlsx(path, sheet)
    else:
        raise SourceError(f"unknown format {file_format!r} for {path}")
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _open_text(path: Path, encoding: str) -> TextIO:
    from voc.sources.encoding import open_text

    stream, guess = open_text(path, encoding)
    logger.debug("Reading %s as %s", path, guess.encoding)
    return stream


class _PhysicalLines:
    """Feeds a csv.reader line by line, remembering which physical lines made each record,
    so a malformed record can be given back and re-read from its second line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self.consumed: list[tuple[int, str]] = []

    def __iter__(self) -> _PhysicalLines:
        return self

    def __next__(self) -> str:
        if self._pending:
            item = self._pending.popleft()
        else:
            item = (self._next_number, next(self._stream))
            self._next_number += 1
        self.consumed.append(item)
        return item[1]

    def give_back_all_but_first(self) -> None:
        self._pending.extendleft(reversed(self.consumed[1:]))


def _read_delimited(path: Path, delimiter: str, encoding: str) -> Iterator[RawRow]:
    with _open_text(path, encoding) as stream:
        lines = _PhysicalLines(stream)
        reader = csv.reader(lines, delimiter=delimiter)
        header: list[str] | None = None
        while True:
            lines.consumed = []
            error: str | None = None
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                fields, error = [], str(e)
            if not lines.consumed:
                break
            start = lines.consumed[0][0]
            if header is None and error is None:
                header = [name.strip() for name in fields]
                continue
            if error is None and (not fields or (len(fields) == 1 and not fields[0].strip())):
                continue  # a blank line separates nothing in CSV: not a row
            if error is None and header is not None and len(fields) != len(header):
                error = f"expected {len(header)} fields, found {len(fields)}"
            if error is not None:
                if len(lines.consumed) > 1:
                    # An unclosed quote swallows the lines after it: quarantine the line
                    # that opened it and read the others again as rows of their own.
                    lines.give_back_all_but_first()
                    error += f"; a quote opened on line {start} is not closed on that line"
                raw = lines.consumed[0][1].rstrip("\r\n")
                yield RawRow(start, None, raw=raw, error="malformed_row", detail=error)
                continue
            assert header is not None  # set by the first well-formed record above
            yield RawRow(start, dict(zip(header, fields, strict=True)), raw=delimiter.join(fields))


def _read_jsonl(path: Path, encoding: str) -> Iterator[RawRow]:
    with _open_text(path, encoding) as stream:
        for number, line in enumerate(stream, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                yield RawRow(number, None, raw=text, error="malformed_json", detail=str(e))
                continue
            if not isinstance(value, dict):
                yield RawRow(
                    number,
                    None,
                    raw=text,
                    error="malformed_json",
                    detail=f"a line must hold a JSON object, found {type(value).__name__}",
                )
                continue
            yield RawRow(number, value, raw=text)


def _read_json_array(path: Path, encoding: str) -> Iterator[RawRow]:
    with _open_text(path, encoding) as stream:
        text = stream.read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        # The whole export is unreadable: one quarantined row holds it, nothing is lost.
        yield RawRow(e.lineno, None, raw=text, error="malformed_json", detail=str(e))
        return
    items = _json_items(value)
    if items is None:
        yield RawRow(
            0,
            None,
            raw=text,
            error="malformed_json",
            detail="expected an array of objects, or an object holding one such array",
        )
        return
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield RawRow(number, item)
        else:
            yield RawRow(
                number,
                None,
                raw=json.dumps(item, ensure_ascii=False),
                error="malformed_json",
                detail=f"item {number} is a {type(item).__name__}, not an object",
            )


def _json_items(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        # Exports often wrap the list: {"tickets": [...], "count": 120}.
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def _read_parquet(path: Path, chunk_size: int) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a broken file
        raise SourceError(f"{path} is not a readable Parquet file: {e}") from e
    number = 0
    for batch in parquet.iter_batches(batch_size=chunk_size):
        for record in batch.to_pylist():
            number += 1
            yield RawRow(number, record)


def _read_xlsx(path: Path, sheet: str | None) -> Iterator[RawRow]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException...
        raise SourceError(f"{path} is not a readable .xlsx workbook: {e}") from e
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise SourceError(
                f"{path} has no sheet {sheet!r}; its sheets are {workbook.sheetnames}"
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        header: list[str] | None = None
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if header is None:
                header = [
                    str(v).strip() if v is not None else f"column_{i + 1}"
                    for i, v in enumerate(values)
                ]
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue  # empty spreadsheet row
            yield RawRow(number, dict(zip(header, values, strict=False)))
    finally:
        workbook.close()
