"""Checks of single setting values shared by Settings and the CLI, and their one-line errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

MAX_WEB_WORKERS = 64


class _Invalid(ValueError):
    """A validation failure whose message is the whole one-line error (it names the variable)."""


def _invalid(message: str) -> _Invalid:
    return _Invalid(message)


def web_workers(raw: Any, name: str) -> int:
    """A number of web worker processes, 1..MAX_WEB_WORKERS (WEB_WORKERS, or `taskbell web --workers`)."""
    try:
        n = int(raw)
    except (TypeError, ValueError):
        n = 0
    if isinstance(raw, float | bool) or not 1 <= n <= MAX_WEB_WORKERS:
        raise _invalid(f"{name} must be a whole number from 1 to {MAX_WEB_WORKERS} (web app processes; "
                       f"got {raw!r})")
    return n


def telegram_rate(raw: Any) -> float:
    """TELEGRAM_RATE: messages per second the pacer allows, 1..1000."""
    try:
        rate = float(raw)
    except (TypeError, ValueError):
        rate = 0.0
    if not 1 <= rate <= 1000:
        raise _invalid(f"TELEGRAM_RATE must be a number of messages per second from 1 to 1000 (got {raw!r}); "
                       "Telegram's own limit is 30")
    return rate


def _redact_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
