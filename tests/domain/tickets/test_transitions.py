"""Transitions are refused from the wrong states; each change is on the timeline and in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.errors import IllegalTransition, InvalidInput
from domain.models import AuditEntry, Task, TaskStatus, TicketStatus
from domain.tasks import services as tasks
from domain.tickets import queries
from domain.tickets import services as desk


def test_transitions_refused_from_wrong_states(world):
    lead = world.actor(world.lead)
    tid = world.file()
    with pytest.raises(IllegalTransition):
        desk.resolve(world.db.uow(), lead, tid)  # new: accept first
    with pytest.raises(IllegalTransition):
        desk.reopen(world.db.uow(), lead, tid, "why")
    with pytest.raises(InvalidInput):
        desk.reject(world.db.uow(), lead, tid, "  ")  # a reason is required
    rejected = desk.reject(world.db.uow(), lead, tid, "Not ours: call the landlord")
    assert rejected.ticket.status == TicketStatus.REJECTED and rejected.ticket.reject_reason.startswith("Not ours")
    for call in (lambda: desk.accept(world.db.uow(), lead, tid), lambda: desk.assign(world.db.uow(), lead, tid,
                 [world.crew.id]), lambda: desk.cancel(world.db.uow(), lead, tid),
                 lambda: desk.edit_before_accept(world.db.uow(), world.actor(world.rita), tid, description="x")):
        with pytest.raises(IllegalTransition):
            call()
    assert desk.reject(world.db.uow(), lead, tid, "again").changed is False
    card = [d for k, r, d in world.outbox("ticket_card")][-1]
    assert card["status"] == "rejected" and card["text"] == "Not ours: call the landlord"


def test_edit_until_accepted_then_cancel_cancels_the_tasks(world, clock):
    tid = world.file()
    rita = world.actor(world.rita)
    edited = desk.edit_before_accept(world.db.uow(), rita, tid, description="Now the floor is wet",
                                     fields={"location": "Room 5"})
    assert edited.ticket.description == "Now the floor is wet" and edited.ticket.row.fields == {"location": "Room 5"}
    desk.assign(world.db.uow(), world.actor(world.lead), tid, [world.crew.id], clock.now() + timedelta(hours=3))
    with pytest.raises(IllegalTransition):
        desk.edit_before_accept(world.db.uow(), rita, tid, description="more")
    cancelled = desk.cancel(world.db.uow(), rita, tid, "Fixed it myself")
    assert cancelled.ticket.status == TicketStatus.CANCELLED
    with world.db.uow(readonly=True) as uow:
        assert list(uow.session.scalars(select(Task.status))) == [TaskStatus.CANCELLED]
        actions = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "ticket")
                                           .order_by(AuditEntry.id)))
    assert actions == ["ticket.created", "ticket.edited", "ticket.accepted", "ticket.assigned", "ticket.cancelled"]
    with pytest.raises(IllegalTransition):
        desk.reopen(world.db.uow(), rita, tid, "oops")


def test_a_lead_sends_done_work_back(world):
    tid = world.file()
    desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id])
    task = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.crew), tid).assignees[0][2]
    tasks.complete_task(world.db.uow(), world.actor(world.crew), task)  # straight from pending
    with pytest.raises(IllegalTransition):  # the requester reopens only a resolved ticket
        desk.reopen(world.db.uow(), world.actor(world.rita), tid, "not really")
    back = desk.reopen(world.db.uow(), world.actor(world.lead), tid, "The tap still drips")
    assert back.ticket.status == TicketStatus.IN_PROGRESS
    assert world.told("task_reopened") == [world.crew.id]
    tasks.complete_task(world.db.uow(), world.actor(world.crew), task)
    assert world.told("ticket_work_done") == [world.lead.id, world.lead.id]


def test_the_timeline_names_the_channel_and_the_ip(world):
    from domain.actors import Actor

    tid = desk.file_ticket(world.db.uow(), Actor.api(world.rita.id, "203.0.113.9"),
                           queries_spec_for(world)).ticket.id
    desk.accept(world.db.uow(), Actor.web(world.lead.id, "198.51.100.7"), tid)
    desk.comment(world.db.uow(), world.actor(world.lead), tid, "Coming")
    staff = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.lead), tid)
    assert [(e.channel, e.ip) for e in staff.timeline] == [("api", "203.0.113.9"), ("web", "198.51.100.7"),
                                                            ("telegram", None)]
    hers = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.rita), tid)
    assert [e.ip for e in hers.timeline] == [None, None, None]  # IPs are for staff


def queries_spec_for(world):
    from domain.tickets.rows import TicketSpec

    return TicketSpec(world.facilities.id, "Cold radiators", fields={"location": "Hall"})


def test_filings_at_once_get_distinct_numbers_without_gaps(world):
    from concurrent.futures import ThreadPoolExecutor

    from domain.actors import Actor
    from domain.tickets.rows import TicketSpec

    def file(n: int) -> int:
        spec = TicketSpec(world.facilities.id, f"Request {n}", fields={"location": "Hall"})
        return desk.file_ticket(world.db.uow(), Actor.telegram(world.rita.id), spec).ticket.row.number

    with ThreadPoolExecutor(4) as pool:
        numbers = list(pool.map(file, range(8)))
    assert sorted(numbers) == list(range(1, 9))


def test_more_work_on_done_work_puts_it_back_in_progress_and_the_requester_hears(world):
    tid = world.file()
    desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id])
    task = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.crew), tid).assignees[0][2]
    tasks.complete_task(world.db.uow(), world.actor(world.crew), task)
    more = desk.assign(world.db.uow(), world.actor(world.lead), tid, [world.crew2.id])
    assert more.ticket.status == TicketStatus.IN_PROGRESS and str(more.ticket.row.progress) == "1 of 2 done"
    statuses = [d["status"] for _k, r, d in world.outbox("ticket_card")]
    assert statuses == ["new", "accepted", "in_progress", "done", "in_progress"]
