"""/announce and /portal over the sandbox: a teacher posts to their batch with buttons, the student and the
student's parent receive it (and nobody else); the student's /portal brings a working signed link."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.announcements import services as announcements
from domain.attendance import batches
from domain.clock import SystemClock
from domain.models import Role
from domain.people import services as people
from domain.portal import views
from domain.portal.links import portal_claims
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.bot.desk.conftest import bot_says, last_id, press, press_edit, say
from tests.factories import SYSTEM, sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("announce"), sqlite_template, SystemClock())


@pytest.fixture(scope="module")
async def school(db, client):
    made = {}
    for i, (key, role) in enumerate([("tina", Role.TEACHER), ("sam", Role.STUDENT), ("pat", Role.PARENT),
                                     ("olga", Role.STUDENT)]):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770097{i:04d}", role=role)
    people.link_parent(db.uow(), SYSTEM, made["pat"].id, made["sam"].id)
    batch = batches.create_batch(db.uow(), SYSTEM, name="Physics 10", teacher_ids=[made["tina"].id])
    batches.enrol(db.uow(), SYSTEM, batch.id, made["sam"].id, date(2026, 1, 1))
    made["batch"] = batch
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, school):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def test_a_teacher_announces_to_a_batch_and_the_student_and_parent_receive_it(running, client, db, school):
    tina, sam, pat, olga = (school[k] for k in ("tina", "sam", "pat", "olga"))
    chat = tina.telegram_chat_id
    offer = await say(client, chat, "/announce", "Who is it for?")
    assert [b["text"] for row in offer["reply_markup"]["inline_keyboard"] for b in row] == ["Physics 10"]
    await press(client, chat, offer, "Physics 10", "title")
    await say(client, chat, "No class on Friday", "text of the announcement")
    asked = await say(client, chat, "The lab is closed for repairs. <b>Read</b> chapter 4 at home.", "urgent")
    before = {k: await last_id(client, school[k].telegram_chat_id) for k in ("sam", "pat", "olga")}
    preview = await press_edit(client, chat, asked, "Urgent")
    assert "what they will read" in preview["text"] and "No class on Friday" in preview["text"]
    done = await press(client, chat, preview, "Confirm", "Posted to Physics 10")
    assert "2 people" in done["text"]
    to_sam = await bot_says(client, sam.telegram_chat_id, before["sam"], "No class on Friday")
    to_pat = await bot_says(client, pat.telegram_chat_id, before["pat"], "No class on Friday")
    assert "chapter 4" in to_sam["text"] and "Tina Person to Physics 10" in to_sam["text"]
    assert "<b>Read</b>" in to_sam["text"]  # people's text is shown as typed, never as markup
    assert "about Sam Person" in to_pat["text"]
    for message, person in ((to_sam, sam), (to_pat, pat)):  # [Open my page]: their own portal link
        url = message["reply_markup"]["inline_keyboard"][0][0]["url"]
        assert portal_claims(running.deps.links, url.rsplit("/p/", 1)[1], db.clock.now()) == (person.id, 0)
    await asyncio.sleep(0.3)
    assert await last_id(client, olga.telegram_chat_id) == before["olga"]  # not in the batch: nothing
    rows = announcements.list_posted(db.uow(readonly=True), Actor.telegram(tina.id))
    assert [(r.title, r.urgent, r.recipients) for r in rows] == [("No class on Friday", True, 2)]


async def test_portal_sends_a_student_their_own_signed_link(running, client, db, school):
    sam = school["sam"]
    answer = await say(client, sam.telegram_chat_id, "/portal", "Here is your page")
    url = answer["reply_markup"]["inline_keyboard"][0][0]["url"]
    token = url.rsplit("/p/", 1)[1]
    assert portal_claims(running.deps.links, token, db.clock.now()) == (sam.id, 0)
    view = views.portal(db.uow(readonly=True), sam.id)
    assert [a.title for a in next(s.model for s in view.sections if s.key == "announcements")] == [
        "No class on Friday"]
    staff = await say(client, school["tina"].telegram_chat_id, "/portal", "students and parents")
    assert "/web" in staff["text"]
