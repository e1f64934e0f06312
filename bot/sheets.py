"""The attendance sheet and inbox items as Telegram messages (used by delivery and handlers)."""

from __future__ import annotations

import html
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render import Rendered
from bot.timefmt import local
from domain.actors import Actor
from domain.attendance import queries as att_queries
from domain.attendance import sheet as att_sheet
from domain.auth import services as auth
from domain.models import Mark, SessionStatus
from domain.uow import Database

PER_PAGE = 10
ICON = {Mark.PRESENT: "✅", Mark.ABSENT: "❌", Mark.LATE: "🕒", Mark.EXCUSED: "📝"}
ATTENDANCE_LINK = auth.ATTENDANCE


def sheet_link(db: Database, base_url: str, session_id: int, teacher_id: int) -> str:
    """A one-time link to the web sheet, valid until the class closes."""
    info = att_queries.session_info(db.uow(readonly=True), session_id)
    ttl = max(info.ends_at + timedelta(minutes=10) - db.clock.now(), timedelta(minutes=10))
    token = auth.issue_one_time(db.uow(), purpose=ATTENDANCE_LINK, person_id=teacher_id, ttl=ttl,
                                object_id=session_id)
    return f"{base_url.rstrip('/')}/attendance/sheet/{token}"


def sheet_message(db: Database, base_url: str, session_id: int, teacher_id: int, tz: str, page: int = 0,
                  link: str | None = None) -> Rendered:
    sheet = att_sheet.sheet(db.uow(readonly=True), Actor.telegram(teacher_id), session_id)
    c = sheet.counts()
    head = (f"📋 <b>{html.escape(sheet.batch_name)}</b>, {local(sheet.starts_at, None, tz)}\n"
            f"{c['present']} present · {c['absent']} absent · {c['late']} late · {c['excused']} excused")
    if sheet.status != SessionStatus.OPEN:
        return Rendered(f"{head}\nAttendance is {sheet.status.value}.", None)
    pages = max(1, (len(sheet.rows) + PER_PAGE - 1) // PER_PAGE)
    page = min(page, pages - 1)
    rows = [[InlineKeyboardButton(f"{ICON[r.mark]} {r.name}", callback_data=f"at:t:{session_id}:{r.student_id}:{page}")]
            for r in sheet.rows[page * PER_PAGE:(page + 1) * PER_PAGE]]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("« Prev", callback_data=f"at:pg:{session_id}:{page - 1}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("Next »", callback_data=f"at:pg:{session_id}:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([InlineKeyboardButton("All present", callback_data=f"at:all:{session_id}:{page}"),
                 InlineKeyboardButton("Submit", callback_data=f"at:sub:{session_id}:{page}")])
    rows.append([InlineKeyboardButton("Open web sheet", url=link or sheet_link(db, base_url, session_id, teacher_id))])
    text = head + "\nTap a name to switch present / absent, then Submit."
    return Rendered(text, InlineKeyboardMarkup(rows))


def action_keyboard(action_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Reviewed", callback_data=f"ib:{action_id}:reviewed"),
        InlineKeyboardButton("Notify parent", callback_data=f"ib:{action_id}:notify_parent"),
        InlineKeyboardButton("Ignore", callback_data=f"ib:{action_id}:ignore"),
    ]])
