"""The service desk end to end in Telegram: /request with photos, the leads' Accept / Assign / Reject,
Start and Complete, Resolve, the requester's card moving with it, and replies as the conversation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.models import Notification, Task, TicketAttachment
from domain.tickets import services as desk
from domain.tickets.rows import TicketSpec
from tests.bot.desk.conftest import (
    bot_says,
    data_of,
    eventually,
    last_id,
    message_now,
    press,
    press_edit,
    say,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def card_statuses(message: dict) -> list[str]:
    """Every text the requester's card has shown, oldest first."""
    return [e["old"].get("text", "") for e in message.get("edits", [])] + [message["text"]]


async def test_request_with_two_photos_accepted_assigned_worked_and_resolved(running, client, db, org):
    mia, lead = org.mia.telegram_chat_id, org.lead.telegram_chat_id
    teams_msg = await say(client, mia, "/request", "Which team")
    await press(client, mia, teams_msg, "Facilities", "title")
    assert "Facilities" in (await message_now(client, mia, teams_msg["message_id"]))["text"]
    ask_description = await say(client, mia, "Broken window", "Describe")
    ask_photos = await say(client, mia, "The window in room 12 will not close.", "photos")
    assert "Describe" in ask_description["text"]
    for n in (1, 2):
        last = await last_id(client, mia)
        await client.send_photo(mia, caption=None)
        got = await bot_says(client, mia, last + 1, f"Got {n} of 3")
    await press(client, mia, got, "Done", "Location")
    summary = await say(client, mia, "Room 12", "Broken window")
    assert "Photos and files: 2" in summary["text"] and "Location: Room 12" in summary["text"]
    filed = await press_edit(client, mia, summary, "Confirm")
    assert "Request #1 filed with Facilities (2 files)" in filed["text"]
    assert ask_photos["message_id"] < filed["message_id"]

    card = await bot_says(client, mia, filed["message_id"], "Your request #1")
    assert "new" in card["text"]
    with db.uow(readonly=True) as uow:
        files = uow.session.scalars(select(TicketAttachment)).all()
    assert len(files) == 2 and all(f.telegram_file_id and f.file_key for f in files)  # kept, and re-sendable

    # The lead accepts and picks two crew members, with no due time.
    new = await bot_says(client, lead, 0, "New request")
    assert "Broken window" in new["text"] and "Mia Person" in new["text"]
    picker = await press(client, lead, new, "Accept", "who works on it")
    picker = await press_edit(client, lead, picker, "Crew1 Person")
    picker = await press_edit(client, lead, picker, "Crew2 Person")
    assert "Done (2 people)" in str(picker["reply_markup"])
    due = await press(client, lead, picker, "Done", "When is it due")
    done = await press(client, lead, due, "No due time", "Accepted #1")
    assert "Crew1 Person, Crew2 Person" in done["text"]
    assert (await message_now(client, lead, new["message_id"])).get("reply_markup") is None

    # Both crew members Start and Complete their task.
    for crew in (org.crew1, org.crew2):
        chat = crew.telegram_chat_id
        task_msg = await bot_says(client, chat, 0, "Broken window")
        with db.uow(readonly=True) as uow:
            task_id = uow.session.scalar(select(Task.id).where(Task.assignee_id == crew.id))
        await client.press_button(chat, task_msg["message_id"], f"task:start:{task_id}")
        await eventually(lambda c=chat, m=task_msg: _has_button(client, c, m, "task:complete"))
        await client.press_button(chat, task_msg["message_id"], f"task:complete:{task_id}")

    work_done = await bot_says(client, lead, done["message_id"], "is done")
    resolved = await press(client, lead, work_done, "Resolve", "Resolved #1")
    assert "Resolved #1" in resolved["text"]

    async def card_resolved() -> bool:
        return "resolved" in (await message_now(client, mia, card["message_id"]))["text"]
    await eventually(card_resolved)
    shown = " | ".join(card_statuses(await message_now(client, mia, card["message_id"])))
    for status in ("new", "accepted", "in progress", "done", "resolved"):
        assert f"Status: {status}" in shown, (status, shown)
    cards = [m for m in await client.bot_messages(mia) if "Your request #1" in m["text"]]
    assert len(cards) == 1  # one card, edited in place


async def _has_button(client, chat: int, message: dict, data: str) -> bool:
    now = await message_now(client, chat, message["message_id"])
    return data in str(now.get("reply_markup"))


async def test_rejection_reason_reaches_the_requester(running, client, db, org):
    mia, lead = org.mia.telegram_chat_id, org.lead.telegram_chat_id
    before = await last_id(client, lead)
    desk.file_ticket(db.uow(), Actor.telegram(org.mia.id), TicketSpec(org.facilities.id, "Paint the moon"))
    new = await bot_says(client, lead, before, "Paint the moon")
    ask = await press(client, lead, new, "Reject", "Why is #2 rejected")
    answer = await say(client, lead, "That is not something we can do.", "Rejected #2")
    assert "requester is told" in answer["text"]

    async def told() -> bool:
        return any("#2" in m["text"] and "rejected" in m["text"] and "not something we can do" in m["text"]
                   for m in await client.bot_messages(mia))
    await eventually(told)
    assert ask["message_id"] < answer["message_id"]


async def test_replies_are_the_conversation_and_notes_stay_internal(running, client, db, org):
    mia, crew = org.mia.telegram_chat_id, org.crew1.telegram_chat_id
    filed = desk.file_ticket(db.uow(), Actor.telegram(org.mia.id), TicketSpec(org.facilities.id, "Flickering light"))
    card = await bot_says(client, mia, 0, "Flickering light")
    await recorded(db, org.mia.id)  # the card's message id, so the next status edits it
    desk.accept(db.uow(), Actor.telegram(org.lead.id), filed.ticket.id, [org.crew1.id])
    await eventually(lambda: _card_says(client, mia, card, "accepted"))

    crew_before = await last_id(client, crew)
    ack = await say(client, mia, "It is getting worse.", "Comment sent", reply_to=card["message_id"])
    assert "#3" in ack["text"]
    comment = await bot_says(client, crew, crew_before, "It is getting worse.")
    assert "Mia Person" in comment["text"] and org.mia.phone not in comment["text"]

    mia_before = await last_id(client, mia)
    await say(client, crew, "I will be there at 10.", "Comment sent", reply_to=comment["message_id"])
    back = await bot_says(client, mia, mia_before, "I will be there at 10.")
    assert "Crew1 Person" in back["text"] and org.crew1.phone not in back["text"]

    note = await say(client, crew, "! the switch looks burnt", "Internal note added", reply_to=comment["message_id"])
    assert note
    again = await say(client, mia, "Thanks!", "Comment sent", reply_to=back["message_id"])
    assert again
    await bot_says(client, crew, comment["message_id"], "Thanks!")
    assert not any("switch looks burnt" in m["text"] for m in await client.bot_messages(mia))
    with db.uow(readonly=True) as uow:
        to_mia = uow.session.scalars(select(Notification.data).where(Notification.recipient_id == org.mia.id)).all()
    assert not any("burnt" in str(d) for d in to_mia)

    # The requester cannot make an internal note.
    refused = await say(client, mia, "! secret", "Nothing was sent", reply_to=back["message_id"])
    assert refused


async def recorded(db, person_id: int) -> None:
    """Wait until every message sent to this person has its message id recorded (the delivery loop
    records sends in small batches, just after Telegram answers)."""
    async def done() -> bool:
        with db.uow(readonly=True) as uow:
            return not uow.session.scalar(select(Notification.id).where(
                Notification.recipient_id == person_id, Notification.telegram_message_id.is_(None)))
    await eventually(done)


async def _card_says(client, chat: int, card: dict, text: str) -> bool:
    return text in (await message_now(client, chat, card["message_id"]))["text"]


async def test_tickets_lists_mine_and_a_photo_offers_a_request(running, client, db, org):
    mia = org.mia.telegram_chat_id
    listing = await say(client, mia, "/tickets", "Mine")
    assert "3 tickets" in listing["text"]
    view = await press(client, mia, listing, "#2 Paint the moon", "🎫 #2")
    assert "rejected" in view["text"] and "not something we can do" in view["text"]
    assigned = await press_edit(client, mia, listing, "Assigned to me")
    assert "none" in assigned["text"]

    last = await last_id(client, mia)
    await client.send_photo(mia, media_group_id="album-1")
    await client.send_photo(mia, media_group_id="album-1")
    offer = await bot_says(client, mia, last + 1, "File a request with this photo?")
    teams_msg = await press(client, mia, offer, "Yes", "Which team")
    assert data_of(teams_msg, "Facilities")
    offers = [m for m in await client.bot_messages(mia) if m["message_id"] > last and "this photo?" in m["text"]]
    assert len(offers) == 1  # one offer for the album
    await press(client, mia, teams_msg, "Facilities", "title")
    await say(client, mia, "Cracked tile", "Describe")
    got = await say(client, mia, "In the hall.", "Got 2 of 3")  # the album's two photos came along
    assert "Done" in str(got["reply_markup"])
    await say(client, mia, "/cancel", "nothing was filed")


async def test_another_member_cannot_see_or_act(running, client, db, org):
    olga = org.olga.telegram_chat_id
    listing = await say(client, olga, "/tickets", "Mine")
    assert "none" in listing["text"]
    await client.press_button(olga, listing["message_id"], "tk:acc:1", forge=True)
    qid = await client.press_button(olga, listing["message_id"], "tk:view:1", forge=True)
    answer = await client.callback_answer(qid, wait=5)
    assert answer is not None
    shown = await bot_says(client, olga, listing["message_id"], "No such ticket")
    assert "Broken window" not in shown["text"]


async def test_requester_edits_and_adds_photos_until_accepted(running, client, db, org):
    mia = org.mia.telegram_chat_id
    filed = desk.file_ticket(db.uow(), Actor.telegram(org.mia.id), TicketSpec(org.facilities.id, "Squeaky door"))
    number = filed.ticket.row.number
    listing = await say(client, mia, "/tickets", "Mine")
    view = await press(client, mia, listing, f"#{number} Squeaky door", f"🎫 #{number}")
    ask = await press(client, mia, view, "Edit / add photos", "new description")
    saved = await say(client, mia, "The door of room 3 squeaks loudly.", "Saved")
    last = await last_id(client, mia)
    await client.send_photo(mia)
    added = await bot_says(client, mia, last + 1, "1 file")
    last = await last_id(client, mia)
    await client.send_document(mia, b"MZ\x90\x00" + bytes(200), "photo.jpg")
    refused = await client.wait_for_bot_message(mia, last + 1, timeout=10)
    assert refused["text"].startswith("This file") and "Saved" not in refused["text"]  # refused, and why
    with db.uow(readonly=True) as uow:
        assert len(uow.session.scalars(select(TicketAttachment.id).where(
            TicketAttachment.ticket_id == filed.ticket.id)).all()) == 1
    await press_edit(client, mia, added, "Done")
    assert ask["message_id"] < saved["message_id"]
    await recorded(db, org.mia.id)
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(TicketAttachment.id).where(TicketAttachment.ticket_id == filed.ticket.id))
    desk.accept(db.uow(), Actor.telegram(org.lead.id), filed.ticket.id)
    again = await press(client, mia, listing, f"#{number} Squeaky door", f"🎫 #{number}")
    assert "squeaks loudly" in again["text"] and "Edit" not in str(again.get("reply_markup"))

    # The view re-sends the ticket's photos by file_id; a reply to one comments on the ticket.
    photo = await bot_says(client, mia, again["message_id"], "")
    assert photo.get("photo") and f"#{number} photo 1 of 1" in (photo.get("caption") or "")
