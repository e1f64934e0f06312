"""Metrics against a hand-built data set (the queue's world with known SLA times), on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from domain.actors import Actor
from domain.errors import Forbidden, InvalidInput
from domain.models import Task, TaskStatus, Ticket, TicketStatus
from domain.queue.metrics import metrics, nearest_rank, period_bounds

H = timedelta(hours=1)


def _set(world, key: str, **offsets) -> None:
    """Times relative to the ticket's created_at (timedeltas), other values as given."""
    with world.db.uow() as uow:
        tid = world.tickets[key]
        created = uow.session.scalar(select(Ticket.created_at).where(Ticket.id == tid))
        values = {k: (created + v if isinstance(v, timedelta) else v) for k, v in offsets.items()}
        uow.session.execute(update(Ticket).where(Ticket.id == tid).values(**values))
        uow.commit()


@pytest.fixture
def built(world):
    now = world.db.clock.now()
    base = dict(first_response_at=None, resolved_at=None, sla_risk_at=None)
    _set(world, "tap", **{**base, "first_response_at": H / 2, "first_response_due_at": H,
                          "resolution_due_at": 4 * H})  # answered in time, resolution missed
    _set(world, "light", **{**base, "first_response_at": 2 * H, "first_response_due_at": H, "resolved_at": 20 * H,
                            "resolution_due_at": 24 * H, "status": TicketStatus.RESOLVED})  # answered late
    _set(world, "desk", **{**base, "first_response_due_at": 2 * H, "resolution_due_at": 8 * H})  # undecided
    _set(world, "booking", **{**base, "first_response_at": H, "first_response_due_at": 4 * H,
                              "resolution_due_at": 24 * H})
    with world.db.uow() as uow:
        uow.session.execute(update(Ticket).where(Ticket.id == world.tickets["desk"]).values(
            sla_risk_at=now - timedelta(minutes=10), sla_due_at=now + H))
        form = world.tasks["form"]
        created = uow.session.scalar(select(Task.created_at).where(Task.id == form))
        uow.session.execute(update(Task).where(Task.id == form).values(
            status=TaskStatus.DONE, completed_at=created + 10 * H))
        uow.commit()
    return world


def run(world, who, period="month"):
    now = world.db.clock.now()
    start, end = period_bounds(period, now, "UTC")
    return metrics(world.db.uow(readonly=True), Actor.web(who.id, None), start, end, "UTC")


def test_numbers_of_the_hand_built_set(built):
    m = run(built, built.admin)
    assert m.total == 6
    assert m.by_status == {"new": 3, "resolved": 1, "pending": 1, "done": 1}
    assert m.by_priority == {"urgent": 1, "low": 1, "normal": 2, "high": 2}
    assert (m.at_risk, m.breached) == (1, 2)
    assert m.first_response_compliance == pytest.approx(2 / 3) and m.resolution_compliance == 0.5
    assert (m.first_response.count, m.first_response.median, m.first_response.p90) == (3, H, 2 * H)
    assert (m.resolution.count, m.resolution.median, m.resolution.p90) == (2, 10 * H, 20 * H)
    assert [(p.name, p.open, p.overdue) for p in m.people] == [("Carl Crew", 1, 0)]
    assert [(t.name, t.open, t.overdue) for t in m.teams] == [("Facilities", 2, 1), ("Operations", 1, 0)]
    days = {d.day: (d.created, d.resolved) for d in m.trend}
    assert len(m.trend) == 30
    assert days[date(2026, 11, 2)] == (3, 0) and days[date(2026, 11, 1)] == (2, 1)
    assert days[date(2026, 10, 31)] == (1, 1) and sum(c for c, _ in days.values()) == 6


def test_periods_and_scope(built):
    assert run(built, built.admin, "today").total == 3  # tap, desk and the essays were created today
    assert run(built, built.otto).total == 1  # a lead: their team's tickets (and their members' tasks)
    with pytest.raises(Forbidden):
        run(built, built.carl)
    with pytest.raises(InvalidInput):
        period_bounds("year", built.db.clock.now(), "UTC")
    start, end = period_bounds("custom", built.db.clock.now(), "UTC", date(2026, 10, 31), date(2026, 11, 1))
    assert metrics(built.db.uow(readonly=True), Actor.web(built.admin.id, None), start, end, "UTC").total == 3


def test_nearest_rank():
    assert nearest_rank([], 0.5) is None
    assert nearest_rank([5, 1, 3, 2, 4], 0.5) == 3
    assert nearest_rank(list(range(1, 11)), 0.9) == 9
    assert nearest_rank([7], 0.9) == 7
