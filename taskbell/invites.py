"""Invite links for operators: add (or find) a person and make their /start deep link."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.actors import Actor
from domain.people import services as people
from domain.tokens import Signer
from taskbell.container import Container

INVITE_TTL = timedelta(days=7)


async def _bot_username(token: str, api_base: str) -> str | None:
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.app import bot_api_urls

    base_url, file_url = bot_api_urls(api_base)
    try:
        async with Bot(token, base_url=base_url, base_file_url=file_url) as bot:
            return (await bot.get_me()).username
    except (TelegramError, OSError):
        return None


def invite(container: Container, *, name: str, phone: str, role: str) -> str:
    from bot.handlers.account import INVITE_PURPOSE

    settings = container.settings
    result = people.add_person(container.db.uow(), Actor.system(), name=name, phone=phone, role=role,
                               region=settings.phone_region, existing_ok=True)
    person = result.person
    if person.telegram_user_id is not None:
        return (f"{person.name} ({person.phone}) is already linked to a Telegram account "
                f"({person.status.value}); no invite link was made.")
    token = Signer(settings.secret_keys).sign_id(INVITE_PURPOSE, person.id, container.db.clock.now(), INVITE_TTL)
    username = None
    if settings.telegram_bot_token:
        username = asyncio.run(_bot_username(settings.telegram_bot_token, settings.telegram_api_base))
    link = f"https://t.me/{username}?start={token}" if username else f"/start {token}"
    state = "added" if result.created else f"already on the allowlist ({person.status.value})"
    return (f"{person.name} ({person.phone}, {person.role.value}) {state}.\n"
            f"Invite link, valid 7 days: {link}" + ("" if username else
            "\n(bot username unknown: set TELEGRAM_BOT_TOKEN, or send the /start line to the bot)"))
