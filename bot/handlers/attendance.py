"""Attendance in the chat: the sheet's buttons, /attendance, /absent and /inbox."""

from __future__ import annotations

import asyncio
import html
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.callbacks import AbsentChoice, AttendanceDay, InboxButton, SheetButton, encode
from bot.conversations import IdleEndingConversation
from bot.deps import deps_of
from bot.fallback import within_conversation
from bot.identity import person_of
from bot.messages import limits
from bot.messages.attendance import sheet_message
from bot.messages.inbox import action_keyboard
from bot.timefmt import local
from domain.actors import Actor
from domain.attendance import queries as att_queries
from domain.attendance import sheet as att_sheet
from domain.errors import DomainError
from domain.inbox import services as inbox
from domain.models import SessionStatus
from domain.words import day_text, plural

REASON = 0
ABSENT_KEY = "absent_choice"
INBOX_SHOWN = 10  # items /inbox sends as messages; the count above them is of all


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int, teacher_id: int,
                page: int, new: bool = False) -> None:
    """Send the attendance sheet of a class, or edit the message it is on (keeping its web link)."""
    deps = deps_of(context)
    link = None
    if update.callback_query and update.callback_query.message and not new:
        markup = update.callback_query.message.reply_markup  # keep the link already sent
        if markup:
            link = next((b.url for row in markup.inline_keyboard for b in row if b.url), None)
    rendered = await asyncio.to_thread(sheet_message, deps.db, deps.settings.app_base_url, session_id, teacher_id,
                                       deps.settings.timezone, page, link)
    if update.callback_query and not new:
        try:
            await update.callback_query.edit_message_text(rendered.text, parse_mode=ParseMode.HTML,
                                                          reply_markup=rendered.markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
    elif update.effective_chat:
        await context.bot.send_message(update.effective_chat.id, rendered.text, parse_mode=ParseMode.HTML,
                                       reply_markup=rendered.markup)


async def sheet_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The sheet's buttons: toggle a student, everyone present, submit, page, open the sheet anew."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, SheetButton)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.")
        return
    action, session_id = button.action, button.session_id
    # As before: the sheet stays on its page after a toggle; All present and Submit show the first page.
    third = button.student_id if action == "t" else button.page if action == "pg" else None
    page = button.page if action == "t" else 0
    me, db = Actor.telegram(person.id), deps_of(context).db
    try:
        if action == "t" and third is not None:
            await asyncio.to_thread(att_sheet.toggle, db.uow(), me, session_id, int(third))
            await query.answer()
        elif action == "all":
            await asyncio.to_thread(att_sheet.toggle, db.uow(), me, session_id, None)
            await query.answer("Everyone present.")
        elif action == "sub":
            result = await asyncio.to_thread(att_sheet.submit, db.uow(), me, session_id)
            await query.answer(result.message)
        elif action == "pg" and third is not None:
            page = int(third)
            await query.answer()
        elif action == "open":
            await query.answer()
            await _show(update, context, session_id, person.id, 0, new=True)
            return
        else:
            await query.answer("This button is no longer valid.")
            return
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await _show(update, context, session_id, person.id, page)


async def attendance_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/attendance: today's classes."""
    await _day_list(update, context, None)


async def attendance_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The day list's Day before / Day after buttons."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, AttendanceDay)
    await query.answer()
    if button:
        await _day_list(update, context, button.day)


async def _day_list(update: Update, context: ContextTypes.DEFAULT_TYPE, day: date | None) -> None:
    """The teacher's classes on a day within the configured window around today."""
    message = update.effective_message
    person = person_of(context)
    if message is None:
        return
    if person is None:
        await message.reply_text("You are not linked yet. Send /start to begin.")
        return
    deps = deps_of(context)
    try:
        found = await asyncio.to_thread(att_queries.classes_of_day, deps.db.uow(readonly=True),
                                        Actor.telegram(person.id), day, deps.settings.timezone,
                                        clamp_to_window=True)
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    day, today, window = found.day, found.today, found.window_days
    title = "Today's classes" if day == today else f"Classes on {day_text(day)}"
    lines, rows = [f"<b>{title}</b>"], []
    for cs in found.rows:
        name = cs.batch_name
        lines.append(f"• {html.escape(name)} at {local(cs.starts_at, None, deps.settings.timezone)}: {cs.status.value}")
        if cs.status == SessionStatus.OPEN and cs.id is not None:
            rows.append([InlineKeyboardButton(f"Take attendance: {name}", callback_data=encode(SheetButton("open", cs.id)))])
    if not found.rows:
        lines.append("No classes.")
    nav = []
    if (today - (day - timedelta(days=1))).days <= window:
        nav.append(InlineKeyboardButton("« Day before", callback_data=encode(AttendanceDay(day - timedelta(days=1)))))
    if ((day + timedelta(days=1)) - today).days <= window:
        nav.append(InlineKeyboardButton("Day after »", callback_data=encode(AttendanceDay(day + timedelta(days=1)))))
    rows = [*rows[:limits.MAX_BUTTONS - 2], nav]  # an admin's day of many classes: within Telegram's 100
    markup = InlineKeyboardMarkup(rows)
    text = limits.fit("\n".join(lines))
    if update.callback_query:
        try:
            await update.callback_query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
    else:
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


# --- /absent -------------------------------------------------------------------------------

async def absent_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/absent: the coming classes a student or a parent may excuse."""
    message = update.effective_message
    person = person_of(context)
    assert message is not None
    if person is None:
        await message.reply_text("You are not linked yet. Send /start to begin.")
        return ConversationHandler.END
    deps = deps_of(context)
    try:
        upcoming = await asyncio.to_thread(att_queries.upcoming_for, deps.db.uow(readonly=True),
                                           Actor.telegram(person.id))
    except DomainError as exc:
        await message.reply_text(exc.message)
        return ConversationHandler.END
    if not upcoming:
        await message.reply_text("There are no classes in the next two weeks to excuse.")
        return ConversationHandler.END
    rows = [[InlineKeyboardButton(f"{student}: {info.batch_name}, {local(info.starts_at, None, deps.settings.timezone)}",
                                  callback_data=encode(AbsentChoice(info.id, sid)))] for info, sid, student in upcoming]
    await message.reply_text("Which class will be missed?", reply_markup=InlineKeyboardMarkup(rows))
    return REASON


async def absent_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/absent: the class was chosen; ask why."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = callbacks.decode_as(query.data, AbsentChoice)
    if button is None:
        await query.answer("This button is no longer valid.")
        return ConversationHandler.END
    context.user_data[ABSENT_KEY] = (button.session_id, button.student_id)
    await query.answer()
    await query.edit_message_text("Why? The teacher will see the reason. (/cancel to stop)")
    return REASON


async def absent_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/absent: the reason; the absence is excused in advance."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    choice = context.user_data.pop(ABSENT_KEY, None)
    person = person_of(context)
    if choice is None or person is None:
        await message.reply_text("Choose a class first: /absent")
        return ConversationHandler.END
    try:
        await asyncio.to_thread(att_sheet.mark_absence_in_advance, deps_of(context).db.uow(),
                                Actor.telegram(person.id), choice[0], choice[1], message.text or "")
    except DomainError as exc:
        await message.reply_text(exc.message)
        return ConversationHandler.END
    await message.reply_text("Noted: the absence is excused and the teacher will see why.")
    return ConversationHandler.END


async def absent_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel during /absent."""
    if context.user_data is not None:
        context.user_data.pop(ABSENT_KEY, None)
    if update.effective_message:
        await update.effective_message.reply_text("Nothing was changed.")
    return ConversationHandler.END


# --- /myattendance -------------------------------------------------------------------------

async def my_attendance(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last 30 days for a student, or for each child of a parent."""
    from datetime import timedelta

    from domain.attendance import reports as attendance_reports

    message = update.effective_message
    person = person_of(context)
    if message is None or person is None:
        return
    deps = deps_of(context)
    today = deps.db.clock.now().astimezone(ZoneInfo(deps.settings.timezone)).date()
    lines = await asyncio.to_thread(attendance_reports.student_lines, deps.db.uow(readonly=True),
                                    Actor.telegram(person.id), today - timedelta(days=30), today)
    if not lines:
        await message.reply_text("No attendance has been taken in the last 30 days.")
        return
    text = ["<b>Attendance, last 30 days</b>"]
    for line in lines:
        pct = "no classes counted" if line.percent is None else f"{line.percent:.0f}%"
        text.append(f"• {html.escape(line.name)}, {html.escape(line.batch)}: {pct} "
                    f"({line.present} present, {line.late} late, {line.absent} absent"
                    + (f", {line.excused} excused" if line.excused else "") + ")")
    await message.reply_text("\n".join(text), parse_mode=ParseMode.HTML)


# --- /inbox --------------------------------------------------------------------------------

async def inbox_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/inbox: the teacher's open items, each with its buttons."""
    message = update.effective_message
    person = person_of(context)
    if message is None or person is None:
        return
    try:
        items = await asyncio.to_thread(inbox.open_actions, deps_of(context).db.uow(readonly=True),
                                        Actor.telegram(person.id))
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    if not items:
        await message.reply_text("Your inbox is empty. 🎉")
        return
    shown = items[:INBOX_SHOWN]
    more = f" (the first {len(shown)} below; the console's Inbox lists them all)" if len(items) > len(shown) else ""
    await message.reply_text(f"{plural(len(items), 'open item')}{more}:")
    for item in shown:
        await message.reply_text(f"📥 {item.summary}", reply_markup=action_keyboard(item.id, item.kind))


async def inbox_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inbox item's buttons: reviewed, notify parent, ignore."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, InboxButton)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.")
        return
    try:
        action = await asyncio.to_thread(inbox.resolve_action, deps_of(context).db.uow(),
                                         Actor.telegram(person.id), button.action_id, button.resolution)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer("Done.")
    await query.edit_message_text(f"📥 {action.summary}\n✔ {action.resolution.replace('_', ' ') if action.resolution else ''}")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CallbackQueryHandler(sheet_button, pattern=callbacks.pattern(SheetButton)),
        CommandHandler("attendance", attendance_command),
        CallbackQueryHandler(attendance_day, pattern=callbacks.pattern(AttendanceDay)),
        IdleEndingConversation(
            entry_points=[CommandHandler("absent", absent_command)],
            states={REASON: [CallbackQueryHandler(absent_choice, pattern=callbacks.pattern(AbsentChoice)),
                             MessageHandler(filters.TEXT & ~filters.COMMAND, absent_reason)]},
            fallbacks=[CommandHandler("cancel", absent_cancel), *within_conversation()],
            name="absent",
            idle_text="Your /absent was left unfinished for over an hour, so it has ended; nothing was changed.",
        ),
        CommandHandler("inbox", inbox_command),
        CommandHandler("myattendance", my_attendance),
        CallbackQueryHandler(inbox_button, pattern=callbacks.pattern(InboxButton)),
    ]
