"""Attendance messages: the sheet with its buttons, absences and the teacher's nag."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import SheetButton, encode
from bot.messages.paging import nav_rows, page_count
from bot.messages.registry import Rendered, Renderer, prepares, renders
from bot.timefmt import local
from domain.actors import Actor
from domain.attendance import queries as att_queries
from domain.attendance import sheet as att_sheet
from domain.attendance import sheet_links
from domain.models import Mark, SessionStatus
from domain.outbox import Delivery, NotificationKind, sent_message
from domain.people import profile as profiles
from domain.uow import Database

PER_PAGE = 10
ICON = {Mark.PRESENT: "✅", Mark.ABSENT: "❌", Mark.LATE: "🕒", Mark.EXCUSED: "📝"}
SHEET_STATE = {  # what a sheet message says once its class is not open (no buttons then)
    SessionStatus.SCHEDULED: "The class has not opened yet.",
    SessionStatus.SUBMITTED: "Attendance is submitted.",
    SessionStatus.CLOSED: "Attendance is closed.",
    SessionStatus.MISSED: "No attendance was taken; the class is closed.",
}
LINK = "sheet_link"  # the key a prepared attendance_sheet delivery carries its link under


def sheet_link(db: Database, base_url: str, session_id: int, teacher_id: int) -> str:
    """Issue a one-time link to the web sheet, valid until the class closes (a write: call it before rendering)."""
    token = sheet_links.issue_sheet_token(db.uow(), session_id, teacher_id)
    return f"{base_url.rstrip('/')}/attendance/sheet/{token}"


def sheet_view(sheet: att_sheet.Sheet, tz: str, page: int, link: str | None) -> Rendered:
    """The sheet as a message: counts, a button per student on this page, paging, All present, Submit."""
    c = sheet.counts()
    head = (f"📋 <b>{html.escape(sheet.batch_name)}</b>, {local(sheet.starts_at, None, tz)}\n"
            f"{c['present']} present · {c['absent']} absent · {c['late']} late · {c['excused']} excused")
    if sheet.status != SessionStatus.OPEN:
        return Rendered(f"{head}\n{SHEET_STATE[sheet.status]}", None)
    if link is None:
        raise ValueError("an open sheet is sent with its web link")
    session_id = sheet.session_id
    pages = page_count(len(sheet.rows), PER_PAGE)
    page = min(page, pages - 1)
    rows = [[InlineKeyboardButton(f"{ICON[r.mark]} {r.name}",
                                  callback_data=encode(SheetButton("t", session_id, page, r.student_id)))]
            for r in sheet.rows[page * PER_PAGE:(page + 1) * PER_PAGE]]
    rows.extend(nav_rows(page, pages, lambda p: SheetButton("pg", session_id, p)))
    rows.append([InlineKeyboardButton("All present", callback_data=encode(SheetButton("all", session_id, page))),
                 InlineKeyboardButton("Submit", callback_data=encode(SheetButton("sub", session_id, page)))])
    rows.append([InlineKeyboardButton("Open web sheet", url=link)])
    return Rendered(head + "\nTap a name to switch present / absent, then Submit.", InlineKeyboardMarkup(rows))


def sheet_message(db: Database, base_url: str, session_id: int, teacher_id: int, tz: str, page: int = 0,
                  link: str | None = None) -> Rendered:
    """For handlers: read the sheet, issue a web link first if it is open and has none yet, then render."""
    sheet = att_sheet.sheet(db.uow(readonly=True), Actor.telegram(teacher_id), session_id)
    if sheet.status == SessionStatus.OPEN and link is None:
        link = sheet_link(db, base_url, session_id, teacher_id)
    return sheet_view(sheet, tz, page, link)


@prepares(NotificationKind.ATTENDANCE_SHEET)
def attendance_sheet_link(r: Renderer, d: Delivery) -> dict[str, Any]:
    """Before rendering: the sheet's one-time web link, while the class is open."""
    session_id = int(d.data["session_id"])
    info = att_queries.session_info(r.db.uow(readonly=True), session_id)
    if info.status != SessionStatus.OPEN:
        return {}
    return {LINK: sheet_link(r.db, r.base_url, session_id, d.recipient_id)}


@renders(NotificationKind.ATTENDANCE_SHEET)
def attendance_sheet(r: Renderer, d: Delivery) -> Rendered:
    sheet = att_sheet.sheet(r.db.uow(readonly=True), Actor.telegram(d.recipient_id), int(d.data["session_id"]))
    return sheet_view(sheet, d.recipient_tz or r.org_tz, 0, d.data.get(LINK))


@renders(NotificationKind.ATTENDANCE_SHEET_DONE)
def attendance_sheet_done(r: Renderer, d: Delivery) -> Rendered:
    """Edits the sheet message sent for this class to its state now ("submitted"), with no buttons;
    sends nothing when there is none (or the class was reopened meanwhile)."""
    session_id = int(d.data["session_id"])
    where = sent_message(r.db.uow(readonly=True), d.recipient_id, "session", session_id,
                         NotificationKind.ATTENDANCE_SHEET)
    sheet = att_sheet.sheet(r.db.uow(readonly=True), Actor.telegram(d.recipient_id), session_id)
    if sheet.status == SessionStatus.OPEN:
        return Rendered("", edit=None, edit_only=True)
    done = sheet_view(sheet, d.recipient_tz or r.org_tz, 0, None)
    return Rendered(done.text, None, edit=where, edit_only=True)


@renders(NotificationKind.ABSENCE)
def absence(r: Renderer, d: Delivery) -> Rendered:
    info = att_queries.session_info(r.db.uow(readonly=True), int(d.data["session_id"]))
    child = profiles.profile(r.db.uow(readonly=True), int(d.data["student_id"])).name
    return Rendered(f"{html.escape(child)} was marked absent from <b>{html.escape(info.batch_name)}</b> on "
                    f"{local(info.starts_at, d.recipient_tz, r.org_tz)}. If you think this is a mistake, reply to "
                    "this message to reach the teacher.")


@renders(NotificationKind.ATTENDANCE_NAG)
def attendance_nag(r: Renderer, d: Delivery) -> Rendered:
    info = att_queries.session_info(r.db.uow(readonly=True), int(d.data["session_id"]))
    return Rendered(f"⏰ Attendance for <b>{html.escape(info.batch_name)}</b> "
                    f"({local(info.starts_at, d.recipient_tz, r.org_tz)}) is not taken yet. Use the sheet above or "
                    "/attendance before the class closes.")

