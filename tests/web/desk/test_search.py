"""Full-text search over tickets on both databases: title, description, extra fields, comments; never
internal notes; always within what the viewer may see."""

from __future__ import annotations

from domain.tickets import search
from domain.tickets import services as desk
from domain.tickets.rows import TicketFilter


def _found(world, who, text, **kw):
    page = search.search_tickets(world.db.uow(readonly=True), world.actor(who), TicketFilter(text=text, **kw))
    return sorted(r.id for r in page.items)


def test_search_finds_a_ticket_by_its_booking_id_and_words_anywhere(world):
    booking = world.file(team_id=world.operations.id, title="Refund please", description="The shuttle was late",
                         fields={"booking_id": "BK-4471", "customer": "Zed Quux"})
    other = world.file(team_id=world.operations.id, title="Another refund", fields={"booking_id": "BK-9000"})
    tap = world.file(description="Water everywhere")
    assert _found(world, world.otto, "BK-4471") == [booking]
    assert _found(world, world.otto, "bk-4471") == [booking]
    assert _found(world, world.otto, "4471") == [booking]
    assert _found(world, world.otto, "Quux") == [booking]
    assert _found(world, world.otto, "refund") == [booking, other]
    assert _found(world, world.otto, "refund shuttle") == [booking]
    assert _found(world, world.admin, "everywhere") == [tap]
    assert _found(world, world.otto, 'late" OR "x') == []  # quotes and operators are words, never syntax
    assert _found(world, world.otto, "-- ;") == []
    # The other team's member, who may not see the Operations tickets, finds nothing there.
    assert _found(world, world.lead, "BK-4471") == []
    assert _found(world, world.otto, "refund", team_id=world.facilities.id) == []


def test_search_reads_comments_but_not_internal_notes_and_follows_edits(world):
    tid = world.file(title="Broken chair")
    desk.comment(world.db.uow(), world.actor(world.rita), tid, "It wobbles near the window")
    desk.comment(world.db.uow(), world.actor(world.lead), tid, "Supplier zebracorp owes us one", internal=True)
    assert _found(world, world.lead, "wobbles window") == [tid]
    assert _found(world, world.lead, "zebracorp") == []
    desk.edit_before_accept(world.db.uow(), world.actor(world.rita), tid, title="Broken stool")
    assert _found(world, world.lead, "stool") == [tid]
    assert _found(world, world.lead, "chair") == []
    number = search.search_tickets(world.db.uow(readonly=True), world.actor(world.lead), TicketFilter()).items[0].number
    assert _found(world, world.lead, f"#{number}") == [tid]
