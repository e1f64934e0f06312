"""Fees in Telegram over the sandbox: a parent of two children sends /fees and sees both (and nobody
else's) with the family balance; a payment recorded by the office reaches them as a receipt."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.attendance import batches
from domain.clock import SystemClock
from domain.fees import issue, payments, plans, queries, reminders
from domain.models import Role
from domain.people import services as people
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.bot.desk.conftest import bot_says, last_id, say
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
SYSTEM = Actor.system()


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("fees"), sqlite_template, SystemClock())


@pytest.fixture(scope="module")
async def parent(db, client):
    return await sandbox_person(db, client, first_name="Priya", name="Priya Rao", phone="+447700961001",
                                role=Role.PARENT)


@pytest.fixture(scope="module")
async def running(db, sandbox, parent):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def test_parent_sees_both_children_and_gets_a_receipt(running, client, db, parent):
    today = db.clock.now().date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    kids = [people.add_person(db.uow(), SYSTEM, name=n, phone=p, role=Role.STUDENT).person
            for n, p in (("Anya Rao", "+447700961002"), ("Dev Rao", "+447700961003"), ("Other Kid", "+447700961004"))]
    for kid in kids[:2]:
        people.link_parent(db.uow(), SYSTEM, parent.id, kid.id)
    batch = batches.create_batch(db.uow(), SYSTEM, name="Maths 9")
    for kid in kids:
        batches.enrol(db.uow(), SYSTEM, batch.id, kid.id, last_month)
    plans.save_plan(db.uow(), SYSTEM, plans.PlanForm(batch.id, "Tuition", "1500", 1, "full", last_month,
                                                           "https://pay.example.org/p?ref={ref}&amount={amount}"))
    assert issue.issue_due(db.uow()) == 6

    chat = parent.telegram_chat_id
    shown = await say(client, chat, "/fees", "Fees")
    text = shown["text"]
    assert "Anya Rao" in text and "Dev Rao" in text and "Other Kid" not in text
    assert "Family balance: ₹6,000" in text and "overdue" in text

    anya_due = queries.dues_for_student(db.uow(readonly=True), kids[0].id)[-1]
    before = await last_id(client, chat)
    payments.record_payment(db.uow(), SYSTEM, anya_due.id, "1000", today, "upi", "UPI-9")
    receipt = await bot_says(client, chat, before, "Payment received")
    assert "₹1,000 received for Anya Rao" in receipt["text"] and "Still to pay: ₹500" in receipt["text"]
    assert "UPI-9" in receipt["text"]

    before = await last_id(client, chat)
    assert reminders.scan(db.uow()).reminded == 6  # every unpaid due: the newest stage reached, once
    reminder = await bot_says(client, chat, before, "for Dev Rao")
    assert "reminder" in reminder["text"].lower() or "overdue" in reminder["text"]
    [[button]] = reminder["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Pay now" and button["url"].startswith("https://pay.example.org/p?ref=FEE-")
    assert reminders.scan(db.uow()).reminded == 0
