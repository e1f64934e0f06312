"""A ticket's life through the services: filed, accepted with two assignees (one task each), started,
completed (the ticket is done and the leads get Resolve / Reopen), resolved, reopened; who was told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.models import Task, TaskStatus, TicketStatus
from domain.tasks import services as tasks
from domain.tickets import queries
from domain.tickets import services as desk
from domain.tickets.rows import Action, EventKind


def _task_of(world, ticket_id, person):
    detail = queries.get_ticket(world.db.uow(readonly=True), world.actor(person), ticket_id)
    return next(task for pid, _name, task in detail.assignees if pid == person.id)


def test_a_ticket_from_filing_to_resolution(world, clock):
    tid = world.file(description="Drips all night")
    detail = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.rita), tid)
    assert detail.status == TicketStatus.NEW and detail.row.ref.startswith("#")
    assert detail.row.fields == {"location": "Room 4"}
    assert Action.EDIT in detail.actions and Action.ACCEPT not in detail.actions
    assert world.told("ticket_card") == [world.rita.id]
    assert world.told("ticket_new") == [world.lead.id, world.nina.id]
    assert [d.get("lead") for k, _r, d in world.outbox("ticket_new")] == [True, None]

    due = clock.now() + timedelta(days=1)
    result = desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id, world.crew2.id], due)
    assert result.changed and result.ticket.status == TicketStatus.ACCEPTED
    assert str(result.ticket.row.progress) == "0 of 2 done"
    assert sorted(world.told("task_assigned")) == sorted([world.crew.id, world.crew2.id])
    t1, t2 = _task_of(world, tid, world.crew), _task_of(world, tid, world.crew2)

    tasks.start_task(world.db.uow(), world.actor(world.crew), t1)
    assert queries.get_ticket(world.db.uow(readonly=True), world.actor(world.lead), tid).status \
        == TicketStatus.IN_PROGRESS
    tasks.complete_task(world.db.uow(), world.actor(world.crew), t1)
    row = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.lead), tid).row
    assert row.status == TicketStatus.IN_PROGRESS and str(row.progress) == "1 of 2 done"
    assert world.told("ticket_work_done") == []
    tasks.complete_task(world.db.uow(), world.actor(world.crew2), t2)
    detail = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.lead), tid)
    assert detail.status == TicketStatus.DONE and str(detail.row.progress) == "2 of 2 done"
    assert world.told("ticket_work_done") == [world.lead.id]
    assert {Action.RESOLVE, Action.REOPEN} <= detail.actions

    desk.resolve(world.db.uow(), world.actor(world.lead), tid, "New washer fitted")
    statuses = [d["status"] for _k, r, d in world.outbox("ticket_card") if r == world.rita.id]
    assert statuses == ["new", "accepted", "in_progress", "done", "resolved"]
    assert sorted(world.told("ticket_resolved")) == sorted([world.nina.id, world.crew.id, world.crew2.id])

    again = desk.reopen(world.db.uow(), world.actor(world.rita), tid, "Still dripping")
    assert again.ticket.status == TicketStatus.IN_PROGRESS and again.ticket.reopen_count == 1
    with world.db.uow(readonly=True) as uow:
        assert set(uow.session.scalars(select(Task.status).where(Task.id.in_([t1, t2])))) == {TaskStatus.IN_PROGRESS}
    kinds = [e.kind for e in again.ticket.timeline]
    assert kinds == [EventKind.CREATED, EventKind.ACCEPTED, EventKind.ASSIGNED, EventKind.STARTED, EventKind.DONE,
                     EventKind.RESOLVED, EventKind.REOPENED]
    assert all(e.channel == "telegram" for e in again.ticket.timeline)
