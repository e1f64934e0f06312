"""/queue over the sandbox: a lead's first page, Next, opening a ticket; refused to someone on no team."""

from __future__ import annotations

from bot.handlers.queue import PER_PAGE
from domain.actors import Actor
from domain.models import Priority
from domain.tickets import services as desk
from domain.tickets.rows import TicketSpec
from tests.bot.desk.conftest import db, org, press, press_edit, running, say  # noqa: F401  (fixtures)


async def test_lead_pages_and_opens_and_others_are_refused(running, client, db, org):  # noqa: F811
    for n in range(PER_PAGE + 2):
        desk.file_ticket(db.uow(), Actor.telegram(org.mia.id), TicketSpec(
            org.facilities.id, f"Job {n}", priority=Priority.URGENT if n == 5 else Priority.NORMAL,
            fields={"location": "Hall"}))
    lead = org.lead.telegram_chat_id
    first = await say(client, lead, "/queue", "Queue")
    assert f"{PER_PAGE + 2} open" in first["text"] and "Page 1 of 2" in first["text"]
    buttons = [b["callback_data"] for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(d.encode()) < 64 for d in buttons) and "qp:b:1" in buttons
    second = await press_edit(client, lead, first, "Next")
    assert "Page 2 of 2" in second["text"] and "Job 0" not in second["text"]
    view = await press(client, lead, second, "Open #", "🎫 #")
    assert "Job" in view["text"]
    refused = await say(client, org.olga.telegram_chat_id, "/queue", "admins and team leads")
    assert "Job" not in refused["text"]


async def test_a_team_lead_has_queue_in_the_menu_and_the_help(running, client, db, org):  # noqa: F811
    lead = org.lead.telegram_chat_id
    assert "/queue" in (await say(client, lead, "/help", "/tasks"))["text"]
    assert "queue" in {c["command"] for c in await client.commands(f"chat:{lead}")}
    other = org.olga.telegram_chat_id
    assert "/queue" not in (await say(client, other, "/help", "/tasks"))["text"]
    assert "queue" not in {c["command"] for c in await client.commands(f"chat:{other}")}
