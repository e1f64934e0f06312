"""Metrics against a hand-built data set (the queue's world with known SLA times), on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from domain.actors import Actor
from domain.errors import Forbidden, InvalidInput
from domain.models import Task, TaskStatus, Ticket, TicketStatus
from domain.queue.metrics import metrics, nearest_rank, period_bounds
from domain.queue.metrics_sql import offsets

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


def test_trend_days_are_local_across_a_clock_change(world):
    """Europe/London leaves summer time at 01:00 UTC on 25 Oct 2026; Kolkata is +05:30 all year."""
    at = {"tap": datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # London 25 Oct 00:30 BST; Kolkata 25 Oct
          "light": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # London 25 Oct 01:30 BST (before the change)
          "desk": datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # London 25 Oct 23:30 GMT; Kolkata 26 Oct
          "booking": datetime(2026, 10, 24, 18, 20, tzinfo=UTC)}  # London 24 Oct; Kolkata 24 Oct 23:50
    with world.db.uow() as uow:
        for key, when in at.items():
            uow.session.execute(update(Ticket).where(Ticket.id == world.tickets[key]).values(created_at=when))
        uow.commit()
    for tz in ("Europe/London", "Asia/Kolkata"):
        start, end = period_bounds("custom", world.db.clock.now(), tz, date(2026, 10, 24), date(2026, 10, 26))
        m = metrics(world.db.uow(readonly=True), Actor.web(world.admin.id, None), start, end, tz)
        want = Counter(when.astimezone(ZoneInfo(tz)).date() for when in at.values())
        assert {d.day: d.created for d in m.trend} == {d: want[d] for d in (date(2026, 10, 24) + timedelta(days=i)
                                                                            for i in range(3))}, tz
    assert [o for _, o in offsets(*period_bounds("custom", world.db.clock.now(), "Europe/London",
                                                 date(2026, 10, 24), date(2026, 10, 26)), "Europe/London")] \
        == [3600, 0]
