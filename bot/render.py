"""Every notification kind rendered into Telegram text and buttons, in one place."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.timefmt import local
from domain.links import LinkSigner, dashboard_url
from domain.models import TaskStatus
from domain.outbox import Delivery, sent_message
from domain.tasks.queries import TaskRow as TaskCard
from domain.tasks.queries import task_card, task_cards
from domain.uow import Database

STATUS_LINE = {
    TaskStatus.PENDING: "⏳ Not started",
    TaskStatus.IN_PROGRESS: "▶️ In progress",
    TaskStatus.DONE: "✅ Done",
    TaskStatus.RESOLVED: "✅ Done and approved",
    TaskStatus.CANCELLED: "✖️ Cancelled",
}


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    edit: tuple[int, int] | None = None  # (chat id, message id) to edit instead of sending


class UnknownKind(Exception):
    pass


def callback(action: str, task_id: int) -> str:
    return f"task:{action}:{task_id}"


def card_text(card: TaskCard, org_tz: str) -> str:
    status = STATUS_LINE[card.status]
    if card.status == TaskStatus.DONE and card.requires_review:
        status = "✅ Done, awaiting review"
    parts = [f"<b>{html.escape(card.title)}</b>"]
    if card.description:
        parts.append(html.escape(card.description))
    parts.append(f"Due: {local(card.due_at, card.assignee_timezone, org_tz)}")
    parts.append(f"Priority: {card.priority.value} · From: {html.escape(card.assigner_name)}")
    parts.append(status)
    if card.last_note and card.status == TaskStatus.IN_PROGRESS:
        parts.append(f"Note: {html.escape(card.last_note)}")
    return "\n".join(parts)


def assignee_keyboard(card: TaskCard) -> InlineKeyboardMarkup | None:
    row = []
    if card.status == TaskStatus.PENDING:
        row.append(InlineKeyboardButton("Start", callback_data=callback("start", card.id)))
    if card.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
        row.append(InlineKeyboardButton("Complete", callback_data=callback("complete", card.id)))
    return InlineKeyboardMarkup([row]) if row else None


def card_markup(card: TaskCard, links: LinkSigner, base_url: str, now: datetime) -> InlineKeyboardMarkup:
    """The assignee's buttons that still make sense, and a signed link to their dashboard."""
    rows = list(assignee_keyboard(card).inline_keyboard) if assignee_keyboard(card) else []
    url = dashboard_url(base_url, links.dashboard_token(card.assignee_id, now, card.assignee_link_generation))
    rows.append([InlineKeyboardButton("Open dashboard", url=url)])
    return InlineKeyboardMarkup(rows)


def review_keyboard(card: TaskCard) -> InlineKeyboardMarkup | None:
    if card.status != TaskStatus.DONE or not card.requires_review:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton("Approve", callback_data=callback("approve", card.id)),
                                  InlineKeyboardButton("Reopen", callback_data=callback("reopen", card.id))]])


def brief_text(data: dict) -> str:  # type: ignore[type-arg]
    lines = [f"☀️ <b>Your brief for {html.escape(str(data.get('day', '')))}</b>"]
    for section in data.get("sections", []):
        lines.append(f"\n<b>{html.escape(str(section['title']))}</b>")
        lines.extend(f"• {html.escape(str(item))}" for item in section["items"])
    return "\n".join(lines)


class Renderer:
    def __init__(self, db: Database, org_tz: str, links: LinkSigner, base_url: str) -> None:
        self.db, self.org_tz, self.links, self.base_url = db, org_tz, links, base_url

    def _markup(self, card: TaskCard) -> InlineKeyboardMarkup:
        return card_markup(card, self.links, self.base_url, self.db.clock.now())

    _cards: dict[int, TaskCard] | None = None

    def render(self, d: Delivery) -> Rendered:
        method = getattr(self, f"_{d.kind}", None)
        if method is None:
            raise UnknownKind(d.kind)
        return method(d)

    def prefetch(self, deliveries: list[Delivery]) -> None:
        """Load every task card a batch needs in one query (render() then reads them)."""
        ids = [int(d.data["task_id"]) for d in deliveries if d.kind.startswith("task_") and "task_id" in d.data]
        self._cards = task_cards(self.db.uow(readonly=True), ids)

    def _card(self, d: Delivery, *, with_progress: bool = False) -> TaskCard:
        task_id = int(d.data["task_id"])
        if not with_progress and self._cards is not None and task_id in self._cards:
            return self._cards[task_id]
        return task_card(self.db.uow(readonly=True), task_id, with_progress=with_progress)

    def _task_assigned(self, d: Delivery) -> Rendered:
        card = self._card(d)
        return Rendered(card_text(card, self.org_tz), self._markup(card))

    def _task_changed(self, d: Delivery) -> Rendered:
        card = self._card(d)
        where = sent_message(self.db.uow(readonly=True), d.recipient_id, "task", card.id, "task_assigned")
        return Rendered(card_text(card, self.org_tz), self._markup(card), edit=where)

    def _task_reopened(self, d: Delivery) -> Rendered:
        card = self._card(d)
        reason = html.escape(str(d.data.get("reason", "")))
        return Rendered(f"🔁 <b>{html.escape(card.title)}</b> was reopened by "
                        f"{html.escape(card.assigner_name)}.\nReason: {reason}", self._markup(card))

    def _task_completed(self, d: Delivery) -> Rendered:
        card = self._card(d, with_progress=True)
        progress = f" ({card.done_count} of {card.total_count} done)" if card.total_count > 1 else ""
        text = f"✅ {html.escape(card.assignee_name)} completed <b>{html.escape(card.title)}</b>{progress}."
        if d.data.get("needs_review"):
            text += "\nIt needs your review."
        return Rendered(text, review_keyboard(card) if d.data.get("needs_review") else None)

    def _login_code(self, d: Delivery) -> Rendered:
        code, minutes = str(d.data.get("code", "")), int(d.data.get("minutes", 10))
        return Rendered(f"Your Taskbell sign-in code is <code>{html.escape(code)}</code>. It expires in "
                        f"{minutes} minutes.\nIf you did not ask for it, ignore this message; nobody "
                        "can sign in without it.")

    # --- attendance ---------------------------------------------------------------------
    def _attendance_sheet(self, d: Delivery) -> Rendered:
        from bot.sheets import sheet_message

        return sheet_message(self.db, self.base_url, int(d.data["session_id"]), d.recipient_id,
                             d.recipient_tz or self.org_tz)

    def _absence(self, d: Delivery) -> Rendered:
        from domain.attendance import queries as att_queries
        from domain.people import profile as profiles

        info = att_queries.session_info(self.db.uow(readonly=True), int(d.data["session_id"]))
        child = profiles.profile(self.db.uow(readonly=True), int(d.data["student_id"])).name
        return Rendered(f"{html.escape(child)} was marked absent from <b>{html.escape(info.batch_name)}</b> on "
                        f"{local(info.starts_at, d.recipient_tz, self.org_tz)}. If this is a mistake, reply to the teacher.")

    def _attendance_nag(self, d: Delivery) -> Rendered:
        from domain.attendance import queries as att_queries

        info = att_queries.session_info(self.db.uow(readonly=True), int(d.data["session_id"]))
        return Rendered(f"⏰ Attendance for <b>{html.escape(info.batch_name)}</b> "
                        f"({local(info.starts_at, d.recipient_tz, self.org_tz)}) is not taken yet. Use the sheet above or "
                        "/attendance before the class closes.")

    def _pending_action(self, d: Delivery) -> Rendered:
        from bot.sheets import action_keyboard
        from domain.inbox import services as inbox

        action = inbox.action_info(self.db.uow(readonly=True), int(d.data["action_id"]))
        return Rendered(f"📥 {html.escape(action.summary)}", action_keyboard(action.id))

    def _admin_alert(self, d: Delivery) -> Rendered:
        return Rendered(f"ℹ️ {html.escape(str(d.data.get('summary', '')))}")

    def _teacher_note(self, d: Delivery) -> Rendered:
        return Rendered(f"A note from your child's teacher: {html.escape(str(d.data.get('note', '')))}")

    # --- reminders and briefs -----------------------------------------------------------
    def _task_reminder(self, d: Delivery) -> Rendered:
        card = self._card(d)
        slot = str(d.data.get("slot", ""))
        head = {"lead": "⏰ Coming up", "due": "⏰ Due now"}.get(slot, "⚠️ Overdue")
        rows = list(self._markup(card).inline_keyboard)
        rows.insert(0, [InlineKeyboardButton("Snooze 1h", callback_data=f"sn:{card.id}:1h"),
                        InlineKeyboardButton("Snooze until tomorrow", callback_data=f"sn:{card.id}:tomorrow")])
        return Rendered(f"{head}: {card_text(card, self.org_tz)}", InlineKeyboardMarkup(rows))

    def _task_escalated(self, d: Delivery) -> Rendered:
        card = self._card(d)
        return Rendered(f"⚠️ <b>{html.escape(card.title)}</b> for {html.escape(card.assignee_name)} is overdue "
                        f"(was due {local(card.due_at, d.recipient_tz, self.org_tz)}).")

    def _overdue_digest(self, d: Delivery) -> Rendered:
        return Rendered(f"⚠️ {int(d.data.get('count', 0))} tasks you assigned are well overdue. /assigned shows "
                        "who has not finished.")

    def _brief(self, d: Delivery) -> Rendered:
        return Rendered(brief_text(d.data))
