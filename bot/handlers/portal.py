"""/portal: a student's or parent's signed link to their read-only page (attendance, announcements, ...)."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.deps import deps_of
from bot.identity import person_of
from domain.models import Role
from domain.people import services as people
from domain.portal.links import PORTAL_TTL, portal_token, portal_url


async def portal_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/portal: the link to the sender's portal (students and parents); staff are pointed to /web."""
    if update.effective_message is None:
        return
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text("You are not linked yet. Send /start to begin.")
        return
    if person.role not in (Role.STUDENT, Role.PARENT):
        await update.effective_message.reply_text("The portal is for students and parents; send /web for the console.")
        return
    deps = deps_of(context)
    generation = await asyncio.to_thread(people.link_generation, deps.db.uow(readonly=True), person.id)
    url = portal_url(deps.settings.app_base_url, portal_token(deps.links, person.id, deps.db.clock.now(), generation))
    whose = "your children's" if person.role == Role.PARENT else "your"
    await update.effective_message.reply_text(
        f"Here is {whose} page: attendance, homework, marks, fees and announcements. It only shows, and the link works for "
        f"{PORTAL_TTL.days} days (/revoke stops it); do not forward it.",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Open my page", url=url)]]))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/portal."""
    return [CommandHandler("portal", portal_command)]
