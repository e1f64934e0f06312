"""Showing UTC times in a person's (or the organisation's) time zone, in the one format (domain.words)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.words import when_text


def local(when: datetime | None, tz: str | None, fallback: str = "UTC") -> str:
    """'Mon 2 Nov, 14:05' in the reader's zone (the console shows the same); '' for no time."""
    if when is None:
        return ""
    return when_text(when, ZoneInfo(tz or fallback))


def due_phrase(when: datetime | None, tz: str | None, fallback: str = "UTC") -> str:
    """'due Mon 2 Nov, 14:05', or 'no due time'."""
    return f"due {local(when, tz, fallback)}" if when is not None else "no due time"
