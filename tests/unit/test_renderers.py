"""Notification renderers: one per kind, checked at start; renderers of data alone; the sheet and paging."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine

from bot.callbacks import SheetButton, TaskListPage, decode, encode
from bot.messages import Renderer, UnknownKind, check_renderers
from bot.messages.attendance import sheet_view
from bot.messages.paging import nav_rows, page_count
from bot.messages.registry import RENDERERS, MissingRenderers, renders
from domain.attendance.sheet import Sheet, SheetRow
from domain.links import LinkSigner
from domain.models import Mark, SessionStatus
from domain.outbox import Delivery, NotificationKind
from domain.uow import Database

STARTS = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


@pytest.fixture
def renderer() -> Renderer:
    """A renderer over an empty in-memory database: the kinds tested here never read it."""
    return Renderer(Database.from_engine(create_engine("sqlite://")), "Europe/London",
                    LinkSigner(("k" * 32,)), "http://example.test")


def delivery(kind: str, **data: object) -> Delivery:
    return Delivery(1, kind, 7, 70, dict(data), 1, None, None, None)


def test_every_notification_kind_has_a_renderer() -> None:
    check_renderers()
    assert set(RENDERERS) == set(NotificationKind)


def test_a_kind_without_a_renderer_fails_at_start_not_at_send(renderer: Renderer) -> None:
    fn = RENDERERS.pop(NotificationKind.TEACHER_NOTE)
    try:
        with pytest.raises(MissingRenderers, match="teacher_note"):
            check_renderers()
        with pytest.raises(MissingRenderers):
            Renderer(renderer.db, "UTC", renderer.links, "http://example.test")
    finally:
        RENDERERS[NotificationKind.TEACHER_NOTE] = fn


def test_a_kind_is_rendered_by_one_renderer_only() -> None:
    with pytest.raises(RuntimeError, match="two renderers"):
        renders(NotificationKind.BRIEF)(lambda r, d: None)  # type: ignore[arg-type,return-value]


def test_a_stored_kind_this_bot_does_not_know_is_an_unknown_kind(renderer: Renderer) -> None:
    with pytest.raises(UnknownKind):
        renderer.render(delivery("carrier_pigeon"))


def test_kinds_store_the_same_strings_as_before() -> None:
    assert NotificationKind.LOGIN_CODE == "login_code" and str(NotificationKind.TASK_ASSIGNED) == "task_assigned"
    assert NotificationKind("attendance_sheet") is NotificationKind.ATTENDANCE_SHEET


def test_renderers_of_data_alone(renderer: Renderer) -> None:
    code = renderer.render(delivery("login_code", code="123456", minutes=5))
    assert "<code>123456</code>" in code.text and "5 minutes" in code.text
    assert renderer.render(delivery("admin_alert", summary="a < b")).text == "ℹ️ a &lt; b"
    assert renderer.render(delivery("teacher_note", note="Well done")).text.endswith("Well done")
    assert "3 tasks you assigned" in renderer.render(delivery("overdue_digest", count=3)).text
    brief = renderer.render(delivery("brief", day="2026-11-02", sections=[{"title": "Due", "items": ["Essay"]}]))
    assert "Your brief for Mon 2 Nov" in brief.text and "• Essay" in brief.text


def sheet(n: int, status: SessionStatus = SessionStatus.OPEN) -> Sheet:
    rows = [SheetRow(100 + i, f"Student {i:02d}", Mark.PRESENT, False, None) for i in range(n)]
    return Sheet(5, 1, "Chemistry 9", date(2026, 11, 2), STARTS, STARTS, status, rows, Mark.PRESENT)


def test_the_sheet_pages_its_students_with_prev_and_next() -> None:
    shown = sheet_view(sheet(25), "Europe/London", 1, "http://example.test/attendance/sheet/t")
    assert shown.markup is not None
    buttons = [b for row in shown.markup.inline_keyboard for b in row]
    names = [b.text for b in buttons if b.callback_data and decode(b.callback_data).action == "t"]  # type: ignore[union-attr]
    assert names[0] == "✅ Student 10" and len(names) == 10
    by_text = {b.text: b.callback_data for b in buttons}
    assert by_text["« Prev"] == "at:pg:5:0" and by_text["Next »"] == "at:pg:5:2"
    assert by_text["All present"] == "at:all:5:1" and by_text["Submit"] == "at:sub:5:1"
    assert by_text["✅ Student 10"] == encode(SheetButton("t", 5, 1, 110))
    assert next(b.url for b in buttons if b.text == "Open web sheet").endswith("/attendance/sheet/t")


def test_a_closed_sheet_has_no_buttons_and_an_open_one_needs_its_link() -> None:
    closed = sheet_view(sheet(3, SessionStatus.SUBMITTED), "UTC", 0, None)
    assert closed.markup is None and "Attendance is submitted." in closed.text
    with pytest.raises(ValueError):
        sheet_view(sheet(3), "UTC", 0, None)
    missed = sheet_view(sheet(3, SessionStatus.MISSED), "UTC", 0, None)
    assert missed.markup is None and "No attendance was taken; the class is closed." in missed.text


def test_paging() -> None:
    assert [page_count(n, 5) for n in (0, 1, 5, 6, 11)] == [1, 1, 1, 2, 3]
    assert nav_rows(0, 1, TaskListPage) == []
    [only] = nav_rows(0, 3, TaskListPage)
    assert [(b.text, b.callback_data) for b in only] == [("Next »", "tl:1")]
    [both] = nav_rows(2, 4, TaskListPage, prev="« Previous")
    assert [(b.text, b.callback_data) for b in both] == [("« Previous", "tl:1"), ("Next »", "tl:3")]
    [last] = nav_rows(3, 4, TaskListPage)
    assert [b.text for b in last] == ["« Prev"]
