"""Invite links for operators: add (or find) a person and make their /start deep link."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.actors import Actor
from domain.people import services as people
from taskbell.container import Container

INVITE_TTL = timedelta(days=7)


def invite(container: Container, *, name: str, phone: str, role: str) -> str:
    """Add the person (or find them) and return their invite link, or why none was made."""
    from bot.handlers.account import INVITE_PURPOSE

    settings = container.settings
    result = people.add_person(container.db.uow(), Actor.system(), name=name, phone=phone, role=role,
                               region=settings.phone_region, existing_ok=True)
    person = result.person
    if person.telegram_user_id is not None:
        return (f"{person.name} ({person.phone}) is already linked to a Telegram account "
                f"({person.status.value}); no invite link was made.")
    token = container.signer.sign_id(INVITE_PURPOSE, person.id, container.db.clock.now(), INVITE_TTL)
    username = asyncio.run(container.learn_bot_username())
    link = f"https://t.me/{username}?start={token}" if username else f"/start {token}"
    state = "added" if result.created else f"already on the allowlist ({person.status.value})"
    return (f"{person.name} ({person.phone}, {person.role.value}) {state}.\n"
            f"Invite link, valid 7 days: {link}" + ("" if username else
            "\n(bot username unknown: set TELEGRAM_BOT_TOKEN, or send the /start line to the bot)"))
