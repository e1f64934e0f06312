"""What people may type (domain.textinput, the date range of domain.timeparse, forms' numbers) and
what Telegram takes (bot.messages.limits): the helpers on their own, and the task card at the limits."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.messages import limits
from bot.messages.tasks import card_text
from bot.timefmt import local
from domain import timeparse
from domain.errors import InvalidInput
from domain.models import Priority, TaskStatus
from domain.tasks.queries import TaskRow
from domain.textinput import check_text, printable, text_problem
from web import forms
from web.pages import local_time

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


# --- text people type ---------------------------------------------------------------------

@pytest.mark.parametrize("bad, said", [
    ("a\x00b", "a NUL byte"), ("\ud800", "an unpaired surrogate"), ("x\udfffy", "an unpaired surrogate"),
    ("a\x1bb", "U+001B"), ("\x7f", "U+007F"), ("\x85", "U+0085"), ("\x0b", "U+000B"),
])
def test_nul_surrogates_and_control_characters_are_refused_with_a_reason(bad: str, said: str) -> None:
    assert said in (text_problem(bad) or "")
    with pytest.raises(InvalidInput, match="The title contains"):
        check_text(bad, "The title")
    assert "\ufffd" in printable(bad)


@pytest.mark.parametrize("good", [
    "plain", "tab\tand\nlines\r\n", "😀👩‍👩‍👧🇬🇧", "\u202e\u200fعربي\u202c", "<script>", "=SUM(A1)", "",
])
def test_ordinary_text_emoji_and_direction_marks_pass(good: str) -> None:
    assert text_problem(good) is None and check_text(good) == good


def test_a_single_line_field_may_refuse_line_breaks() -> None:
    assert text_problem("a\nb", multiline=False) == "a line break"
    assert text_problem("a\tb", multiline=False) is None


def test_forms_name_the_field_with_a_problem() -> None:
    assert forms.field_problem([("q", "ok"), ("title", "a\x00")]) == \
        "The field 'title' contains a NUL byte; remove it and try again."
    assert "contains a control character" in forms.field_problem([("a\x01", "x")])  # type: ignore[operator]
    assert forms.field_problem([("q", "fine"), ("description", "two\nlines")]) is None


@pytest.mark.parametrize("raw", ["--5", "-", "5-", "1e3", "٣", "+5", "9" * 13, " 5", "5 ", "0x10", ""])
def test_whole_numbers_refuse_what_int_would_choke_on(raw: str) -> None:
    with pytest.raises(forms.FieldError):
        forms.whole_number(raw, "limit", 1, 100)


def test_whole_numbers_within_bounds_read() -> None:
    assert forms.whole_number("-3", "n", -5, 5) == -3 and forms.whole_number("100", "n", 1, 100) == 100
    with pytest.raises(forms.FieldError, match="from 1 to 100"):
        forms.whole_number(str(2**63), "limit", 1, 100)


# --- dates people type --------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_dates_outside_2000_to_2100_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="between 2000-01-01 and 2100-12-31"):
        timeparse.parse_iso_date(raw)
    with pytest.raises(timeparse.TimeOutOfRange, match="between 2000-01-01 and 2100-12-31"):
        timeparse.parse_iso_datetime(raw + "T12:00+00:00")


def test_the_edges_of_the_range_are_taken_and_convert_in_any_zone() -> None:
    assert timeparse.parse_iso_date("2000-01-01") == date(2000, 1, 1)
    assert timeparse.parse_iso_date("2100-12-31") == date(2100, 12, 31)
    late = timeparse.parse_iso_datetime("2100-12-31T23:59-12:00")
    assert late.astimezone(ZoneInfo("Pacific/Kiritimati")).year == 2101
    assert timeparse.parse_iso_datetime("2000-01-01T00:00+14:00").year == 1999


def test_the_bot_refuses_a_typed_due_time_beyond_2100() -> None:
    with pytest.raises(InvalidInput, match="between 2000-01-01 and 2100-12-31"):
        timeparse.parse_due("9999-12-31 09:00", NOW, "Asia/Tokyo")
    assert timeparse.parse_due("2100-12-31 09:00", NOW, "Asia/Tokyo").year == 2100


def test_the_console_tells_why_a_due_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="between 2000-01-01 and 2100-12-31"):
        forms.local_datetime("9999-12-31T23:59", ZoneInfo("Asia/Tokyo"))
    with pytest.raises(InvalidInput, match="must look like"):
        forms.local_datetime("tomorrow-ish", ZoneInfo("Asia/Tokyo"))


def test_a_stored_time_too_far_out_is_shown_in_utc_rather_than_crashing() -> None:
    far = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(OverflowError):
        far.astimezone(ZoneInfo("Asia/Tokyo"))
    assert local_time(far, ZoneInfo("Asia/Tokyo")) == "Fri 31 Dec, 23:00 UTC"
    assert local(far, "Asia/Tokyo") == "Fri 31 Dec, 23:00 UTC"
    assert local_time(NOW, ZoneInfo("Asia/Tokyo")) == "Mon 2 Nov, 18:00"


# --- Telegram's limits --------------------------------------------------------------------

def test_lengths_are_counted_as_telegram_counts_them() -> None:
    assert limits.units("abc") == 3 and limits.units("😀") == 2 and limits.units("👩‍👩‍👧") == 8
    assert limits.visible("<b>a &amp; b</b>\n<a href=\"http://x\">link</a>") == len("a & b\nlink")


def test_clip_cuts_to_the_budget_without_splitting_an_emoji() -> None:
    assert limits.clip("short", 10) == "short"
    cut = limits.clip("😀" * 10, 7)
    assert cut == "😀😀😀…" and limits.units(cut) <= 7
    assert limits.clip("abcdef", 4, "…") == "abc…"


def test_fit_keeps_tags_balanced_and_entities_whole() -> None:
    text = "<b>" + "x &amp; y " * 1000 + "</b>\n<i>tail</i>"
    fitted = limits.fit(text, 100)
    assert limits.visible(fitted) <= 100
    assert fitted.count("<b>") == fitted.count("</b>") and "<i>" not in fitted
    assert "&am" not in fitted.replace("&amp;", "")
    assert fitted.endswith(html.escape(limits.CUT))
    assert limits.fit("<b>fits</b>", 100) == "<b>fits</b>"


def _card(**changes: object) -> TaskRow:
    values: dict[str, object] = dict(
        id=1, assignment_id=1, title="T" * 200, description="d" * 4000, priority=Priority.HIGH,
        status=TaskStatus.IN_PROGRESS, due_at=NOW + timedelta(days=1), requires_review=False, assignee_id=2,
        assignee_name="Sam", assigner_id=3, assigner_name="<Teacher & Co>", created_at=NOW, updated_at=NOW,
        started_at=NOW, completed_at=None, resolved_at=None, cancelled_at=None, reopen_count=0,
        last_note="n" * 1000)
    values.update(changes)
    return TaskRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("title, description", [
    ("T" * 200, "d" * 4000), ("🎉" * 200, "😀" * 4000), ("&<>" * 66, "<&>" * 1333), ("x", "👩‍👩‍👧" * 800),
])
def test_the_task_card_at_the_input_limits_fits_one_message_and_keeps_its_lines(title: str,
                                                                               description: str) -> None:
    text = card_text(_card(title=title, description=description), "Europe/London")
    assert limits.visible(text) <= limits.MAX_TEXT
    assert html.escape(title) in text and "Due: " in text and "From: &lt;Teacher &amp; Co&gt;" in text
    assert "Note: " in text and text.count("<b>") == text.count("</b>") == 1
    assert "the full text is on your dashboard" in text


def test_a_card_that_fits_is_not_cut() -> None:
    text = card_text(_card(description="Read chapter 4.", last_note=None), "Europe/London")
    assert "Read chapter 4." in text and limits.ELLIPSIS not in text
