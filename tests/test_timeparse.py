from datetime import UTC, date, datetime, time

import pytest

from domain.errors import InvalidInput
from domain.timeparse import parse_due, parse_hhmm, parse_iso_date, quick_choices

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


def test_iso_dates_and_clock_times():
    assert parse_iso_date("2026-11-05", date(2000, 1, 1)) == date(2026, 11, 5)
    assert parse_iso_date("", date(2000, 1, 1)) == date(2000, 1, 1)
    assert parse_iso_date(None) is None
    for bad in ("tomorrow", "2026-13-01", "5/11/2026"):
        with pytest.raises(InvalidInput, match="Dates must look like 2026-11-05"):
            parse_iso_date(bad)
    assert parse_hhmm("16:30") == time(16, 30) and parse_hhmm("7:05") == time(7, 5)
    for bad in ("25:00", "16", "16:30:00", "four"):
        with pytest.raises(InvalidInput, match="HH:MM"):
            parse_hhmm(bad)
