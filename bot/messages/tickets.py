"""Service desk messages: a new ticket (the leads get Accept / Reject / Assign...), the requester's card
(edited in place as the status moves), work done (Resolve / Reopen), resolution, comments, reminders.
Rendered from the intent's data (domain.tickets.notify writes what each needs)."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import encode
from bot.messages.registry import Rendered, Renderer, renders
from bot.ticket_callbacks import TicketAction, TicketButton
from domain.outbox import Delivery, NotificationKind, sent_message
from domain.tickets.rows import status_text
from domain.words import plural

K = NotificationKind
PRIORITY_MARK = {"urgent": "🔴 urgent", "high": "🟠 high", "normal": "", "low": "low"}


def headline(data: dict[str, Any]) -> str:
    """'#12 Leaking tap · Facilities · 🟠 high' (escaped)."""
    parts = [f"<b>#{int(data.get('number', 0))} {html.escape(str(data.get('title', '')))}</b>"]
    if data.get("team"):
        parts.append(html.escape(str(data["team"])))
    if PRIORITY_MARK.get(str(data.get("priority", ""))):
        parts.append(PRIORITY_MARK[str(data["priority"])])
    return " · ".join(parts)


def _button(label: str, action: TicketAction, ticket_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(TicketButton(action, ticket_id)))  # type: ignore[arg-type]


def triage_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    """The leads' buttons on a new ticket."""
    return InlineKeyboardMarkup([[_button("Accept", "acc", ticket_id), _button("Reject", "rej", ticket_id),
                                  _button("Assign…", "asg", ticket_id)]])


def _quote(text: object, limit: int = 700) -> str:
    body = str(text or "").strip()
    return html.escape(body if len(body) <= limit else body[: limit - 1] + "…")


@renders(K.TICKET_NEW)
def ticket_new(r: Renderer, d: Delivery) -> Rendered:
    data = d.data
    lines = [f"🆕 New request {headline(data)}"]
    if data.get("who"):
        lines.append(f"From {html.escape(str(data['who']))}")
    if data.get("description"):
        lines.append(_quote(data["description"]))
    markup = triage_keyboard(int(data["ticket_id"])) if data.get("lead") else None
    return Rendered("\n".join(lines), markup)


def card_text(data: dict[str, Any]) -> str:
    """The requester's card: the ticket and where it stands (with the reason, when there is one)."""
    status = str(data.get("status", "new"))
    lines = [f"📋 Your request {headline(data)}", f"Status: <b>{html.escape(status_text(status))}</b>"]
    if data.get("text"):
        label = {"rejected": "Reason", "resolved": "Resolution", "cancelled": "Reason"}.get(status, "Note")
        lines.append(f"{label}: {_quote(data['text'])}")
    lines.append("Reply to this message to add a comment.")
    return "\n".join(lines)


@renders(K.TICKET_CARD)
def ticket_card(r: Renderer, d: Delivery) -> Rendered:
    tid = int(d.data["ticket_id"])
    status = str(d.data.get("status", ""))
    buttons = []
    if status == "resolved":
        buttons.append(_button("Reopen", "reo", tid))
    if status == "new":
        buttons.append(_button("Cancel request", "can", tid))
    earlier = sent_message(r.db.uow(readonly=True), d.recipient_id, "ticket", tid, K.TICKET_CARD)
    return Rendered(card_text(d.data), InlineKeyboardMarkup([buttons]) if buttons else None, edit=earlier)


@renders(K.TICKET_WORK_DONE)
def ticket_work_done(r: Renderer, d: Delivery) -> Rendered:
    tid = int(d.data["ticket_id"])
    return Rendered(f"✅ The work on {headline(d.data)} is done. Resolve it, or send it back with a reason.",
                    InlineKeyboardMarkup([[_button("Resolve", "res", tid), _button("Reopen", "reo", tid)]]))


@renders(K.TICKET_RESOLVED)
def ticket_resolved(r: Renderer, d: Delivery) -> Rendered:
    text = f"✔️ Resolved: {headline(d.data)}"
    if d.data.get("text"):
        text += f"\n{_quote(d.data['text'])}"
    return Rendered(text)


@renders(K.TICKET_COMMENT)
def ticket_comment(r: Renderer, d: Delivery) -> Rendered:
    data = d.data
    head = "🔒 Internal note" if data.get("internal") else "💬"
    author = html.escape(str(data.get("author") or "Someone"))
    lines = [f"{head} {headline(data)}", f"<b>{author}</b>: {_quote(data.get('text'), 1500)}"]
    if int(data.get("attachments", 0) or 0):
        lines.append(f"📎 {plural(int(data['attachments']), 'file')} attached")
    lines.append("Reply to this message to answer.")
    return Rendered("\n".join(lines))


@renders(K.TICKET_REMINDER)
def ticket_reminder(r: Renderer, d: Delivery) -> Rendered:
    tid = int(d.data["ticket_id"])
    if d.data.get("why") == "untriaged":
        return Rendered(f"⏰ Still waiting for triage: {headline(d.data)}", triage_keyboard(tid))
    return Rendered(f"⏰ Still in progress: {headline(d.data)}. Finish your task, or comment on the ticket "
                    "if something is in the way.")
