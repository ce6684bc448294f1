"""From a row as read to the fields of the record, following a source's mapping.

Parsing here is strict on purpose: a value that cannot be what the mapping says it is
(a rating of 11 on an NPS scale, a date in the future, a timestamp nobody can read) raises
:class:`RowProblem`, which the caller turns into a quarantined row with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from voc.config import RatingScale, SourceConfig

# Common export formats tried, in order, when a source gives no ``time_format`` and the
# value is not ISO 8601.
_FALLBACK_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%a, %d %b %Y %H:%M:%S %z",
)


class RowProblem(ValueError):
    """A row that cannot be stored: ``reason`` is the quarantine reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class MappedRow:
    """The record's fields, taken from a row, before cleaning."""

    text: str
    native_id: str | None
    created_raw: Any
    rating_raw: Any
    channel: str
    touchpoint: str | None
    metadata: dict[str, Any]


def is_blank(value: Any) -> bool:
    """True for None, NaN and strings with nothing but white space."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_text(value: Any) -> str:
    """A field's value as a string ('' for blanks); whole floats lose their '.0'."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


_ABSENT = object()


def has_field(payload: Mapping[str, Any], path: str) -> bool:
    """Whether a row has the field at all (a null value counts as present)."""
    return _lookup(payload, path) is not _ABSENT


def _lookup(payload: Mapping[str, Any], path: str) -> Any:
    if path in payload:
        return payload[path]
    value: Any = payload
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return _ABSENT
    return value


def get_field(payload: Mapping[str, Any], path: str) -> Any:
    """A field by name, or by dotted path into nested JSON (``author.username``).

    A column whose own name contains dots wins over the nested path. Absent fields are None.
    """
    value = _lookup(payload, path)
    return None if value is _ABSENT else value


class RowMapper:
    """Takes the record's fields out of a row according to a source's mapping.

    Args:
        source: A complete source mapping (presets applied).
    """

    def __init__(self, source: SourceConfig) -> None:
        self.source = source
        self.text_cols = (
            [source.text_col] if isinstance(source.text_col, str) else list(source.text_col or [])
        )
        self.zone = ZoneInfo(source.timezone)
        self._time_cache: dict[str, datetime | None] = {}

    def missing_columns(self, payload: Mapping[str, Any]) -> list[str]:
        """Mapped columns absent from a row (used to fail fast on a mis-mapped file)."""
        wanted = [*self.text_cols, self.source.id_col, self.source.time_col, self.source.rating_col]
        wanted += [self.source.channel_col, self.source.touchpoint_col]
        if self.source.conversation is not None:
            wanted.append(self.source.conversation.messages)
        return [c for c in wanted if c is not None and not has_field(payload, c)]

    def map(self, payload: Mapping[str, Any]) -> MappedRow:
        """The record's fields of one row.

        Raises:
            RowProblem: the row has no text.
        """
        text = self._text(payload)
        if not text.strip():
            raise RowProblem("missing_text", "the text field is empty")
        source = self.source
        channel = source.channel
        if source.channel_col is not None:
            channel = as_text(get_field(payload, source.channel_col)) or channel
        if not channel:
            raise RowProblem("missing_channel", f"column {source.channel_col!r} is empty")
        touchpoint = source.touchpoint
        if source.touchpoint_col is not None:
            touchpoint = as_text(get_field(payload, source.touchpoint_col)) or touchpoint
        native_id = as_text(get_field(payload, source.id_col)) if source.id_col else ""
        metadata = {}
        for column in source.metadata_cols:
            value = get_field(payload, column)
            if not is_blank(value):
                metadata[column] = _jsonable(value)
        return MappedRow(
            text=text,
            native_id=native_id or None,
            created_raw=get_field(payload, source.time_col) if source.time_col else None,
            rating_raw=get_field(payload, source.rating_col) if source.rating_col else None,
            channel=channel,
            touchpoint=touchpoint or None,
            metadata=metadata,
        )

    def _text(self, payload: Mapping[str, Any]) -> str:
        conversation = self.source.conversation
        if conversation is not None:
            messages = get_field(payload, conversation.messages)
            if not isinstance(messages, list):
                return ""
            customer_roles = set(conversation.customer_roles)
            parts = [
                _text_of(get_field(m, conversation.text), conversation.text)
                for m in messages
                if isinstance(m, Mapping)
                and as_text(get_field(m, conversation.role)) in customer_roles
            ]
        else:
            parts = [_text_of(get_field(payload, column), column) for column in self.text_cols]
        return "\n".join(part for part in parts if part.strip())

    def parse_rating(self, value: Any) -> float | None:
        """The rating as a number on the source's scale, None when blank.

        Raises:
            RowProblem: not a number, or outside the scale (NPS 11, 0 stars).
        """
        if is_blank(value):
            return None
        scale = self.source.rating_scale
        assert scale is not None  # the config refuses rating_col without rating_scale
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise RowProblem("impossible_rating", f"{value!r} is not a number") from None
        low, high = scale.bounds
        if math.isnan(number) or not low <= number <= high:
            raise RowProblem(
                "impossible_rating", f"{value!r} is outside the {scale.value} scale {low}-{high}"
            )
        if scale is not RatingScale.STARS5 and not number.is_integer():
            raise RowProblem(
                "impossible_rating", f"{value!r} is not a whole number on the {scale.value} scale"
            )
        return number

    def parse_time(self, value: Any, now: datetime, tolerance_hours: float) -> datetime | None:
        """The timestamp in UTC (without zone), None when the source has no time column.

        Raises:
            RowProblem: blank, unreadable, or in the future.
        """
        if self.source.time_col is None:
            return None
        if is_blank(value):
            raise RowProblem("missing_timestamp", f"column {self.source.time_col!r} is empty")
        if isinstance(value, str):
            # Exports repeat the same dates many times; parsing is the costly part.
            if value not in self._time_cache:
                if len(self._time_cache) > 100_000:
                    self._time_cache.clear()
                self._time_cache[value] = self._to_datetime(value)
            parsed = self._time_cache[value]
        else:
            parsed = self._to_datetime(value)
        if parsed is None:
            expected = self.source.time_format or "ISO 8601"
            raise RowProblem(
                "unparseable_timestamp", f"{value!r} does not read as a date ({expected})"
            )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        utc = parsed.astimezone(UTC).replace(tzinfo=None)
        if (utc - now).total_seconds() > tolerance_hours * 3600:
            raise RowProblem("future_timestamp", f"{value!r} is in the future")
        return utc

    def _to_datetime(self, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _from_epoch(float(value))
        text = str(value).strip()
        if self.source.time_format:
            try:
                return datetime.strptime(text, self.source.time_format)
            except ValueError:
                return None
        if text.isdigit() and len(text) >= 9:
            return _from_epoch(float(text))
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        for fmt in _FALLBACK_TIME_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None


def _from_epoch(seconds: float) -> datetime | None:
    # Exports give seconds or milliseconds since 1970; milliseconds are > 1e11 after 1973.
    if seconds > 1e11:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def not_text_kind(value: Any) -> str | None:
    """``"an object"`` or ``"a list"`` when a text field holds one (a JSON export's nested
    record, a Parquet list column), else None: its Python repr is no text a person wrote."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple | set) or getattr(value, "ndim", 0) > 0:
        return "a list"
    return None


def _text_of(value: Any, column: str) -> str:
    """A text field's value as text.

    Raises:
        RowProblem: ``not_text``: the field holds an object or a list (a JSON export's
            nested record, a Parquet list column). Its Python repr is no text a person
            wrote, and would store the object's fields unredacted.
    """
    kind = not_text_kind(value)
    if kind is not None:
        raise RowProblem(
            "not_text",
            f"the text field {column!r} holds {kind}, not text; point text_col at the "
            "field inside it that holds the text",
        )
    return as_text(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
