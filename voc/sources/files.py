"""The one file reader: CSV, TSV, JSON Lines, JSON array, Parquet and Excel exports.

Ingest (in-process and on a cluster), ``voc enrich`` and ``voc train sentiment`` read files
here and nowhere else. :class:`FileReader` streams a file in chunks of :class:`RawRow`, so
memory does not grow with the file (a JSON array is the exception: it has to be parsed
whole); :func:`read_frame` reads a whole file into a pandas frame for callers that need
every row at once (``voc enrich``).

A row that cannot be read never stops the file and is never dropped: it comes out, in its
place, with an ``error`` (the reason: ``malformed_row``, ``malformed_json``,
``bad_encoding``), a ``detail`` and its line number, so the caller can quarantine it
(ingest) or write it out with its reason (enrich). Only a problem with the whole file (not
the declared format, an encoding that cannot be detected, a broken workbook) raises
:class:`~voc.errors.SourceError`.

A ``.csv`` file whose header holds semicolons and no comma is read as separated by
semicolons (Excel's "CSV" where the decimal mark is a comma).

Column names are the header's, stripped; an empty name becomes ``column_N`` (its 1-based
position) and a repeated one ``name.1``, ``name.2``, ... (as pandas names them), so no
column is lost.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import logging
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from voc.errors import SourceError
from voc.sources.encoding import EncodingGuess, escape_undecodable, has_undecodable

if TYPE_CHECKING:
    import pandas as pd

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
_PREVIEW_BYTES = 2000  # bytes of a whole unreadable file kept in quarantine
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that did not decode (surrogateescape)

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
        error: Quarantine reason when the row could not be read: ``malformed_row`` (a CSV
            row with the wrong number of fields, or an unclosed quote), ``malformed_json``,
            ``bad_encoding`` (bytes that do not decode in the file's encoding).
        detail: What exactly was wrong.
        fields: For a bad row whose fields could still be told apart (``bad_encoding``):
            field name -> value as read, undecodable bytes as lone surrogates (see
            :func:`voc.sources.encoding.escape_undecodable`); None otherwise.
    """

    line: int
    payload: dict[str, Any] | None
    raw: str | None = None
    error: str | None = None
    detail: str | None = None
    fields: dict[str, Any] | None = None

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


def file_preview(path: Path) -> str:
    """The first 2,000 bytes of a file as text (latin-1, so any bytes decode), to
    quarantine a file that cannot be read at all as one row."""
    with path.open("rb") as handle:
        head = handle.read(_PREVIEW_BYTES)
    return head.decode("latin-1")


def column_names(names: list[Any]) -> list[str]:
    """Column names from a header row: stripped, an empty one named ``column_N`` (its
    1-based position), a repeated one ``name.1``, ``name.2``, ... so that none is lost,
    undecodable bytes written as ``\\xNN``."""
    taken: set[str] = set()
    result: list[str] = []
    for position, value in enumerate(names, start=1):
        name = escape_undecodable(str(value).strip()) if value is not None else ""
        name = name or f"column_{position}"
        candidate, repeat = name, 0
        while candidate in taken:
            repeat += 1
            candidate = f"{name}.{repeat}"
        taken.add(candidate)
        result.append(candidate)
    return result


class FileReader:
    """Reads one file row by row, in chunks (see the module docstring).

    Args:
        path: The file.
        file_format: One of csv, tsv, jsonl, json, parquet, xlsx (see :func:`resolve_format`).
        encoding: Text encoding, or ``auto`` to detect it (text formats only).
        sheet: Excel sheet name; the first sheet when None.

    Attributes:
        columns: The file's column names, once reading has begun: the header (CSV, TSV,
            Excel: set when the header row has been read, so also for a file with no other
            row) or the schema (Parquet); None for JSON formats, whose objects each have
            their own keys, and before the header is read.
        arrow_schema: The Parquet file's Arrow schema (its column types), else None.
        guess: The encoding the text was read in, and why (text formats, once opened).
    """

    def __init__(
        self, path: Path, file_format: str, encoding: str = "auto", sheet: str | None = None
    ) -> None:
        self.path = Path(path)
        self.file_format = file_format
        self.encoding = encoding
        self.sheet = sheet
        self.columns: list[str] | None = None
        self.arrow_schema: Any = None
        self.guess: EncodingGuess | None = None

    def rows(self, batch_size: int = 10_000) -> Iterator[RawRow]:
        """Every row of the file, in order, good and bad alike.

        Args:
            batch_size: Rows decoded at once from a Parquet file.

        Raises:
            SourceError: the file cannot be opened at all (undecodable, not the declared
                format, an Excel sheet that is not there).
        """
        fmt = self.file_format
        if fmt in ("csv", "tsv"):
            return self._read_delimited("\t" if fmt == "tsv" else ",")
        if fmt == "jsonl":
            return self._read_jsonl()
        if fmt == "json":
            return self._read_json_array()
        if fmt == "parquet":
            return self._read_parquet(batch_size)
        if fmt == "xlsx":
            return self._read_xlsx()
        raise SourceError(f"unknown format {fmt!r} for {self.path}")

    def chunks(self, chunk_size: int) -> Iterator[list[RawRow]]:
        """The rows of :meth:`rows` in lists of at most ``chunk_size``.

        Raises:
            SourceError: as :meth:`rows`.
        """
        rows = self.rows(chunk_size)
        chunk: list[RawRow] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _open_text(self) -> TextIO:
        from voc.sources.encoding import open_text

        stream, self.guess = open_text(self.path, self.encoding)
        logger.debug("Reading %s as %s", self.path, self.guess.encoding)
        return stream

    def _undecodable(self, line: int, raw: str, fields: dict[str, Any]) -> RawRow:
        if _ESCAPED_BYTE.search(raw):
            encoding = self.guess.encoding if self.guess is not None else "its encoding"
            detail = f"bytes that do not decode in the file's encoding ({encoding})"
        else:  # JSON's "\ud83d" alone: half of a UTF-16 pair, no character
            detail = "a \\u escape of half a UTF-16 pair (a lone surrogate), not a character"
        return RawRow(line, None, raw=raw, error="bad_encoding", detail=detail, fields=fields)

    def _read_delimited(self, delimiter: str) -> Iterator[RawRow]:
        with self._open_text() as stream:
            lines = _PhysicalLines(stream)
            if delimiter == "," and _semicolon_header(lines.peek()):
                delimiter = ";"  # Excel's "CSV" where the decimal mark is a comma
            reader = csv.reader(lines, delimiter=delimiter)
            header: list[str] | None = None
            while True:
                lines.consumed, lines.ended_in_record = [], False
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
                if error is None and lines.ended_in_record:
                    error = "the file ends inside a quoted field"
                if error is None and len(lines.consumed) > 1:
                    error = _quote_closed_inside_a_field(lines.consumed, delimiter)
                if header is None and error is None:
                    header = self.columns = column_names(fields)
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
                raw = delimiter.join(fields)
                payload = dict(zip(header, fields, strict=True))
                if has_undecodable(raw):
                    yield self._undecodable(start, raw, payload)
                    continue
                yield RawRow(start, payload, raw=raw)

    def _read_jsonl(self) -> Iterator[RawRow]:
        with self._open_text() as stream:
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
                if has_undecodable(text) or ("\\u" in text and _holds_surrogate(value)):
                    yield self._undecodable(number, text, value)
                    continue
                yield RawRow(number, value, raw=text)

    def _read_json_array(self) -> Iterator[RawRow]:
        with self._open_text() as stream:
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
        # Then find the items that hold bytes that did not decode, or a lone surrogate.
        check = has_undecodable(text) or "\\u" in text
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield RawRow(
                    number,
                    None,
                    raw=json.dumps(item, ensure_ascii=False),
                    error="malformed_json",
                    detail=f"item {number} is a {type(item).__name__}, not an object",
                )
                continue
            if check:
                raw = json.dumps(item, ensure_ascii=False)
                if has_undecodable(raw):
                    yield self._undecodable(number, raw, item)
                    continue
            yield RawRow(number, item)

    def _read_parquet(self, batch_size: int) -> Iterator[RawRow]:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as e:  # pyarrow raises several types for a broken file
            raise SourceError(f"{self.path} is not a readable Parquet file: {e}") from e
        self.arrow_schema = parquet.schema_arrow
        self.columns = list(parquet.schema_arrow.names)
        number = 0
        for batch in parquet.iter_batches(batch_size=batch_size):
            for record in batch.to_pylist():
                number += 1
                yield RawRow(number, record)

    def _read_xlsx(self) -> Iterator[RawRow]:
        import openpyxl

        path, sheet = self.path, self.sheet
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
                    header = self.columns = column_names(list(values))
                    continue
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue  # empty spreadsheet row
                yield RawRow(number, dict(zip(header, values, strict=False)))
        finally:
            workbook.close()


def read_chunks(
    path: Path,
    file_format: str,
    chunk_size: int,
    encoding: str = "auto",
    sheet: str | None = None,
) -> Iterator[list[RawRow]]:
    """Stream a file as chunks of rows: :meth:`FileReader.chunks` of a new reader.

    Args:
        path: The file.
        file_format: One of csv, tsv, jsonl, json, parquet, xlsx.
        chunk_size: Rows per chunk.
        encoding: Text encoding, or ``auto`` to detect it (text formats only).
        sheet: Excel sheet name; the first sheet when None.

    Raises:
        SourceError: the file cannot be opened at all (undecodable, not the declared format).
    """
    return FileReader(path, file_format, encoding, sheet).chunks(chunk_size)


@dataclass(frozen=True)
class BadRow:
    """A row :func:`read_frame` could not read.

    Attributes:
        position: Its row in the frame (0-based, file order).
        line: Its line in the file (as :attr:`RawRow.line`).
        reason: Why (:attr:`RawRow.error`).
        detail: What exactly was wrong.
        raw: The row as written in the file, whole, undecodable bytes as ``\\xNN``.
        has_fields: Whether its fields could be told apart (and are in the frame).
    """

    position: int
    line: int
    reason: str
    detail: str
    raw: str
    has_fields: bool = False


@dataclass
class FrameRead:
    """A whole file read by :func:`read_frame`.

    Attributes:
        frame: One row per row of the file, good or bad, in file order (index 0..n-1).
            A bad row holds what could be read of it: its fields when they could be told
            apart (undecodable bytes written as ``\\xNN``), else nothing (missing cells).
        bad: The rows that could not be read, in order.
        file_format: The format the file was read as.
    """

    frame: pd.DataFrame
    bad: list[BadRow]
    file_format: str


def read_frame(
    path: str | Path,
    file_format: str = "auto",
    encoding: str = "auto",
    sheet: str | None = None,
    chunk_size: int = 10_000,
) -> FrameRead:
    """Read a whole file into a pandas frame, through :class:`FileReader`.

    CSV and TSV cells stay text exactly as written (no number or date guessing; an empty
    cell stays ``""``). JSON values keep their JSON types; Parquet columns their Arrow
    types (as ``pandas.read_parquet`` gives them); Excel cells their cell types. The
    columns are the header's (CSV, TSV, Excel, Parquet: also when there is no row), or
    every key of the JSON objects in the order first seen.

    Args:
        path: The file.
        file_format: ``auto`` (from the extension) or csv, tsv, jsonl, json, parquet, xlsx.
        encoding: Text encoding, or ``auto`` to detect it (text formats only).
        sheet: Excel sheet name; the first sheet when None.
        chunk_size: Rows read at once.

    Returns:
        The frame, and the rows that could not be read (:class:`FrameRead`).

    Raises:
        SourceError: Missing file, unknown extension, or a file that cannot be read at all.
    """
    import pandas as pd

    path = Path(path)
    kind = resolve_format(path, file_format)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    reader = FileReader(path, kind, encoding, sheet)
    records: list[dict[str, Any]] = []
    bad: list[BadRow] = []
    for chunk in reader.chunks(chunk_size):
        for row in chunk:
            if row.payload is not None:
                records.append(row.payload)
                continue
            raw = row.raw if row.raw is not None else row.raw_text()
            bad.append(
                BadRow(
                    len(records),
                    row.line,
                    row.error or "unreadable_row",
                    row.detail or "",
                    escape_undecodable(raw),
                    has_fields=row.fields is not None,
                )
            )
            records.append(_escaped(row.fields) if row.fields is not None else {})
    columns = reader.columns
    if columns is None:
        columns = list(dict.fromkeys(key for record in records for key in record))
    frame: pd.DataFrame | None = None
    if reader.arrow_schema is not None and not bad:
        import pyarrow as pa

        try:  # Arrow's own conversion keeps the column types read_parquet would give
            table = pa.Table.from_pylist(records, schema=reader.arrow_schema)
            frame = table.to_pandas()
        except (pa.ArrowException, TypeError, ValueError) as e:
            logger.debug("Building the frame of %s from Python values: %s", path, e)
    if frame is None:
        # A bad row's missing cells would turn a column of integers into floats (1 -> 1.0)
        # for the good rows too; as objects every value stays as it was read.
        frame = pd.DataFrame(records, columns=columns, dtype=object if bad else None)
    return FrameRead(frame.reset_index(drop=True), bad, kind)


def _escaped(value: Any) -> Any:
    """A value read from a file with its undecodable bytes written as ``\\xNN``."""
    if isinstance(value, str):
        return escape_undecodable(value)
    if isinstance(value, dict):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return value


def _semicolon_header(line: str) -> bool:
    """Whether a .csv file's first line is a header separated by semicolons (what Excel
    writes as "CSV" where the decimal mark is a comma): semicolons and not one comma."""
    return ";" in line and "," not in line


def _quote_closed_inside_a_field(consumed: list[tuple[int, str]], delimiter: str) -> str | None:
    """Why a record read over several lines is not one, or None when it is.

    A quote left open swallows the lines after it up to the next quote, usually the one
    opening the next row's text field, and csv.reader (not strict) hands the record over
    whole when its field count happens to match: the rows swallowed would be lost inside
    one text. A real line break in a quoted field closes its quote before a delimiter or
    the end of the line; the strict reader tells the two apart.
    """
    try:
        next(csv.reader([text for _, text in consumed], delimiter=delimiter, strict=True))
    except csv.Error as e:
        return f"a quote closes inside a field ({e})"
    return None


class _PhysicalLines:
    """Feeds a csv.reader line by line, remembering which physical lines made each record,
    so a malformed record can be given back and re-read from its second line.

    ``ended_in_record`` tells that the file ended inside the record just read: csv.reader
    asks for another line inside a record only while a quote is open, so that quote was
    never closed (csv.reader, not strict, hands the record over as if it were)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self.consumed: list[tuple[int, str]] = []
        self.ended_in_record = False

    def __iter__(self) -> _PhysicalLines:
        return self

    def __next__(self) -> str:
        if self._pending:
            item = self._pending.popleft()
        else:
            try:
                item = (self._next_number, next(self._stream))
            except StopIteration:
                self.ended_in_record = bool(self.consumed)
                raise
            self._next_number += 1
        self.consumed.append(item)
        return item[1]

    def peek(self) -> str:
        """The next line, left to be read ("" at the end of the file)."""
        if not self._pending:
            line = next(self._stream, "")
            if not line:
                return ""
            self._pending.append((self._next_number, line))
            self._next_number += 1
        return self._pending[0][1]

    def give_back_all_but_first(self) -> None:
        self._pending.extendleft(reversed(self.consumed[1:]))


def _holds_surrogate(value: Any) -> bool:
    """Whether a parsed JSON value holds a lone surrogate (from a ``"\\ud83d"`` escape
    without its other half): text that cannot be written as UTF-8."""
    return has_undecodable(json.dumps(value, ensure_ascii=False))


def _json_items(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        # Exports often wrap the list: {"tickets": [...], "count": 120}.
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None
