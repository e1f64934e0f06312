"""The web's shared pieces without a server: the field parsers, the one DomainError -> status table,
and the CSV writer every download uses."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.attendance.reports import StudentLine, to_csv
from domain.auth.services import TokenExpired, TokenInvalid, TokenUsed, TooManyRequests
from domain.csv_export import write_csv
from domain.errors import DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.links import LinkExpired, LinkInvalid
from domain.models import Priority, TaskStatus
from web import forms
from web.errors import status_for


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", 1), ("2147483647", 2147483647), ("0", None), ("2147483648", None), ("-1", None), ("1.5", None),
    ("²", None), ("", None), (None, None), ("12345678901", None), (" 1", None),
])
def test_parse_id(raw, expected):
    assert forms.parse_id(raw) == expected


def test_lenient_parsers_fall_back():
    assert forms.parse_ids(["3", "x", "", "0", "4"]) == [3, 4]
    assert forms.parse_choice(TaskStatus, "done") is TaskStatus.DONE
    assert forms.parse_choice(TaskStatus, "finished") is None and forms.parse_choice(TaskStatus, "") is None
    assert forms.bounded("  abc  ", 4) == "  ab" and forms.bounded("  abc  ", 4, strip=True) == "abc"
    assert forms.bounded(None, 4) == ""
    assert forms.page_number(None) == 1 and forms.page_number("0") == 1 and forms.page_number("7") == 7
    assert forms.page_number("999999999") == 100_000


def test_strict_console_parsers_refuse_with_the_messages_people_see():
    assert forms.iso_date("", date(2026, 1, 1)) == date(2026, 1, 1)
    assert forms.iso_date("2026-11-05", date(2026, 1, 1)) == date(2026, 11, 5)
    with pytest.raises(InvalidInput, match=r"^Dates must look like 2026-11-05\.$"):
        forms.iso_date("5 Nov", date(2026, 1, 1))
    assert forms.optional_date(None) is None
    london = ZoneInfo("Europe/London")
    assert forms.day_start("2026-07-01", london, 1) == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
    assert forms.local_datetime("2026-07-01T09:00", london) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert forms.local_datetime("  ", london) is None
    with pytest.raises(InvalidInput, match=r"^The due time must look like 2026-11-05T17:00\.$"):
        forms.local_datetime("soon", london)
    assert forms.optional_id("", "batch") is None and forms.optional_id("5", "batch") == 5
    with pytest.raises(NotFound, match=r"^No such batch\.$"):
        forms.optional_id("x", "batch")
    with pytest.raises(InvalidInput, match=r"^Choose one\.$"):
        forms.choice(Priority, "asap", "Choose one.")


def test_strict_api_parsers_name_the_field():
    assert forms.positive_id("5", "group_id") == 5
    with pytest.raises(forms.FieldError, match=r"^group_id must be a positive whole number\.$"):
        forms.positive_id("0", "group_id")
    assert forms.whole_number("0", "offset", 0, 10) == 0
    with pytest.raises(forms.FieldError, match=r"^limit must be a whole number from 1 to 200\.$"):
        forms.whole_number("201", "limit", 1, 200)
    assert forms.aware_time("2026-11-05T17:00:00Z", "due") == datetime(2026, 11, 5, 17, tzinfo=UTC)
    for raw, needle in (("2026-11-05T17:00", "needs a time zone offset"), ("soon", "ISO 8601 time such as"),
                        ("9999-12-31T23:59:59-05:00", "out of range")):
        with pytest.raises(forms.FieldError, match=needle):
            forms.aware_time(raw, "due")
    with pytest.raises(forms.FieldError, match=r"^priority must be one of: low, normal, high, urgent\.$"):
        forms.member(Priority, "asap", "priority")


@pytest.mark.parametrize(("error", "status"), [
    (NotFound("x"), 404), (Forbidden("x"), 403), (IllegalTransition("x"), 409), (InvalidInput("x"), 422),
    (DomainError("x"), 400), (LinkExpired("x"), 410), (LinkInvalid("x"), 403), (TokenUsed("x"), 410),
    (TokenExpired("x"), 410), (TokenInvalid("x"), 403), (TooManyRequests("x"), 429),
])
def test_one_status_table(error, status):
    assert status_for(error) == status


def test_every_csv_cell_is_guarded_once():
    lines = [StudentLine(7, "=HYPERLINK(\"x\")", "+Batch", 1, 0, 1, 0),
             StudentLine(8, "Ann", "@home", 0, 0, 0, 2)]
    text = to_csv(lines)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["student_id", "student", "batch", "present", "late", "absent", "excused", "percent"]
    assert rows[1] == ["7", "'=HYPERLINK(\"x\")", "'+Batch", "1", "0", "1", "0", "50.0"]
    assert rows[2] == ["8", "Ann", "'@home", "0", "0", "0", "2", ""]
    assert text.endswith("\r\n") and "\r\n" in text.splitlines(keepends=True)[0]
    assert write_csv(["a", "b"], [["-1", "-1"]], raw_columns=[1]) == "a,b\r\n'-1,-1\r\n"
