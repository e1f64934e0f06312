"""The person behind an update, resolved once per update before any handler runs."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CallbackContext

from bot.deps import deps_of
from domain.people import profile as profiles
from domain.people.profile import LinkedPerson

_ATTR = "taskbell_person"
_UNSET = object()


async def resolve_person(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Early handler group: look up the sender once and keep them on this update's context."""
    person = None
    if isinstance(update, Update) and update.effective_user is not None:
        found = await asyncio.to_thread(profiles.person_by_telegram, deps_of(context).db.uow(readonly=True),
                                        update.effective_user.id)
        person = found if found is not None and found.active else None
    setattr(context, _ATTR, person)  # PTB builds one context per update and hands it to every group


def person_of(context: CallbackContext) -> LinkedPerson | None:  # type: ignore[type-arg]
    """The active person behind this update's sender, if linked."""
    person = getattr(context, _ATTR, _UNSET)
    if person is _UNSET:
        raise RuntimeError("the sender was not resolved: is bot.identity.resolve_person registered?")
    return person  # type: ignore[return-value]
