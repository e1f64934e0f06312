"""The person behind an update, resolved once per update before any handler runs."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CallbackContext

from bot.deps import deps_of
from domain.people import profile as profiles
from domain.people.profile import LinkedPerson
from domain.uow import Database

_ATTR = "taskbell_person"
_UNSET = object()


def sender_of(db: Database, update: object) -> LinkedPerson | None:
    """The linked person (any status) behind an update's sender; runs in a worker thread."""
    if isinstance(update, Update) and update.effective_user is not None:
        return profiles.person_by_telegram(db.uow(readonly=True), update.effective_user.id)
    return None


def keep_sender(context: CallbackContext, found: LinkedPerson | None) -> None:  # type: ignore[type-arg]
    """Keep the sender on this update's context (PTB builds one per update and hands it to every group)."""
    setattr(context, _ATTR, found if found is not None and found.active else None)


async def resolve_person(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Early handler group: look up the sender once (unless the dedupe check already did) and keep them."""
    if getattr(context, _ATTR, _UNSET) is _UNSET:
        keep_sender(context, await asyncio.to_thread(sender_of, deps_of(context).db, update))


def person_of(context: CallbackContext) -> LinkedPerson | None:  # type: ignore[type-arg]
    """The active person behind this update's sender, if linked."""
    person = getattr(context, _ATTR, _UNSET)
    if person is _UNSET:
        raise RuntimeError("the sender was not resolved: is bot.identity.resolve_person registered?")
    return person  # type: ignore[return-value]
