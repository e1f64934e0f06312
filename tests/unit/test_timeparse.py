from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.timeparse import (
    NoOffset,
    NotIsoTime,
    TimeOutOfRange,
    parse_due,
    parse_hhmm,
    parse_iso_date,
    parse_iso_datetime,
    quick_choices,
)

# Monday 2 November 2026, 09:00 UTC = 14:30 in Kolkata
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "tz", "expected"), [
    ("today 18:00", "Europe/London", datetime(2026, 11, 2, 18, 0, tzinfo=UTC)),
    ("today 18:00", "Asia/Kolkata", datetime(2026, 11, 2, 12, 30, tzinfo=UTC)),
    ("tomorrow", "Europe/London", datetime(2026, 11, 3, 18, 0, tzinfo=UTC)),
    ("in 3 days", "UTC", datetime(2026, 11, 5, 18, 0, tzinfo=UTC)),
    ("in 2 hours", "UTC", datetime(2026, 11, 2, 11, 0, tzinfo=UTC)),
    ("fri 17:00", "UTC", datetime(2026, 11, 6, 17, 0, tzinfo=UTC)),
    ("Friday 5pm", "UTC", datetime(2026, 11, 6, 17, 0, tzinfo=UTC)),
    ("mon 08:00", "UTC", datetime(2026, 11, 9, 8, 0, tzinfo=UTC)),
    ("2026-12-01 09:00", "Europe/London", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-07-01 09:00", "Europe/London", None),
    ("08:00", "UTC", datetime(2026, 11, 3, 8, 0, tzinfo=UTC)),
])
def test_parse_due(text, tz, expected):
    if expected is None:
        with pytest.raises(InvalidInput, match="passed"):
            parse_due(text, NOW, tz)
    else:
        assert parse_due(text, NOW, tz) == expected


@pytest.mark.parametrize("text", ["", "whenever", "25:00", "2026-02-30 10:00", "today at noonish"])
def test_unreadable_text_gets_help(text):
    with pytest.raises(InvalidInput):
        parse_due(text, NOW, "UTC")


def test_quick_choices_are_all_in_the_future():
    choices = quick_choices(NOW, "Europe/London")
    assert choices[0][0] == "today 18:00"
    assert all(when > NOW for _, when in choices)


# --- the one HH:MM, ISO-date and ISO-time parser ----------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("16:30", time(16, 30)), ("7:05", time(7, 5)), (" 07:30 ", time(7, 30)), ("00:00", time(0, 0)),
    ("23:59", time(23, 59)),
])
def test_parse_hhmm(text, expected):
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "1630", "16.30", "", "ab:cd", "16:30:00", "-1:30"])
def test_parse_hhmm_refuses_with_the_given_message(text):
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_hhmm(text)
    with pytest.raises(InvalidInput, match=r"^Write the start time"):
        parse_hhmm(text, "Write the start time as HH:MM, e.g. 16:30.")


def test_parse_iso_date():
    assert parse_iso_date("2026-11-05") == date(2026, 11, 5)
    for bad in ("2026-02-30", "05/11/2026", "tomorrow", ""):
        with pytest.raises(InvalidInput, match=r"Dates must look like 2026-11-05\."):
            parse_iso_date(bad)


def test_parse_iso_datetime():
    assert parse_iso_datetime("2026-11-09T17:00:00+05:30") == datetime(2026, 11, 9, 11, 30, tzinfo=UTC)
    assert parse_iso_datetime("2026-11-09T17:00Z") == datetime(2026, 11, 9, 17, 0, tzinfo=UTC)
    london = ZoneInfo("Europe/London")
    assert parse_iso_datetime("2026-07-01T09:00", london) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(NoOffset):
        parse_iso_datetime("2026-07-01T09:00")
    with pytest.raises(NotIsoTime):
        parse_iso_datetime("next week")
    with pytest.raises(TimeOutOfRange):
        parse_iso_datetime("0001-01-01T00:00:00+05:00")
    assert all(issubclass(e, InvalidInput) for e in (NoOffset, NotIsoTime, TimeOutOfRange))
