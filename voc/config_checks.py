"""How the configuration's values are checked, and how a mistake is told: cron
expressions and time zones (checked without importing Prefect), and a pydantic
``ValidationError`` as lines naming the key's YAML path (:func:`key_path`). Used by
:mod:`voc.config` and :mod:`voc.taxonomy`.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

__all__ = ["check_cron", "check_timezone", "explain_validation_error", "key_path"]


_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    (
        "month",
        1,
        12,
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    ),
    ("day of week", 0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
)


def check_cron(value: str) -> str:
    """A standard five-field cron expression, checked here without importing Prefect
    (importing it would add seconds to every command that reads the config)."""
    example = "e.g. '0 8 * * 1' is Mondays at 08:00"
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(
            f"{value!r} is not a cron expression; write five fields: minute hour "
            f"day-of-month month day-of-week, {example}"
        )
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.lower().split(","):
            span, _, step = part.partition("/")
            if step and not (step.isdigit() and int(step) > 0):
                raise ValueError(f"{value!r}: bad step {step!r} in the {name} field; {example}")
            if span == "*" or (name == "day of month" and span == "l"):
                continue  # l: the month's last day (croniter's extension, as in Prefect)
            if name == "day of week" and re.fullmatch(r"[0-7]#[1-5]", span):
                continue  # 1#2: the second Monday of the month
            ends = span.split("-")
            if len(ends) > 2 or not all(ends):
                raise ValueError(f"{value!r}: cannot read {part!r} in the {name} field; {example}")
            numbers = []
            for end in ends:
                if end.isdigit():
                    numbers.append(int(end))
                elif end in names:
                    numbers.append(names.index(end) + (1 if name == "month" else 0))
                else:
                    raise ValueError(
                        f"{value!r}: cannot read {end!r} in the {name} field; {example}"
                    )
            if not all(low <= n <= high for n in numbers):
                raise ValueError(
                    f"{value!r}: the {name} field takes {low}-{high}, not {span!r}; {example}"
                )
    return value


def check_timezone(value: str) -> str:
    """An IANA time-zone name (``UTC``, ``Asia/Tokyo``), or a ValueError saying what to write."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(
            f"unknown time zone {value!r}; write an IANA name such as 'UTC' or 'Asia/Tokyo'"
        ) from e
    return value


def explain_validation_error(error: ValidationError, origin: str) -> str:
    """Every problem pydantic found, one line each, with the key's YAML path and what to do
    (an unknown key that looks like a secret: set it in the environment instead)."""
    lines = [f"{origin} has {error.error_count()} problem(s):"]
    for item in error.errors():
        where = key_path(item["loc"])
        message = item["msg"]
        if item["type"] == "extra_forbidden" and _looks_secret(str(item["loc"][-1])):
            message = (
                "secrets are not read from the config file (it is committed and shared); "
                "remove it and set it in the environment instead"
            )
        elif item["type"] == "extra_forbidden":
            message = "unknown key; check its spelling against configs/voc.yaml's comments"
        elif "input" in item and item["type"] != "missing" and not isinstance(item["input"], dict):
            message = f"{message} (you wrote {item['input']!r})"
        lines.append(f"  {where or '(top level)'}: {message}")
    return "\n".join(lines)


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in ("password", "token", "secret", "api_key", "apikey"))


def key_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the YAML path a user reads: ``sources[1].rating_scale``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue  # pydantic's marker for "a key of this mapping"
        else:
            path += f".{part}" if path else str(part)
    return path
