"""Task messages: the card, its buttons, and the task notifications (assigned, changed, reopened, completed)."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import TaskButton, encode
from bot.decline_callbacks import DeclineButton
from bot.messages import limits
from bot.messages.registry import Rendered, Renderer, renders
from bot.timefmt import local
from domain import words
from domain.links import LinkSigner, dashboard_url
from domain.models import TaskStatus
from domain.outbox import CARD_KINDS, Delivery, NotificationKind, sent_message
from domain.tasks.queries import TaskRow

ICONS = {words.PENDING: "⏳", words.IN_PROGRESS: "▶️", words.DONE: "✅", words.AWAITING_REVIEW: "✅",
         words.APPROVED: "✅", words.REOPENED: "🔁", words.CANCELLED: "✖️",
         words.DECLINED: "🙅"}


def state_line(card: TaskRow) -> str:
    """The task's state as the chat shows it: an icon and the one vocabulary's word ("✅ Awaiting review")."""
    return f"{ICONS[card.state]} {card.state.capitalize()}"


def card_text(card: TaskRow, org_tz: str) -> str:
    """A task as the assignee reads it; a description too long for one Telegram message is cut, with
    a pointer to the dashboard (the card's button), which shows all of it."""
    head = [f"<b>{html.escape(limits.clip(card.title, 512))}</b>"]
    tail = [f"Due: {local(card.due_at, card.assignee_timezone, org_tz)}" if card.due_at else "No due time",
            f"Priority: {card.priority.value} · From: {html.escape(limits.clip(card.assigner_name, 256))}",
            state_line(card)]
    if card.last_note and card.status in (TaskStatus.IN_PROGRESS, TaskStatus.DECLINED):
        label = "You declined it" if card.status == TaskStatus.DECLINED else "Note"
        tail.append(f"{label}: {html.escape(limits.clip(card.last_note, 1024))}")
    if card.description:
        budget = limits.MAX_TEXT - limits.visible("\n".join(head + tail)) - 1
        head.append(html.escape(limits.clip(card.description, budget, limits.MORE)))
    return "\n".join(head + tail)


def _button(text: str, action: str, task_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(TaskButton(action, task_id)))  # type: ignore[arg-type]


def assignee_keyboard(card: TaskRow) -> InlineKeyboardMarkup | None:
    """Start, Complete and Decline, while they make sense."""
    row = []
    if card.status == TaskStatus.PENDING:
        row.append(_button("Start", "start", card.id))
    if card.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
        row.append(_button("Complete", "complete", card.id))
    if card.status == TaskStatus.PENDING:
        row.append(InlineKeyboardButton("Decline", callback_data=encode(DeclineButton(card.id))))
    return InlineKeyboardMarkup([row]) if row else None


def card_markup(card: TaskRow, links: LinkSigner, base_url: str, now: datetime) -> InlineKeyboardMarkup:
    """The assignee's buttons that still make sense, and a signed link to their dashboard."""
    keyboard = assignee_keyboard(card)
    rows = list(keyboard.inline_keyboard) if keyboard else []
    url = dashboard_url(base_url, links.dashboard_token(card.assignee_id, now, card.assignee_link_generation))
    rows.append([InlineKeyboardButton("Open dashboard", url=url)])
    return InlineKeyboardMarkup(rows)


def review_keyboard(card: TaskRow) -> InlineKeyboardMarkup | None:
    """Approve and Reopen, for a finished task that needs review."""
    if card.status != TaskStatus.DONE or not card.requires_review:
        return None
    return InlineKeyboardMarkup([[_button("Approve", "approve", card.id), _button("Reopen", "reopen", card.id)]])


def markup_for(r: Renderer, card: TaskRow) -> InlineKeyboardMarkup:
    """`card_markup` with the renderer's signer, address and clock."""
    return card_markup(card, r.links, r.base_url, r.db.clock.now())


def live_card(r: Renderer, d: Delivery, card: TaskRow) -> tuple[int, int] | None:
    """Where the recipient's live card of this task is (the newest message that carries it), if any."""
    return sent_message(r.db.uow(readonly=True), d.recipient_id, "task", card.id, CARD_KINDS)


def new_card(r: Renderer, d: Delivery, card: TaskRow, text: str, markup: InlineKeyboardMarkup) -> Rendered:
    """A message carrying the task's card; the older card, if any, is edited to point to this one."""
    where = live_card(r, d, card)
    moved = f"↪️ <b>{html.escape(limits.clip(card.title, 512))}</b>: see the newer message below."
    return Rendered(text, markup, supersedes=(where, moved) if where else None)


@renders(NotificationKind.TASK_ASSIGNED)
def task_assigned(r: Renderer, d: Delivery) -> Rendered:
    card = r.card(d)
    return new_card(r, d, card, card_text(card, r.org_tz), markup_for(r, card))


@renders(NotificationKind.TASK_CHANGED)
def task_changed(r: Renderer, d: Delivery) -> Rendered:
    """Edits the live card (the newest one sent), where Telegram still lets us."""
    card = r.card(d)
    return Rendered(card_text(card, r.org_tz), markup_for(r, card), edit=live_card(r, d, card))


@renders(NotificationKind.TASK_REOPENED)
def task_reopened(r: Renderer, d: Delivery) -> Rendered:
    """The reopened task's new card (the assignee is told); the older card points to it."""
    card = r.card(d)
    reason = html.escape(str(d.data.get("reason", "")))
    return new_card(r, d, card, f"🔁 {html.escape(card.assigner_name)} reopened this task.\nReason: {reason}\n\n"
                    f"{card_text(replace(card, last_note=None), r.org_tz)}", markup_for(r, card))


def completed_text(card: TaskRow) -> str:
    """'✅ Sam completed <b>Essay</b> (2 of 3 done).': the assigner's message, also once reviewed."""
    progress = f" ({card.done_count} of {card.total_count} done)" if card.total_count > 1 else ""
    return f"✅ {html.escape(card.assignee_name)} completed <b>{html.escape(card.title)}</b>{progress}."


@renders(NotificationKind.TASK_COMPLETED)
def task_completed(r: Renderer, d: Delivery) -> Rendered:
    card = r.card(d, with_progress=True)
    text = completed_text(card)
    if d.data.get("needs_review"):
        text += "\nIt needs your review."
    return Rendered(text, review_keyboard(card) if d.data.get("needs_review") else None)
