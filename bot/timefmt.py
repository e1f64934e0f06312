"""Showing UTC times in a person's (or the organisation's) time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.timeparse import shown_in


def local(when: datetime | None, tz: str | None, fallback: str = "UTC") -> str:
    if when is None:
        return "no due time"
    zone = ZoneInfo(tz or fallback)
    shown = shown_in(when, zone)
    return shown.strftime("%a %d %b %H:%M") + ("" if shown.tzinfo is zone else " UTC")
