"""The bot's rendering of the desk's notifications, from real outbox rows: the leads' triage buttons decode
to the desk's callback types (under 64 bytes); the requester's card is edited in place."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.callbacks import decode
from bot.messages import Renderer
from bot.ticket_callbacks import TicketButton
from domain.links import LinkSigner
from domain.models import Notification
from domain.outbox import Delivery
from domain.tickets import services as desk


def _deliveries(world) -> list[Delivery]:
    with world.db.uow(readonly=True) as uow:
        rows = list(uow.session.scalars(select(Notification).where(Notification.kind.like("ticket_%"))
                                        .order_by(Notification.id)))
    return [Delivery(n.id, n.kind, n.recipient_id, 1, n.data, 1, n.subject_type, n.subject_id) for n in rows]


def test_each_desk_message_renders_with_the_right_buttons(world):
    renderer = Renderer(world.db, "Europe/London", LinkSigner(("k" * 32,)), "http://example.test")
    tid = world.file(description="Drips <all> night")
    first = {d.recipient_id: renderer.render(d) for d in _deliveries(world)}
    lead_msg, nina_msg, card = first[world.lead.id], first[world.nina.id], first[world.rita.id]
    assert "Drips &lt;all&gt; night" in lead_msg.text and "Rita Requester" in lead_msg.text
    buttons = [b.callback_data for row in lead_msg.markup.inline_keyboard for b in row]
    assert [decode(b) for b in buttons] == [TicketButton("acc", tid), TicketButton("rej", tid),
                                            TicketButton("asg", tid)]
    assert all(len(b.encode()) <= 64 for b in buttons)
    assert nina_msg.markup is None and card.edit is None and "Status: <b>new</b>" in card.text
    with world.db.uow() as uow:  # the card went out as message 555
        uow.session.execute(update(Notification).where(Notification.kind == "ticket_card")
                            .values(telegram_chat_id=1, telegram_message_id=555))
        uow.commit()
    desk.reject(world.db.uow(), world.actor(world.lead), tid, "Landlord's job")
    latest = renderer.render(_deliveries(world)[-1])
    assert latest.edit == (1, 555) and "Reason: Landlord&#x27;s job" in latest.text
    desk.comment(world.db.uow(), world.actor(world.lead), tid, "Sorry!")
    comment = renderer.render(_deliveries(world)[-1])
    assert "<b>Lena Lead</b>: Sorry!" in comment.text


def test_the_ticket_of_a_message_for_replies(world):
    from domain.tickets import queries

    tid = world.file()
    desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id])
    other = world.file(title="Another")
    with world.db.uow() as uow:
        for n, (kind, who, subject) in enumerate([("ticket_card", world.rita.id, other),
                                                  ("task_assigned", world.crew.id, None)]):
            uow.session.execute(update(Notification).where(
                Notification.kind == kind, Notification.recipient_id == who,
                *([Notification.subject_id == subject] if subject else []))
                .values(telegram_chat_id=who, telegram_message_id=900 + n))
        uow.commit()
    find = queries.ticket_of_message
    assert find(world.db.uow(readonly=True), world.rita.id, world.rita.id, 900) == other
    assert find(world.db.uow(readonly=True), world.crew.id, world.crew.id, 901) == tid  # the task's card
    assert find(world.db.uow(readonly=True), world.crew.id, world.crew.id, 900) is None  # not his message
