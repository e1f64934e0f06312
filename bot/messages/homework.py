"""Homework messages: the students' notice (Hand in / Mark done), the reminder, the teacher's hand-in notice
(Open), the review comment, and the lists /homework shows."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.homework_callbacks import HomeworkItemButton, HomeworkView
from bot.messages import limits
from bot.messages.registry import Rendered, Renderer, renders
from bot.timefmt import due_phrase, local
from domain.homework.rows import HomeworkDetail, HomeworkSummary, ItemRow, StudentHomework, shorten
from domain.outbox import Delivery, NotificationKind
from domain.words import plural


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(limits.clip(text, 60), callback_data=callbacks.encode(data))  # type: ignore[arg-type]


def student_keyboard(item_id: int) -> InlineKeyboardMarkup:
    """[Hand in] [Mark done] on a student's homework."""
    return InlineKeyboardMarkup([[_button("Hand in", HomeworkItemButton("h", item_id)),
                                  _button("Mark done", HomeworkItemButton("d", item_id))]])


def _due(raw: object, tz: str | None, fallback: str) -> str:
    try:
        return due_phrase(datetime.fromisoformat(str(raw)), tz, fallback)
    except ValueError:
        return ""


@renders(NotificationKind.HOMEWORK_SET)
def homework_set(r: Renderer, d: Delivery) -> Rendered:
    """New homework for one student: title, batch, due time, the description cut, files; Hand in / Mark done."""
    data = d.data
    lines = [f"📚 <b>Homework: {html.escape(limits.clip(str(data.get('title', '')), 200))}</b>",
             f"{html.escape(str(data.get('batch', '')))} · {_due(data.get('due_at'), d.recipient_tz, r.org_tz)}"]
    if data.get("description"):
        lines.append(html.escape(shorten(str(data["description"]))))
    if data.get("files"):
        lines.append(f"{plural(int(data['files']), 'file')} attached: /homework shows them.")
    lines.append("Hand in text, photos or files, or mark it done.")
    return Rendered("\n".join(lines), student_keyboard(int(data["item_id"])))


@renders(NotificationKind.HOMEWORK_REMINDER)
def homework_reminder(r: Renderer, d: Delivery) -> Rendered:
    """A reminder before the due time, to a student who has handed nothing in."""
    data = d.data
    text = (f"⏰ Reminder: <b>{html.escape(limits.clip(str(data.get('title', '')), 200))}</b> "
            f"({html.escape(str(data.get('batch', '')))}) is {_due(data.get('due_at'), d.recipient_tz, r.org_tz)}. "
            "Nothing is handed in yet.")
    return Rendered(text, student_keyboard(int(data["item_id"])))


@renders(NotificationKind.HOMEWORK_HANDED_IN)
def homework_handed_in(r: Renderer, d: Delivery) -> Rendered:
    """To whoever set it: who handed in what (late or not, how many files), with Open."""
    data = d.data
    late = " <b>late</b>" if data.get("late") else ""
    files = int(data.get("files") or 0)
    lines = [f"📥 {html.escape(str(data.get('student', '')))} handed in "
             f"<b>{html.escape(limits.clip(str(data.get('title', '')), 200))}</b> "
             f"({html.escape(str(data.get('batch', '')))}){late}" + (f" · {plural(files, 'file')}" if files else "")]
    if data.get("text"):
        lines.append(html.escape(str(data["text"])))
    item_id = int(data["item_id"])
    return Rendered("\n".join(lines), InlineKeyboardMarkup([[_button("Open", HomeworkItemButton("o", item_id)),
                                                             _button("Review", HomeworkItemButton("r", item_id))]]))


@renders(NotificationKind.HOMEWORK_REVIEWED)
def homework_reviewed(r: Renderer, d: Delivery) -> Rendered:
    """To the student: their hand-in was reviewed, with the teacher's comment."""
    data = d.data
    text = (f"✅ {html.escape(str(data.get('by', 'Your teacher')))} reviewed your "
            f"<b>{html.escape(limits.clip(str(data.get('title', '')), 200))}</b>.")
    if data.get("comment"):
        text += f"\n“{html.escape(str(data['comment']))}”"
    return Rendered(text)


def student_list(rows: Sequence[StudentHomework], tz: str | None, fallback: str) -> str:
    """/homework for a student: their open homework, soonest due first."""
    if not rows:
        return "No homework waiting: everything is handed in."
    lines = [f"<b>Your open homework ({len(rows)})</b>"]
    for h in rows:
        late = " (<b>overdue</b>)" if h.status == "missing" else ""
        lines.append(f"• <b>{html.escape(h.title)}</b> · {html.escape(h.batch)} · "
                     f"{due_phrase(h.due_at, tz, fallback)}{late}")
    return limits.fit("\n".join(lines))


def student_keyboard_list(rows: Sequence[StudentHomework]) -> InlineKeyboardMarkup | None:
    """Hand in / Mark done per open homework (the first 8)."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[_button(f"Hand in: {h.title}", HomeworkItemButton("h", h.item_id)),
                                  _button("Done", HomeworkItemButton("d", h.item_id))] for h in rows[:8]])


def teacher_list(rows: Sequence[HomeworkSummary], tz: str | None, fallback: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """/homework for a teacher: recent homework per batch with "18 of 24 handed in", a View button each."""
    if not rows:
        return "No homework set yet.", None
    lines = ["<b>Homework</b>"]
    for h in rows:
        review = f", {h.to_review} to review" if h.to_review else ""
        lines.append(f"• <b>{html.escape(h.title)}</b> · {html.escape(h.batch)} · {due_phrase(h.due_at, tz, fallback)}"
                     f": {h.counts_text}{review}")
    buttons = [[_button(f"{h.title} ({h.batch})", HomeworkView(h.id))] for h in rows]
    return limits.fit("\n".join(lines)), InlineKeyboardMarkup(buttons)


def hand_ins(detail: HomeworkDetail, tz: str | None, fallback: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """One homework's items: each student's state; Open for each hand-in not reviewed yet."""
    s = detail.summary
    lines = [f"<b>{html.escape(s.title)}</b> · {html.escape(s.batch)} · {due_phrase(s.due_at, tz, fallback)}",
             f"{s.counts_text}" + (f" ({s.late} late)" if s.late else "")]
    for i in detail.items:
        lines.append(f"• {html.escape(i.student)}: {i.state_text}")
    to_open = [i for i in detail.items if i.handed_in and i.state != "reviewed"][:10]
    markup = InlineKeyboardMarkup([[_button(f"Open: {i.student}", HomeworkItemButton("o", i.id))] for i in to_open])
    return limits.fit("\n".join(lines)), (markup if to_open else None)


def hand_in_text(detail: HomeworkDetail, item: ItemRow, tz: str | None, fallback: str) -> str:
    """One hand-in as its teacher opens it."""
    s = detail.summary
    lines = [f"<b>{html.escape(item.student)}</b>: <b>{html.escape(s.title)}</b> ({html.escape(s.batch)})",
             f"{item.state_text}" + (f", {local(item.handed_in_at, tz, fallback)}" if item.handed_in_at else "")]
    if item.text:
        lines.append(html.escape(item.text))
    if item.files:
        lines.append(plural(len(item.files), "file") + " below.")
    if item.comment:
        lines.append(f"Your comment: “{html.escape(item.comment)}”")
    return limits.fit("\n".join(lines))
