"""Emails about homework: set (to a student), the reminder before it is due, a hand-in (to whoever set
it) and the review comment (to the student). Hand in from Telegram (/homework) or the console."""

from __future__ import annotations

from datetime import datetime

from domain.outbox import Delivery
from mailer.kinds_tasks import when
from mailer.registry import Email, Link, MailContext, body, renders


def _due(ctx: MailContext, d: Delivery) -> str:
    try:
        return when(ctx, d, datetime.fromisoformat(str(d.data.get("due_at"))))
    except ValueError:
        return "soon"


@renders("homework_set")
def homework_set(ctx: MailContext, d: Delivery) -> Email:
    """New homework for a student."""
    title, batch = str(d.data.get("title", "")), str(d.data.get("batch", ""))
    text, markup = body([f"New homework for {batch}: {title}, due {_due(ctx, d)}.",
                         str(d.data.get("description") or ""),
                         "Hand it in from Telegram: send /homework to the bot."], [ctx.dashboard(d.recipient_id)])
    return Email(f"Homework: {title}", text, markup)


@renders("homework_reminder")
def homework_reminder(ctx: MailContext, d: Delivery) -> Email:
    """A reminder before the due time (nothing handed in yet)."""
    title = str(d.data.get("title", ""))
    text, markup = body([f"{title} ({d.data.get('batch', '')}) is due {_due(ctx, d)} and nothing is handed in yet.",
                         "Hand it in from Telegram: send /homework to the bot."], [ctx.dashboard(d.recipient_id)])
    return Email(f"Homework due soon: {title}", text, markup)


@renders("homework_handed_in")
def homework_handed_in(ctx: MailContext, d: Delivery) -> Email:
    """To whoever set it: a student handed in."""
    title, student = str(d.data.get("title", "")), str(d.data.get("student", ""))
    late = " (late)" if d.data.get("late") else ""
    text, markup = body([f"{student} handed in {title} ({d.data.get('batch', '')}){late}.",
                         str(d.data.get("text") or "")],
                        [Link("Open the homework page", f"{ctx.base_url.rstrip('/')}/admin/homework")])
    return Email(f"Handed in: {title}, {student}", text, markup)


@renders("homework_reviewed")
def homework_reviewed(ctx: MailContext, d: Delivery) -> Email:
    """To the student: the review comment."""
    title = str(d.data.get("title", ""))
    comment = str(d.data.get("comment") or "")
    text, markup = body([f"{d.data.get('by', 'Your teacher')} reviewed your {title}.",
                         f"“{comment}”" if comment else ""])
    return Email(f"Reviewed: {title}", text, markup)
