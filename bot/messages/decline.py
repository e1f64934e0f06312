"""The assigner's message when a task is declined (who, what, why) with its Reassign button, and the
keyboard of people a declined task may go to."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import encode
from bot.decline_callbacks import ReassignPage, ReassignTo
from bot.messages import limits
from bot.messages.paging import nav_rows, page_count
from bot.messages.registry import Rendered, Renderer, renders
from domain.models import TaskStatus
from domain.outbox import Delivery, NotificationKind
from domain.tasks.decline import Candidate
from domain.tasks.queries import TaskRow

PER_PAGE = 8


def declined_text(card: TaskRow, reason: str) -> str:
    """'🙅 Sam declined <b>Fix the tap</b>: not my area'."""
    return (f"🙅 {html.escape(limits.clip(card.assignee_name, 256))} declined "
            f"<b>{html.escape(limits.clip(card.title, 512))}</b>: {html.escape(limits.clip(reason, 1024))}")


def reassign_keyboard(card: TaskRow) -> InlineKeyboardMarkup | None:
    """Reassign…, while the task is declined and not yet handed to someone else."""
    if card.status != TaskStatus.DECLINED or card.reassigned_to_id is not None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton("Reassign…", callback_data=encode(ReassignPage(card.id, 0)))]])


def candidates_keyboard(task_id: int, people: list[Candidate], total: int, page: int) -> InlineKeyboardMarkup:
    """One page of people to give the task to, two a row, with Prev / Next."""
    buttons = [InlineKeyboardButton(limits.clip(p.name, 40), callback_data=encode(ReassignTo(task_id, p.id)))
               for p in people]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.extend(nav_rows(page, page_count(total, PER_PAGE), lambda n: ReassignPage(task_id, n)))  # type: ignore[arg-type,return-value]
    return InlineKeyboardMarkup(rows)


@renders(NotificationKind.TASK_DECLINED)
def task_declined(r: Renderer, d: Delivery) -> Rendered:
    card = r.card(d)
    return Rendered(declined_text(card, str(d.data.get("reason", ""))), reassign_keyboard(card))
