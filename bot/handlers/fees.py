"""/fees: an admin's overdue summary with totals; a parent's children's dues and balance (a student's own);
a teacher's batches' unpaid dues this month."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.deps import deps_of
from bot.identity import person_of
from bot.messages import limits
from bot.messages.fees import batches_text, family_text, overview_text
from domain.actors import Actor
from domain.errors import DomainError
from domain.fees import accounts, summary
from domain.models import Role

NOT_LINKED = "You are not linked yet. Send /start to begin."


async def fees_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/fees: the overview for people who manage fees, else my children's (or my own) dues."""
    assert update.effective_message is not None
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text(NOT_LINKED)
        return
    db, actor = deps_of(context).db, Actor.telegram(person.id)
    try:
        if person.role in (Role.PARENT, Role.STUDENT):
            text = family_text(await asyncio.to_thread(accounts.my_family_fees, db.uow(readonly=True), actor))
        elif await asyncio.to_thread(summary.manages_fees, db.uow(readonly=True), actor):
            text = overview_text(await asyncio.to_thread(summary.overview, db.uow(readonly=True), actor))
        else:
            text = batches_text(await asyncio.to_thread(summary.my_batches_month, db.uow(readonly=True), actor))
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return
    await update.effective_message.reply_text(limits.fit(text), parse_mode=ParseMode.HTML)  # 4,096 at most


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/fees."""
    return [CommandHandler("fees", fees_command)]
