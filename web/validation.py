"""Checking input at the edge: ids, enums, ISO 8601 times and JSON bodies, with clear messages."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from typing import Any, TypeVar

MAX_ID = 2**31 - 1
MAX_BODY = 64 * 1024

E = TypeVar("E", bound=enum.Enum)


class ApiError(Exception):
    """An HTTP refusal with a machine code and a human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def invalid(message: str) -> ApiError:
    return ApiError(422, "invalid_input", message)


def bad_query(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def parse_id(raw: str) -> int | None:
    """A positive database id from text, or None."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def parse_time(raw: str, name: str) -> datetime:
    """An ISO 8601 time with an offset (or Z), in UTC; ValueError with a message otherwise."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{name} must be an ISO 8601 time such as 2026-11-05T17:00:00+00:00.") from None
    if value.tzinfo is None:
        raise ValueError(f"{name} needs a time zone offset, for example +00:00 or Z.")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{name} is out of range.") from None


def parse_enum(kind: type[E], raw: str, name: str) -> E:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise ValueError(f"{name} must be one of: {allowed}.") from None


# --- query strings (400) -------------------------------------------------------------------

def query_id(params: Any, name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    value = parse_id(raw)
    if value is None:
        raise bad_query(f"{name} must be a positive whole number.")
    return value


def query_int(params: Any, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 12 \
            or not low <= int(raw) <= high:
        raise bad_query(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def query_time(params: Any, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return parse_time(raw, name)
    except ValueError as exc:
        raise bad_query(str(exc)) from None


def query_enum(params: Any, kind: type[E], name: str) -> E | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return parse_enum(kind, raw, name)
    except ValueError as exc:
        raise bad_query(str(exc)) from None


# --- JSON bodies (422) ---------------------------------------------------------------------

def json_object(body: bytes, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", f"The body is larger than {MAX_BODY // 1024} KiB.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise invalid("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid("The body must be a JSON object.")
    if unknown := sorted(set(data) - allowed):
        raise invalid(f"Unknown field(s): {', '.join(unknown)}.")
    if missing := sorted(required - set(data)):
        raise invalid(f"Missing field(s): {', '.join(missing)}.")
    return data


def field_str(data: dict[str, Any], name: str, default: str = "") -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string.")
    return value


def field_bool(data: dict[str, Any], name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise invalid(f"{name} must be true or false.")
    return value


def field_ids(data: dict[str, Any], name: str, max_items: int = 1000) -> list[int]:
    value = data.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > max_items or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in value):
        raise invalid(f"{name} must be a list of positive whole numbers (at most {max_items}).")
    return value


def field_int(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise invalid(f"{name} must be a whole number, or null.")
    return value


def field_time(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{name} must be an ISO 8601 string with a time zone offset, or null.")
    try:
        return parse_time(value, name)
    except ValueError as exc:
        raise invalid(str(exc)) from None


def field_enum(data: dict[str, Any], kind: type[E], name: str, default: E) -> E:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string.")
    try:
        return parse_enum(kind, value, name)
    except ValueError as exc:
        raise invalid(str(exc)) from None
