"""Emails about people and classes: the absence message to a parent, the attendance reminder, the
teacher's note, the morning brief, the inbox's pending action, an admin's alert and the sign-in code."""

from __future__ import annotations

from datetime import date

from domain.attendance import queries as att_queries
from domain.inbox import services as inbox
from domain.outbox import Delivery
from domain.people import profile as profiles
from domain.words import day_text, plural
from mailer.kinds_tasks import when
from mailer.registry import Email, MailContext, body, renders


@renders("absence")
def absence(ctx: MailContext, d: Delivery) -> Email:
    """To a parent: their child was marked absent (the chat's words)."""
    info = att_queries.session_info(ctx.db.uow(readonly=True), int(d.data["session_id"]))
    child = profiles.profile(ctx.db.uow(readonly=True), int(d.data["student_id"])).name
    text, markup = body([f"{child} was marked absent from {info.batch_name} on {when(ctx, d, info.starts_at)}. "
                         "If you think this is a mistake, please tell the teacher directly; replies to this "
                         "email are not passed on."])
    return Email(f"Absence: {child}, {info.batch_name}", text, markup)


@renders("attendance_nag")
def attendance_nag(ctx: MailContext, d: Delivery) -> Email:
    """To a teacher: attendance is not taken yet."""
    info = att_queries.session_info(ctx.db.uow(readonly=True), int(d.data["session_id"]))
    text, markup = body([f"Attendance for {info.batch_name} ({when(ctx, d, info.starts_at)}) is not taken yet. "
                         "Use the sheet in the chat or the console before the class closes."],
                        [ctx.dashboard(d.recipient_id)])
    return Email(f"Attendance not taken: {info.batch_name}", text, markup)


@renders("teacher_note")
def teacher_note(ctx: MailContext, d: Delivery) -> Email:
    """To a parent: a note from their child's teacher."""
    text, markup = body([f"A note from your child's teacher: {d.data.get('note', '')}"])
    return Email("A note from your child's teacher", text, markup)


@renders("brief")
def brief(ctx: MailContext, d: Delivery) -> Email:
    """The day's brief: a heading per section, a line per item."""
    try:
        day = day_text(date.fromisoformat(str(d.data.get("day", ""))))
    except ValueError:
        day = "today"
    paras = [f"Your brief for {day}"]
    for section in d.data.get("sections", []):
        paras.append("\n".join([str(section["title"]), *(f"• {item}" for item in section["items"])]))
    text, markup = body(paras, [ctx.dashboard(d.recipient_id)])
    return Email(f"Your brief for {day}", text, markup)


@renders("pending_action")
def pending_action(ctx: MailContext, d: Delivery) -> Email:
    """An item waiting in the person's inbox."""
    action = inbox.action_info(ctx.db.uow(readonly=True), int(d.data["action_id"]))
    text, markup = body([action.summary], [ctx.dashboard(d.recipient_id)])
    return Email(f"Waiting for you: {action.summary}", text, markup)


@renders("admin_alert")
def admin_alert(ctx: MailContext, d: Delivery) -> Email:
    """An alert for the admins."""
    summary = str(d.data.get("summary", ""))
    text, markup = body([summary], [ctx.dashboard(d.recipient_id)])
    return Email(f"Alert: {summary}", text, markup)


@renders("login_code")
def login_code(ctx: MailContext, d: Delivery) -> Email:
    """The web sign-in code, when it goes by email (an intent with channels ("email",)); never held."""
    code, minutes = str(d.data.get("code", "")), int(d.data.get("minutes", 10))
    if d.data.get("purpose") == "verify_email":
        text, markup = body([f"Your code to confirm this email address for Taskbell is {code}. "
                             f"It expires in {plural(minutes, 'minute')}.",
                             "If you did not ask for it, ignore this message; nothing changes without it."])
        return Email("Confirm your email address for Taskbell", text, markup)
    text, markup = body([f"Your Taskbell sign-in code is {code}. It expires in {plural(minutes, 'minute')}.",
                         "If you did not ask for it, ignore this message; nobody can sign in without it."])
    return Email("Your Taskbell sign-in code", text, markup)


@renders("family_message")
def family_message(ctx: MailContext, d: Delivery) -> Email:
    """A parent's message to a teacher, or the answer (names only); replies go through Telegram."""
    sender = str(d.data.get("from_name") or "Someone")
    about = str(d.data.get("about") or "")
    head = f"{sender} wrote" + (f" about {about}" if about else "") + ":"
    text, markup = body([head, str(d.data.get("text") or ""),
                         "Replies to this email are not passed on: answer by replying to the message in Telegram."])
    return Email(f"Message from {sender}", text, markup)
