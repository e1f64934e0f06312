"""/classes: a teacher's (an admin's: every) classes today and this week, each with its state, and a
Take attendance button on an open class that opens the sheet (the attendance sheet's own `at:open`)."""

from __future__ import annotations

import asyncio
import html
from datetime import date
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.callbacks import SheetButton, encode
from bot.deps import deps_of
from bot.identity import person_of
from bot.messages import limits
from domain.actors import Actor
from domain.attendance import queries as att_queries
from domain.errors import DomainError
from domain.models import SessionStatus
from domain.timeparse import shown_in
from domain.words import day_text

MAX_BUTTONS = 20  # Telegram allows 100 (limits.MAX_BUTTONS); a week rarely has more than a few open classes
ICON = {"upcoming": "🕒", "open": "🟢", "taken": "✅", "closed": "☑️", "missed": "⚠️"}


def _day(day: date, today: date) -> str:
    return f"Today, {day_text(day)}" if day == today else day_text(day)


def week_message(week: att_queries.ClassWeek, tz: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The week as one HTML message (cut to Telegram's limit), with a button per open class."""
    zone = ZoneInfo(tz)
    lines = [f"<b>Your classes this week</b> ({day_text(week.first)} to {day_text(week.last)}, times in {tz})"]
    today = week.on(week.today)
    lines += ["", f"<b>{_day(week.today, week.today)}</b>"]
    lines += [_line(r, zone) for r in today] or ["No classes today."]
    later = [d for d in sorted({r.on_date for r in week.rows}) if d != week.today]
    for day in later:
        lines += ["", f"<b>{_day(day, week.today)}</b>", *(_line(r, zone) for r in week.on(day))]
    if not week.rows:
        lines.append("\nNo classes this week.")
    rows = [[InlineKeyboardButton(limits.clip(f"Take attendance: {r.batch_name} ({shown_in(r.starts_at, zone):%H:%M})",
                                              64), callback_data=encode(SheetButton("open", r.id)))]
            for r in week.rows if r.status == SessionStatus.OPEN and r.id is not None][:MAX_BUTTONS]
    return limits.fit("\n".join(lines)), (InlineKeyboardMarkup(rows) if rows else None)


def _line(row: att_queries.SessionRow, zone: ZoneInfo) -> str:
    start, end = shown_in(row.starts_at, zone), shown_in(row.ends_at, zone)
    name = html.escape(limits.clip(row.batch_name, 80))
    return f"{ICON[row.state]} {start:%H:%M}-{end:%H:%M} {name}: {row.state}"


async def classes_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/classes: today's and this week's classes with their state; Take attendance on an open one."""
    message = update.effective_message
    if message is None:
        return
    person = person_of(context)
    if person is None:
        await message.reply_text("You are not linked yet. Send /start to begin.")
        return
    deps = deps_of(context)
    tz = deps.settings.timezone
    try:
        week = await asyncio.to_thread(att_queries.classes_of_week, deps.db.uow(readonly=True),
                                       Actor.telegram(person.id), tz)
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    text, markup = week_message(week, tz)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/classes."""
    return [CommandHandler("classes", classes_command)]
