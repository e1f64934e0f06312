"""The one visibility rule: requesters their own, assignees theirs, team members their team's, admins all;
a member of another team neither sees nor acts; an outside contact's phone and e-mail masked off the team."""

from __future__ import annotations

import pytest

from domain.errors import Forbidden, NotFound
from domain.models import TicketStatus
from domain.tickets import queries
from domain.tickets import services as desk
from domain.tickets.rows import MASK, Action, Contact, TicketFilter, TicketScope


def _ids(world, person, **filters):
    page = queries.list_tickets(world.db.uow(readonly=True), world.actor(person), TicketFilter(**filters))
    return sorted(r.id for r in page.items)


def test_who_sees_which_ticket(world):
    tap = world.file()
    booking = world.file(world.otto, team_id=world.operations.id, title="Refund for BK-77",
                         fields={"booking_id": "BK-77"})
    desk.accept(world.db.uow(), world.actor(world.otto), booking, [world.crew.id])  # a Facilities crew helps
    assert _ids(world, world.admin) == sorted([tap, booking])
    assert _ids(world, world.rita) == [tap]  # her own
    assert _ids(world, world.lead) == [tap]  # her team's
    assert _ids(world, world.crew) == sorted([tap, booking])  # his team's, and the one he works on
    assert _ids(world, world.outsider) == [booking]  # Operations only
    assert _ids(world, world.crew, scope=TicketScope.ASSIGNED) == [booking]
    assert _ids(world, world.rita, scope=TicketScope.REQUESTED) == [tap]
    assert _ids(world, world.lead, scope=TicketScope.TEAM) == [tap]
    assert _ids(world, world.admin, text="bk-77") == [booking]  # an extra field is searchable
    assert _ids(world, world.admin, team_id=world.facilities.id, statuses=(TicketStatus.NEW,)) == [tap]


def test_a_member_of_another_team_can_neither_see_nor_act(world):
    tap = world.file()
    olga = world.actor(world.outsider)
    with pytest.raises(NotFound):
        queries.get_ticket(world.db.uow(readonly=True), olga, tap)
    for call in (lambda: desk.accept(world.db.uow(), olga, tap),
                 lambda: desk.reject(world.db.uow(), olga, tap, "no"),
                 lambda: desk.assign(world.db.uow(), olga, tap, [world.outsider.id]),
                 lambda: desk.comment(world.db.uow(), olga, tap, "hello"),
                 lambda: desk.cancel(world.db.uow(), olga, tap)):
        with pytest.raises(NotFound):
            call()
    assert world.told("ticket_comment") == []
    assert queries.get_ticket(world.db.uow(readonly=True), world.actor(world.lead), tap).status == TicketStatus.NEW


def test_crew_and_requesters_cannot_triage(world):
    tap = world.file()
    with pytest.raises(Forbidden):
        desk.accept(world.db.uow(), world.actor(world.crew), tap)
    with pytest.raises(Forbidden):
        desk.reject(world.db.uow(), world.actor(world.rita), tap, "changed my mind")
    with pytest.raises(Forbidden):
        desk.comment(world.db.uow(), world.actor(world.rita), tap, "psst", internal=True)
    crew_view = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.crew), tap)
    assert Action.NOTE in crew_view.actions and Action.ACCEPT not in crew_view.actions


def test_an_outside_contact_is_masked_for_everyone_off_the_team(world):
    tid = desk.file_ticket(world.db.uow(), world.actor(world.otto), queries_spec(world)).ticket.id
    desk.accept(world.db.uow(), world.actor(world.otto), tid, [world.crew.id])
    seen = {p.name: queries.get_ticket(world.db.uow(readonly=True), world.actor(p), tid).row.contact
            for p in (world.otto, world.outsider, world.admin, world.crew)}
    full = Contact("Mr Client", "+44 7700 900123", "client@example.com")
    assert seen == {"Otto Ops": full, "Olga Ops": full, "Ada Admin": full,
                    "Carl Crew": Contact("Mr Client", MASK, MASK)}
    with pytest.raises(Forbidden):  # only staff of the team file for an outsider
        desk.file_ticket(world.db.uow(), world.actor(world.rita), queries_spec(world))


def queries_spec(world):
    from domain.tickets.rows import TicketSpec

    return TicketSpec(world.operations.id, "Wrong room booked", fields={"booking_id": "BK-9", "customer": "Acme"},
                      contact=Contact("Mr Client", "+44 7700 900123", "client@example.com"))
