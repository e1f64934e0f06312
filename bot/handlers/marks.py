"""/marks: a student's test results, or a parent's per child (newest first); staff are pointed to the
console's Marks page."""

from __future__ import annotations

import asyncio
import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.deps import deps_of
from bot.identity import person_of
from bot.messages import limits
from domain.actors import Actor
from domain.errors import DomainError
from domain.marks import queries as marks
from domain.words import day_text

SHOWN = 12  # results per student in the chat; the dashboard keeps the rest


def results_text(found: list[marks.StudentResults]) -> str:
    """The results as one HTML message (cut to Telegram's limit)."""
    parts: list[str] = []
    for student in found:
        lines = [f"<b>Test results: {html.escape(student.name)}</b>"]
        if not student.results:
            lines.append("No results yet.")
        for r in student.results[:SHOWN]:
            lines.append(f"• {html.escape(limits.clip(r.test, 80))} ({html.escape(limits.clip(r.batch, 60))}, "
                         f"{day_text(r.held_on)}): {r.text}")
        if len(student.results) > SHOWN:
            lines.append(f"…and {len(student.results) - SHOWN} earlier.")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


async def marks_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/marks: my results (students) or my children's (parents)."""
    message = update.effective_message
    person = person_of(context)
    if message is None:
        return
    if person is None:
        await message.reply_text("Send /start and share your phone number first.")
        return
    try:
        found = await asyncio.to_thread(marks.my_results, deps_of(context).db.uow(readonly=True),
                                        Actor.telegram(person.id))
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    if not found:
        await message.reply_text("No children are linked to you yet; ask the centre to link them.")
        return
    await message.reply_text(limits.fit(results_text(found)), parse_mode=ParseMode.HTML)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/marks."""
    return [CommandHandler("marks", marks_command)]
