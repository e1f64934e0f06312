"""Task emails: the card (assigned, changed, reopened, reminders) with its dashboard link and the chat's
buttons as links, and the assigner's messages (completed, declined, escalated, overdue summary)."""

from __future__ import annotations

from datetime import datetime

from domain import words
from domain.models import TaskStatus
from domain.outbox import Delivery
from domain.tasks.queries import TaskRow
from domain.timeparse import zone_or
from mailer.registry import Email, Link, MailContext, body, renders


def when(ctx: MailContext, d: Delivery, at: datetime | None) -> str:
    """A moment in the reader's zone, in the one format (domain.words)."""
    return words.when_text(at, zone_or(d.recipient_tz, ctx.org_tz)) if at is not None else ""


def card_lines(ctx: MailContext, d: Delivery, card: TaskRow) -> list[str]:
    """The task as the chat's card says it: due, priority and who from, state, note, description."""
    lines = [f"Due: {when(ctx, d, card.due_at)}" if card.due_at else "No due time",
             f"Priority: {card.priority.value} · From: {card.assigner_name}",
             f"State: {card.state.capitalize()}"]
    if card.last_note and card.status in (TaskStatus.IN_PROGRESS, TaskStatus.DECLINED):
        lines.append(f"{'You declined it' if card.status == TaskStatus.DECLINED else 'Note'}: {card.last_note}")
    return ["\n".join(lines)] + ([card.description] if card.description else [])


def card_links(ctx: MailContext, card: TaskRow) -> list[Link | None]:
    """Start, Complete and Decline while they make sense, and the dashboard (as the chat's buttons)."""
    who, links = card.assignee_id, []
    if card.status == TaskStatus.PENDING:
        links.append(ctx.action(who, "Start", "start", card.id))
    if card.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
        links.append(ctx.action(who, "Complete", "complete", card.id))
    if card.status == TaskStatus.PENDING:
        links.append(ctx.action(who, "Decline", "decline", card.id))
    return [*links, ctx.dashboard(who, card.assignee_link_generation)]


def card_email(ctx: MailContext, d: Delivery, subject: str, first: str | None = None) -> Email:
    card = ctx.card(d)
    text, markup = body([p for p in [first, card.title, *card_lines(ctx, d, card)] if p], card_links(ctx, card))
    return Email(f"{subject}: {card.title}", text, markup)


@renders("task_assigned")
def task_assigned(ctx: MailContext, d: Delivery) -> Email:
    """A new task, with the dashboard link and the chat's buttons as links."""
    return card_email(ctx, d, "New task")


@renders("task_changed")
def task_changed(ctx: MailContext, d: Delivery) -> Email:
    """The task as it now stands."""
    return card_email(ctx, d, "Task changed")


@renders("task_reopened")
def task_reopened(ctx: MailContext, d: Delivery) -> Email:
    """Reopened by the assigner, with the reason."""
    card = ctx.card(d)
    return card_email(ctx, d, "Task reopened",
                      f"{card.assigner_name} reopened this task. Reason: {d.data.get('reason', '')}")


@renders("task_reminder")
def task_reminder(ctx: MailContext, d: Delivery) -> Email:
    """Coming up, due now or overdue."""
    head = {"lead": "Coming up", "due": "Due now"}.get(str(d.data.get("slot", "")), "Overdue")
    return card_email(ctx, d, head)


@renders("task_completed")
def task_completed(ctx: MailContext, d: Delivery) -> Email:
    """To the assigner: finished (with Approve / Reopen as links when it needs review)."""
    card = ctx.card(d)
    links: list[Link | None] = []
    if d.data.get("needs_review"):
        links = [ctx.action(d.recipient_id, "Approve", "approve", card.id),
                 ctx.action(d.recipient_id, "Reopen", "reopen", card.id)]
    text, markup = body([f"{card.assignee_name} completed {card.title}."], [*links, ctx.dashboard(d.recipient_id)])
    return Email(f"Task completed: {card.title}", text, markup)


@renders("task_declined")
def task_declined(ctx: MailContext, d: Delivery) -> Email:
    """To the assigner: who declined and why."""
    card = ctx.card(d)
    text, markup = body([f"{card.assignee_name} declined {card.title}.",
                         f"Reason: {d.data.get('reason', '')}"], [ctx.dashboard(d.recipient_id)])
    return Email(f"Task declined: {card.title}", text, markup)


@renders("task_escalated")
def task_escalated(ctx: MailContext, d: Delivery) -> Email:
    """To the assigner: a task is overdue."""
    card = ctx.card(d)
    text, markup = body([f"{card.title} for {card.assignee_name} is overdue (was due {when(ctx, d, card.due_at)})."],
                        [ctx.dashboard(d.recipient_id)])
    return Email(f"Task overdue: {card.title}", text, markup)


@renders("overdue_digest")
def overdue_digest(ctx: MailContext, d: Delivery) -> Email:
    """To an assigner: how many of their tasks are well overdue."""
    count = int(d.data.get("count", 0))
    text, markup = body([f"{words.plural(count, 'task')} you assigned {'is' if count == 1 else 'are'} well overdue."],
                        [ctx.dashboard(d.recipient_id)])
    return Email("Overdue tasks", text, markup)
