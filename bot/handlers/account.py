"""Linking a Telegram account to the allowlist (/start, contact, invite links), /help and /me."""

from __future__ import annotations

import asyncio
import logging

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.commands import WHAT_YOU_CAN_DO, help_text, set_chat_commands
from bot.deps import deps_of
from bot.group_chats import asked_command
from bot.identity import person_of
from bot.messages import limits
from bot.messages.account import ASKED_IN_GROUP
from domain.models import Person, Role
from domain.people import profile as profiles
from domain.people import services as people
from domain.queue import services as queue_service
from domain.tokens import BadToken

log = logging.getLogger(__name__)

INVITE_PURPOSE = "invite"
SHARE_BUTTON = "Share my phone number"
ASK_CONTACT = ("Welcome to Taskbell. To check you are on your organisation's list, please share "
               "your phone number with the button below.")
REFUSED = ("Sorry, I can't link this account. If you think you should have access, ask your "
           "organisation's administrator to add you, then try /start again.")
NOT_OWN = "Please share your own number with the button below, not someone else's contact."


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(SHARE_BUTTON, request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


async def _welcome(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    """Set the person's command menu, then greet them with what they can do."""
    assert update.effective_message and update.effective_chat
    await _set_menu(context, update.effective_chat.id, person.id, person.role)  # menu first, then hello
    await update.effective_message.reply_text(
        f"Hello {person.name}, you are linked as {person.role.value}.\n{WHAT_YOU_CAN_DO[person.role]}\n"
        "Send /help for the list of commands.",
        reply_markup=ReplyKeyboardRemove())


async def _leads(context: ContextTypes.DEFAULT_TYPE, person_id: int) -> bool:
    """Whether the person gets the organisation queue (an admin or a team lead)."""
    return await asyncio.to_thread(queue_service.uses_queue, deps_of(context).db.uow(readonly=True), person_id)


async def _set_menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int, person_id: int, role: Role) -> None:
    """The chat's command menu for the person as they are now (a new team lead gets /queue)."""
    await set_chat_commands(context.bot, chat_id, role, await _leads(context, person_id))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: link by invite token, greet a linked person, or ask for the phone number."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or chat.type != "private":
        return
    deps = deps_of(context)
    asked = asked_command(context.args[0]) if context.args else None
    if context.args and asked is None:
        token = context.args[0]
        try:
            person_id = deps.signer.verify_id(INVITE_PURPOSE, token, deps.db.clock.now())
        except BadToken as exc:
            await message.reply_text(f"{exc} You can also share your phone number instead.",
                                     reply_markup=contact_keyboard())
            return
        result = await asyncio.to_thread(people.link_telegram, deps.db.uow(), phone="",
                                         telegram_user_id=user.id, chat_id=chat.id, person_id=person_id)
        if result.person is None:
            await message.reply_text(REFUSED, reply_markup=ReplyKeyboardRemove())
            return
        await _welcome(update, context, result.person)
        return
    person = person_of(context)
    if person is not None:
        await _set_menu(context, chat.id, person.id, person.role)
        pointer = ASKED_IN_GROUP.format(command=asked) if asked else "Send /help to see what you can do."
        await message.reply_text(f"Hello again, {person.name}. {pointer}")
        return
    await message.reply_text(ASK_CONTACT, reply_markup=contact_keyboard())


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared contact: link the sender if their own number is on the list."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or message.contact is None or user is None or chat is None:
        return
    if chat.type != "private":
        return
    if message.contact.user_id != user.id:
        await message.reply_text(NOT_OWN, reply_markup=contact_keyboard())
        return
    deps = deps_of(context)
    result = await asyncio.to_thread(
        people.link_telegram, deps.db.uow(), phone=message.contact.phone_number,
        telegram_user_id=user.id, chat_id=chat.id)  # Telegram's numbers are international (no PHONE_REGION)
    if result.person is None:
        await message.reply_text(REFUSED, reply_markup=ReplyKeyboardRemove())
        return
    await _welcome(update, context, result.person)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands for the sender's role."""
    if update.effective_message is None:
        return
    person, chat = person_of(context), update.effective_chat
    if person is None:
        await update.effective_message.reply_text(help_text(None))
        return
    leads = await _leads(context, person.id)
    if chat is not None and chat.type == "private":
        await set_chat_commands(context.bot, chat.id, person.role, leads)  # a new lead's menu gains /queue
    await update.effective_message.reply_text(help_text(person.role, leads))


async def me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/me: who the sender is to Taskbell."""
    if update.effective_message is None:
        return
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text("You are not linked yet. Send /start to begin.")
        return
    p = await asyncio.to_thread(profiles.profile, deps_of(context).db.uow(readonly=True), person.id)
    lines = [f"{p.name}", f"Role: {p.role.value}", f"Phone: {p.phone}",
             f"Time zone: {p.timezone or deps_of(context).settings.timezone}"]
    if p.groups:
        lines.append("Groups: " + ", ".join(p.groups))
    if p.children:
        lines.append("Children: " + ", ".join(p.children))
    await update.effective_message.reply_text(limits.clip("\n".join(lines), limits.MAX_TEXT))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("start", start),
        MessageHandler(filters.CONTACT, contact),
        CommandHandler("help", help_command),
        CommandHandler("me", me),
        CommandHandler("web", web_link),
        CommandHandler("revoke", revoke_command),
    ]


async def web_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/web: a one-time sign-in link, as an alternative to typing a code on the web."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from domain.auth import services as auth

    if update.effective_message is None:
        return
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text("You are not linked yet. Send /start to begin.")
        return
    deps = deps_of(context)
    token = await asyncio.to_thread(auth.issue_one_time, deps.db.uow(), purpose=auth.SIGNIN,
                                    person_id=person.id, ttl=auth.SIGNIN_LINK_TTL)
    url = f"{deps.settings.app_base_url}/login/link/{token}"
    await update.effective_message.reply_text(
        "Here is your sign-in link for the web. It works once and expires in 10 minutes; "
        "do not forward it.", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Sign in", url=url)]]))


async def revoke_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/revoke: every dashboard link sent so far stops working (say, after forwarding one by mistake)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from domain.actors import Actor
    from domain.links import dashboard_url

    if update.effective_message is None:
        return
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text("You are not linked yet. Send /start to begin.")
        return
    deps = deps_of(context)
    generation = await asyncio.to_thread(people.revoke_links, deps.db.uow(), Actor.telegram(person.id), person.id)
    url = dashboard_url(deps.settings.app_base_url,
                        deps.links.dashboard_token(person.id, deps.db.clock.now(), generation))
    await update.effective_message.reply_text(
        "Done: the dashboard links sent before now no longer open. Here is a fresh one.",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Open dashboard", url=url)]]))
