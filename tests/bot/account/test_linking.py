"""Phone login against the allowlist: the real python-telegram-bot over HTTP against the sandbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.handlers.account import INVITE_PURPOSE, NOT_OWN, REFUSED
from domain.actors import Actor
from domain.clock import SystemClock
from domain.models import AuditEntry, Person, PersonStatus, Role
from domain.people import services as people
from domain.tokens import Signer
from domain.uow import Database
from tests.auxil import databases
from tests.auxil.telegram import KEY, reply_after, start_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")



@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("linking"), sqlite_template, SystemClock())



@pytest.fixture(scope="module")
async def running(db, sandbox):
    bot = await start_bot(db, sandbox.url)
    yield bot
    await bot.stop()


phones = iter(range(100, 999))


def invited(db: Database, role: Role = Role.STUDENT, name: str = "Ada Lovelace") -> Person:
    phone = f"+4477009{next(phones):05d}"
    return people.add_person(db.uow(), Actor.system(), name=name, phone=phone, role=role).person


def fetch(db: Database, person_id: int) -> Person:
    with db.uow(readonly=True) as uow:
        return uow.session.get(Person, person_id)


async def test_start_asks_for_contact_and_own_contact_links(running, client, db):
    person = invited(db, Role.TEACHER, "Grace Hopper")
    user = await client.create_user("Grace", phone=person.phone)
    uid = user["id"]
    ask = await reply_after(client, uid, client.send_text(uid, "/start"))
    assert "share your phone number" in ask["text"]
    buttons = [b for row in ask["reply_markup"]["keyboard"] for b in row]
    assert any(b.get("request_contact") for b in buttons)

    hello = await reply_after(client, uid, client.send_contact(uid, own=True))
    assert "Hello Grace Hopper, you are linked as teacher" in hello["text"]
    linked = fetch(db, person.id)
    assert (linked.status, linked.telegram_user_id, linked.telegram_chat_id) == (PersonStatus.ACTIVE, uid, uid)
    commands = await client.commands(f"chat:{uid}")
    names = {c["command"] for c in (commands.get("commands") if isinstance(commands, dict) else commands)}
    assert {"assign", "tasks", "me"} <= names

    me = await reply_after(client, uid, client.send_text(uid, "/me"))
    assert "Grace Hopper" in me["text"] and "Role: teacher" in me["text"]


async def test_someone_elses_contact_is_refused(running, client, db):
    victim = invited(db, name="Victim Person")
    attacker = await client.create_user("Mallory", phone="+447700900999")
    reply = await reply_after(client, attacker["id"], client.send_contact(
        attacker["id"], phone=victim.phone, own=False, first_name="Victim"))
    assert reply["text"] == NOT_OWN
    assert fetch(db, victim.id).status == PersonStatus.INVITED


async def test_unknown_phone_gets_a_polite_refusal_and_is_audited(running, client, db):
    stranger = await client.create_user("Stranger", phone="+447700900998")
    reply = await reply_after(client, stranger["id"], client.send_contact(stranger["id"], own=True))
    assert reply["text"] == REFUSED
    with db.uow(readonly=True) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.link_refused", AuditEntry.object_id == str(stranger["id"]))).one()
    assert "998" in entry.details["phone"] and entry.details["phone"] != "+447700900998"


async def test_disabled_person_is_refused_with_the_same_words(running, client, db):
    person = invited(db, name="Dis Abled")
    people.set_status(db.uow(), Actor.system(), person.id, PersonStatus.DISABLED)
    user = await client.create_user("Dis", phone=person.phone)
    reply = await reply_after(client, user["id"], client.send_contact(user["id"], own=True))
    assert reply["text"] == REFUSED
    assert fetch(db, person.id).telegram_user_id is None


async def test_invite_deep_link_links_and_expired_one_does_not(running, client, db):
    signer = Signer((KEY,))
    person = invited(db, Role.PARENT, "Pat Parent")
    user = await client.create_user("Pat")
    expired = signer.sign_id(INVITE_PURPOSE, person.id, db.clock.now() - timedelta(days=8), timedelta(days=7))
    reply = await reply_after(client, user["id"], client.send_text(user["id"], f"/start {expired}"))
    assert "expired" in reply["text"]
    assert fetch(db, person.id).status == PersonStatus.INVITED

    token = signer.sign_id(INVITE_PURPOSE, person.id, db.clock.now(), timedelta(days=7))
    reply = await reply_after(client, user["id"], client.send_text(user["id"], f"/start {token}"))
    assert "Hello Pat Parent, you are linked as parent" in reply["text"]
    assert fetch(db, person.id).telegram_user_id == user["id"]

    # The same (still valid) link in someone else's hands does not move the linked account.
    thief = await client.create_user("Thief")
    reply = await reply_after(client, thief["id"], client.send_text(thief["id"], f"/start {token}"))
    assert reply["text"] == REFUSED
    assert fetch(db, person.id).telegram_user_id == user["id"]


async def test_a_handler_error_gets_an_apology_and_the_bot_goes_on(running, client, db):
    from telegram.ext import CommandHandler

    from bot.errors import APOLOGY

    async def broken(update, context):
        raise RuntimeError("a bug in a handler")

    running.app.handlers[0].insert(0, CommandHandler("boom", broken))  # among the features, before the fallback
    user = await client.create_user("Tester")
    reply = await reply_after(client, user["id"], client.send_text(user["id"], "/boom"))
    assert reply["text"] == APOLOGY
    reply = await reply_after(client, user["id"], client.send_text(user["id"], "/help"))
    assert "/start" in reply["text"]


async def test_an_update_delivered_twice_is_handled_once_across_workers(running, client, db, sandbox):
    """Two webhook workers (two Applications over one database) get the same update: one reply."""
    import time

    from telegram import Update

    from bot.dedupe import FLUSH_AFTER
    from tests.auxil.telegram import start_bot

    user = await client.create_user("Twice")
    uid = user["id"]
    data = {"update_id": 990_001, "message": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": uid, "type": "private"},
        "from": {"id": uid, "is_bot": False, "first_name": "Twice"}, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    other = await start_bot(db, sandbox.url, polling=False)
    try:
        for app in (running.app, other.app, running.app):
            await app.process_update(Update.de_json(data, app.bot))
            # Telegram redelivers seconds later, never at once: by then the handled id is written
            # (the ledger writes handled ids in batches, FLUSH_AFTER apart).
            await asyncio.sleep(FLUSH_AFTER * 4)
    finally:
        await other.stop()
    replies = [m for m in await client.bot_messages(uid) if "/start" in (m["text"] or "")]
    assert len(replies) == 1
    # A different update with a lower id (Telegram restarts its sequence) is still handled.
    data = {**data, "update_id": 5, "message": {**data["message"], "message_id": 2}}
    await running.app.process_update(Update.de_json(data, running.app.bot))
    assert len([m for m in await client.bot_messages(uid) if "/start" in (m["text"] or "")]) == 2


async def test_revoke_replaces_the_dashboard_links(running, client, db):
    user = await client.create_user("Rev")
    person = invited(db, name="Rev Oker")
    people.link_telegram(db.uow(), phone=person.phone, telegram_user_id=user["id"], chat_id=user["id"])
    reply = await reply_after(client, user["id"], client.send_text(user["id"], "/revoke"))
    assert reply["text"].startswith("Done: the dashboard links sent before now no longer open.")
    url = reply["reply_markup"]["inline_keyboard"][0][0]["url"]
    from domain.links import LinkSigner

    token = url.rsplit("/d/", 1)[1]
    assert LinkSigner((KEY,)).dashboard_claims(token, db.clock.now()) == (person.id, 1)
    assert people.link_generation(db.uow(), person.id) == 1
