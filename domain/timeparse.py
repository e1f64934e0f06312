"""Reading times as people type them: due times ("today 18:00", "fri 17:00", "in 3 days",
"2026-12-01 09:00"), and the one parser each for HH:MM, ISO dates and ISO date-times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput

DEFAULT_TIME = time(18, 0)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TIME = r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?"

HHMM_HELP = "Write the time as HH:MM, e.g. 16:30."
DATE_HELP = "Dates must look like 2026-11-05."
HELP = ('Write a due time like "today 18:00", "tomorrow", "in 3 days", "fri 17:00" '
        'or "2026-12-01 09:00".')
#: The dates a person may enter anywhere (console, API, bot): far enough for any school year, near
#: enough that a time shown in any zone (or moved by a reminder's days) stays a valid datetime.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
RANGE_HELP = f"Dates must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}."


def _clock(match: re.Match[str] | None) -> time:
    if match is None or match.group("h") is None:
        return DEFAULT_TIME
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = match.group("ampm")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(f"That time does not exist. {HELP}")
    return time(hour, minute)


def parse_due(text: str, now: datetime, tz: str) -> datetime:
    """A due time typed in timezone `tz`, as an aware UTC datetime; must be in the future."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    raw = " ".join((text or "").lower().replace(",", " ").split())
    if not raw:
        raise InvalidInput(HELP)
    day: date | None = None
    rest = raw
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ t](.*))?", raw):
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise InvalidInput(f"That date does not exist. {HELP}") from None
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput(f"{RANGE_HELP} {HELP}")
        rest = m.group(4) or ""
    elif m := re.fullmatch(r"in (\d{1,3}) (day|days|hour|hours|h)", raw):
        n = int(m.group(1))
        if m.group(2).startswith("h"):
            return _future((local_now + timedelta(hours=n)).replace(second=0, microsecond=0), now)
        day, rest = local_now.date() + timedelta(days=n), ""
    else:
        first, _, rest = raw.partition(" ")
        if first == "today":
            day = local_now.date()
        elif first in ("tomorrow", "tmr", "tmrw"):
            day = local_now.date() + timedelta(days=1)
        elif first[:3] in WEEKDAYS and (len(first) == 3 or first.startswith(WEEKDAYS[WEEKDAYS.index(first[:3])])):
            ahead = (WEEKDAYS.index(first[:3]) - local_now.weekday()) % 7
            day = local_now.date() + timedelta(days=ahead)
        else:
            rest = raw  # a bare time: today, or tomorrow if it has passed
    clock_match = re.fullmatch(_TIME, rest) if rest else None
    if rest and clock_match is None:
        raise InvalidInput(f"I could not read {text!r}. {HELP}")
    at = _clock(clock_match)
    if day is None:
        day = local_now.date()
        if datetime.combine(day, at, zone) <= local_now:
            day += timedelta(days=1)
    elif raw.split(" ")[0][:3] in WEEKDAYS and datetime.combine(day, at, zone) <= local_now:
        day += timedelta(days=7)  # "fri 17:00" said on a Friday evening means next Friday
    return _future(datetime.combine(day, at, zone), now)


def _future(when: datetime, now: datetime) -> datetime:
    if when <= now:
        raise InvalidInput("That time has already passed; choose a time in the future.")
    return when.astimezone(UTC)


def quick_choices(now: datetime, tz: str) -> list[tuple[str, datetime]]:
    """The buttons offered for a due time, with what each means."""
    out = []
    for label in ("today 18:00", "tomorrow 09:00", "tomorrow 18:00", "in 3 days", "in 7 days"):
        try:
            out.append((label, parse_due(label, now, tz)))
        except InvalidInput:
            continue
    return out


# --- the one parser each for HH:MM, ISO dates and ISO date-times ----------------------------

class NotIsoTime(InvalidInput):
    """Not an ISO 8601 date and time at all."""


class NoOffset(InvalidInput):
    """An ISO 8601 time without a time zone offset, where one is required."""


class TimeOutOfRange(InvalidInput):
    """An ISO 8601 time that cannot be expressed in UTC, or outside EARLIEST .. LATEST."""


def in_range(day: date, message: str = RANGE_HELP) -> date:
    """`day` if it lies within EARLIEST .. LATEST; InvalidInput(message) otherwise."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(message)
    return day


def shown_in(when: datetime, zone: tzinfo) -> datetime:
    """`when` in `zone` for display; a stored time too far out to convert stays in UTC (never raises)."""
    try:
        return when.astimezone(zone)
    except (OverflowError, ValueError):
        return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_hhmm(text: str, message: str = HHMM_HELP) -> time:
    """A clock time written HH:MM (or H:MM), 00:00 to 23:59; InvalidInput(message) otherwise."""
    m = re.fullmatch(r"(\d{1,2}):(\d{1,2})", (text or "").strip())
    if m is None or not (int(m.group(1)) <= 23 and int(m.group(2)) <= 59):
        raise InvalidInput(message)
    return time(int(m.group(1)), int(m.group(2)))


def parse_iso_date(text: str, message: str = DATE_HELP) -> date:
    """A calendar date written YYYY-MM-DD; InvalidInput(message) otherwise."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput(message) from None
    return in_range(day)


def parse_iso_datetime(text: str, default_tz: tzinfo | None = None) -> datetime:
    """An ISO 8601 date and time, in UTC; text without an offset is read in `default_tz`.

    Raises NotIsoTime, NoOffset (no offset and no `default_tz`) or TimeOutOfRange.
    """
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise NotIsoTime("Not an ISO 8601 time.") from None
    if value.tzinfo is None:
        if default_tz is None:
            raise NoOffset("An ISO 8601 time needs a time zone offset.")
        value = value.replace(tzinfo=default_tz)
    if not EARLIEST <= value.date() <= LATEST:
        raise TimeOutOfRange(f"The time is out of range. {RANGE_HELP}")
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeOutOfRange(f"The time is out of range. {RANGE_HELP}") from None


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """A person's zone, else the fallback (the organisation's), else UTC: never raises on a bad name."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")
