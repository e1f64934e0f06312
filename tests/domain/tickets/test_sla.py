"""SLA deadlines from a ticket's history, on both databases with an injected clock: the seed's default
targets, at risk and breached, business hours across a holiday and a paused status, a policy change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.errors import Forbidden, InvalidInput
from domain.models import AuditEntry, Priority, Ticket
from domain.sla import services as sla
from domain.sla.state import sla_state
from domain.tasks import services as tasks
from domain.tickets import queries
from domain.tickets import services as desk

MON = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # tests.conftest.T0, a Monday; the org's zone is UTC


def _ticket(world, tid: int) -> Ticket:
    with world.db.uow(readonly=True) as uow:
        ticket = uow.session.get(Ticket, tid)
        uow.session.expunge(ticket)
        return ticket


def _task_of(world, ticket_id, person):
    detail = queries.get_ticket(world.db.uow(readonly=True), world.actor(person), ticket_id)
    return next(task for pid, _name, task in detail.assignees if pid == person.id)


def test_default_targets_at_risk_then_breached_then_answered(world, clock):
    tid = world.file(priority=Priority.URGENT)
    t = _ticket(world, tid)
    assert (t.first_response_due_at, t.resolution_due_at) == (MON + timedelta(hours=1), MON + timedelta(hours=4))
    assert t.sla_due_at == MON + timedelta(hours=1)  # the queue's index: the next deadline
    state = sla_state(t, clock.now())
    assert state.label == "on time" and state.left == timedelta(hours=1)
    clock.advance(minutes=44)
    assert sla_state(t, clock.now()).label == "on time"
    clock.advance(minutes=2)  # less than 25 % of the hour left
    assert sla_state(t, clock.now()).label == "at risk" and not sla_state(t, clock.now()).breached
    clock.advance(minutes=15)
    assert sla_state(t, clock.now()).breached and sla_state(t, clock.now()).left < timedelta(0)
    desk.accept(world.db.uow(), world.actor(world.lead), tid)  # the first response, late
    t = _ticket(world, tid)
    state = sla_state(t, clock.now())
    assert t.first_response_at == clock.now() and state.first_response.breached
    assert not state.resolution.breached and t.sla_due_at == t.resolution_due_at
    desk.comment(world.db.uow(), world.actor(world.lead), tid, "On it")
    assert _ticket(world, tid).first_response_at == MON + timedelta(minutes=61)  # the first stays


def test_a_public_reply_by_staff_is_a_first_response_but_not_the_requesters_or_a_note(world, clock):
    tid = world.file(priority=Priority.HIGH)
    clock.advance(minutes=5)
    desk.comment(world.db.uow(), world.actor(world.rita), tid, "Any news?")
    desk.comment(world.db.uow(), world.actor(world.lead), tid, "Checking", internal=True)
    assert _ticket(world, tid).first_response_at is None
    clock.advance(minutes=5)
    desk.comment(world.db.uow(), world.actor(world.lead), tid, "We will come at noon")
    t = _ticket(world, tid)
    assert t.first_response_at == MON + timedelta(minutes=10) and not sla_state(t, clock.now()).breached


def test_business_hours_across_a_holiday_and_a_paused_status(world, clock):
    admin = Actor.web(world.admin.id, "10.0.0.1")
    sla.save_calendar(world.db.uow(), admin, [1, 2, 3, 4, 5], "09:00", "18:00", ["2026-11-03"])
    sla.save_policy(world.db.uow(), admin, sla.PolicyIn(world.facilities.id, "high", 4 * 60, 24 * 60, True,
                                                        ["done"]))
    clock.set(MON + timedelta(hours=7))  # Monday 16:00
    tid = world.file(priority=Priority.HIGH)
    t = _ticket(world, tid)
    # 2 h on Monday, Tuesday a holiday, 2 h on Wednesday
    assert t.first_response_due_at == datetime(2026, 11, 4, 11, 0, tzinfo=UTC)
    # 24 business hours: Mon 2, Wed 9, Thu 9, Fri 4
    assert t.resolution_due_at == datetime(2026, 11, 6, 13, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))  # Wednesday
    desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id])
    task = _task_of(world, tid, world.crew)
    tasks.start_task(world.db.uow(), world.actor(world.crew), task)
    clock.set(datetime(2026, 11, 5, 9, 0, tzinfo=UTC))  # Thursday morning: all done, waiting
    tasks.complete_task(world.db.uow(), world.actor(world.crew), task)
    t = _ticket(world, tid)
    assert t.sla_paused_since == clock.now() and t.sla_due_at is None  # a paused clock is not in the race
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=UTC))  # the next Monday: the deadline would have passed
    state = sla_state(t, clock.now())
    assert state.paused and not state.breached and not state.at_risk and state.label == "paused"
    desk.reopen(world.db.uow(), world.actor(world.lead), tid, "The tap still drips")
    t = _ticket(world, tid)
    # 11 business hours were used before the pause (Mon 2, Wed 9); 13 are left from Monday 09:00
    assert t.resolution_due_at == datetime(2026, 11, 10, 13, 0, tzinfo=UTC)
    assert t.sla_paused_since is None and t.sla_paused_minutes == 4 * 24 * 60
    assert t.sla_due_at == t.resolution_due_at and sla_state(t, clock.now()).label == "on time"


def test_a_policy_change_recomputes_the_open_tickets_and_is_audited(world, clock):
    tid = world.file()  # normal: 24 h / 72 h by default, 24/7
    assert _ticket(world, tid).first_response_due_at == MON + timedelta(hours=24)
    clock.advance(minutes=70)
    admin = Actor.web(world.admin.id, "10.0.0.1")
    row = sla.save_policy(world.db.uow(), admin, sla.PolicyIn(world.facilities.id, "normal", 90, 8 * 60, False, []))
    assert row.stored and row.first_response_minutes == 90
    t = _ticket(world, tid)
    assert (t.first_response_due_at, t.resolution_due_at) == (MON + timedelta(minutes=90), MON + timedelta(hours=8))
    assert sla_state(t, clock.now()).at_risk  # 20 of 90 minutes left
    with world.db.uow(readonly=True) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "sla.policy")).one()
        assert entry.details["recomputed"] == 1 and entry.details["before"] == [None, None, None]
    rows = sla.list_policies(world.db.uow(readonly=True), admin)
    assert len(rows) == 8 and [r.stored for r in rows].count(True) == 1
    sla.reset_policy(world.db.uow(), admin, world.facilities.id, "normal")
    assert _ticket(world, tid).first_response_due_at == MON + timedelta(hours=24)


def test_policies_are_validated_and_for_admins(world):
    admin, lead = Actor.web(world.admin.id, None), Actor.web(world.lead.id, None)
    with pytest.raises(Forbidden):
        sla.save_policy(world.db.uow(), lead, sla.PolicyIn(world.facilities.id, "low", 60, 120, False))
    for bad in (sla.PolicyIn(world.facilities.id, "critical", 60, 120, False),
                sla.PolicyIn(world.facilities.id, "low", 0, 120, False),
                sla.PolicyIn(world.facilities.id, "low", 180, 120, False),
                sla.PolicyIn(world.facilities.id, "low", 60, 120, False, ["resolved"])):
        with pytest.raises(InvalidInput):
            sla.save_policy(world.db.uow(), admin, bad)
    with pytest.raises(InvalidInput):
        sla.save_calendar(world.db.uow(), admin, [1], "18:00", "09:00", [])
    with pytest.raises(InvalidInput):
        sla.save_calendar(world.db.uow(), admin, [1], "09:00", "18:00", ["25.12.2026"])


def test_the_sql_conditions_agree_with_the_read_model(world, clock):
    from sqlalchemy import func

    from domain.sla.queries import ticket_at_risk, ticket_breached, ticket_on_time

    late, risky, fine = world.file(priority=Priority.URGENT), None, None
    clock.advance(minutes=20)
    risky = world.file(priority=Priority.URGENT)
    clock.advance(minutes=45)
    fine = world.file(priority=Priority.HIGH)
    desk.accept(world.db.uow(), world.actor(world.lead), late)  # answered late: resolution 4 h is next
    now = clock.now() + timedelta(minutes=1)
    with world.db.uow(readonly=True) as uow:
        found = {name: set(uow.session.scalars(select(Ticket.id).where(cond(now))))
                 for name, cond in (("breached", ticket_breached), ("at risk", ticket_at_risk),
                                    ("on time", ticket_on_time))}
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 3
    assert found == {"breached": set(), "at risk": {risky}, "on time": {late, fine}}
    assert {tid: sla_state(_ticket(world, tid), now).label for tid in (late, risky, fine)} == \
        {late: "on time", risky: "at risk", fine: "on time"}
    later = now + timedelta(hours=3)
    with world.db.uow(readonly=True) as uow:
        breached = set(uow.session.scalars(select(Ticket.id).where(ticket_breached(later))))
    assert breached == {late, risky} and all(sla_state(_ticket(world, t), later).breached for t in breached)


def test_tickets_without_deadlines_get_them_once(world, clock):
    from sqlalchemy import update

    from domain.sla.compute import recompute_missing

    tid = world.file(priority=Priority.LOW)
    with world.db.uow() as uow:  # as if filed before the SLA columns existed
        uow.session.execute(update(Ticket).values(first_response_due_at=None, resolution_due_at=None,
                                                  sla_due_at=None, sla_risk_at=None))
        uow.commit()
    assert recompute_missing(world.db.uow()) == 1 and recompute_missing(world.db.uow()) == 0
    assert _ticket(world, tid).sla_due_at == MON + timedelta(hours=48)


def test_changing_the_at_risk_share_in_settings_moves_the_stored_moments(world, clock):
    from domain.settings import services as settings

    tid = world.file(priority=Priority.URGENT)
    assert _ticket(world, tid).sla_risk_at == MON + timedelta(minutes=45)
    settings.save(world.db.uow(), Actor.web(world.admin.id, None), {"sla.at_risk_share": "50"})
    t = _ticket(world, tid)
    assert t.sla_risk_at == MON + timedelta(minutes=30) and t.resolution_risk_at == MON + timedelta(hours=2)
    clock.advance(minutes=31)
    assert sla_state(t, clock.now()).at_risk
