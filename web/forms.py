"""Reading form fields, query strings and path segments: ids, ISO dates and times, enums, bounded text.

One place for every field the web reads, with the messages people see. Time parsing itself is
domain.timeparse's (one ISO-date, one ISO-time and one HH:MM parser in the codebase).

Two families:
- `parse_*` return None (or a default) for what is absent or unreadable, where the page just
  falls back (a filter left empty);
- the rest raise: FieldError (a plain message, the API turns it into 400/422) or a DomainError
  (the console's and dashboard's refusal pages).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar

from starlette.requests import Request

from domain import textinput, timeparse
from domain.errors import InvalidInput, NotFound

MAX_ID = 2**31 - 1
NOWHERE = "There is nothing at this address."

E = TypeVar("E", bound=enum.Enum)
_WHOLE = re.compile(r"-?[0-9]{1,12}")


class FieldError(ValueError):
    """A field that does not read; the message names the field and says what is expected."""


# --- every field, before any other parser: text we can store -------------------------------

def field_problem(pairs: Iterable[tuple[str, Any]]) -> str | None:
    """The message for the first field (form or query string) whose name or text cannot be taken
    (a NUL byte, another control character but tab and line breaks, broken Unicode), or None."""
    for name, value in pairs:
        for text in (name, value):
            if isinstance(text, str) and (problem := textinput.text_problem(text)) is not None:
                shown = textinput.printable(name)[:40]
                return f"The field {shown!r} contains {problem}; remove it and try again."
    return None


# --- lenient: None when absent or unreadable ------------------------------------------------

def parse_id(raw: str | None) -> int | None:
    """A positive database id from text, or None."""
    if not raw or not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def parse_ids(raws: list[str]) -> list[int]:
    """The readable ids among `raws` (ticked boxes), in order."""
    return [i for i in (parse_id(v) for v in raws) if i is not None]


def parse_choice(kind: type[E], raw: str | None) -> E | None:
    """A member of `kind` by value, or None (an empty or unknown filter)."""
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        return None


def bounded(raw: str | None, limit: int, *, strip: bool = False) -> str:
    """Text cut to `limit` characters (stripped first when asked)."""
    text = raw or ""
    return (text.strip() if strip else text)[:limit]


def page_number(raw: str | None, last: int = 100_000) -> int:
    """A page number from 1 to `last`; anything else is 1 (or `last`)."""
    return max(1, min(parse_id(raw) or 1, last))


# --- strict: a refusal page (DomainError) ---------------------------------------------------

def path_id(request: Request, name: str = "id", message: str = NOWHERE) -> int:
    """A positive id from the path, else NotFound(message)."""
    value = parse_id(request.path_params[name])
    if value is None:
        raise NotFound(message)
    return value


def optional_id(raw: str | None, what: str) -> int | None:
    """None when empty; a positive id; else NotFound("No such <what>.")."""
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise NotFound(f"No such {what}.")
    return value


def iso_date(raw: str | None, default: date) -> date:
    """A YYYY-MM-DD date, `default` when empty; InvalidInput("Dates must look like 2026-11-05.")."""
    return timeparse.parse_iso_date(raw) if raw else default


def optional_date(raw: str | None) -> date | None:
    """A YYYY-MM-DD date, None when empty; InvalidInput as `iso_date`."""
    return timeparse.parse_iso_date(raw) if raw else None


def day_start(raw: str | None, tz: tzinfo, plus_days: int = 0) -> datetime | None:
    """Midnight (in `tz`, as UTC) of the date in `raw` plus `plus_days`; None when empty."""
    day = optional_date(raw)
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=plus_days), time(), tz).astimezone(UTC)


def local_datetime(raw: str, tz: tzinfo) -> datetime | None:
    """A date and time typed in `tz` (an offset in the text wins), as UTC; None when empty."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return timeparse.parse_iso_datetime(raw, tz)
    except timeparse.NotIsoTime:
        raise InvalidInput("The due time must look like 2026-11-05T17:00.") from None


def choice(kind: type[E], raw: str | None, message: str) -> E:
    """A member of `kind` by value, else InvalidInput(message)."""
    value = parse_choice(kind, raw)
    if value is None:
        raise InvalidInput(message)
    return value


# --- strict: a FieldError naming the field (the JSON API) -----------------------------------

def positive_id(raw: Any, name: str) -> int:
    """A positive id written as text."""
    value = parse_id(raw) if isinstance(raw, str) else None
    if value is None:
        raise FieldError(f"{name} must be a positive whole number.")
    return value


def whole_number(raw: Any, name: str, low: int, high: int) -> int:
    """A whole number written as text, from `low` to `high`."""
    if not isinstance(raw, str) or _WHOLE.fullmatch(raw) is None or not low <= int(raw) <= high:
        raise FieldError(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def aware_time(raw: str, name: str) -> datetime:
    """An ISO 8601 time with an offset (or Z), in UTC."""
    try:
        return timeparse.parse_iso_datetime(raw)
    except timeparse.NoOffset:
        raise FieldError(f"{name} needs a time zone offset, for example +00:00 or Z.") from None
    except timeparse.TimeOutOfRange:
        raise FieldError(f"{name} is out of range.") from None
    except InvalidInput:
        raise FieldError(f"{name} must be an ISO 8601 time such as 2026-11-05T17:00:00+00:00.") from None


def member(kind: type[E], raw: str, name: str) -> E:
    """A member of `kind` by value."""
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise FieldError(f"{name} must be one of: {allowed}.") from None
