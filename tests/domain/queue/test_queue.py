"""The queue's filters, sorts, pages and scope, on both databases."""

from __future__ import annotations

import pytest

from domain.actors import Actor
from domain.errors import Forbidden
from domain.models import Priority
from domain.queue.query import ItemType, QueueFilter, QueueSort
from domain.queue.services import queue


def titles(world, who, f=None, **kw) -> list[str]:
    page = queue(world.db.uow(readonly=True), Actor.web(who.id, None), f, **kw)
    return [i.title for i in page.items]


def test_admin_sees_everything_by_time_to_breach(world):
    # the light's ticket stands for Carl's ticket task; no deadline goes last, tasks before tickets
    assert titles(world, world.admin) == ["Leaking tap", "Mark essays", "Broken light", "Booking BK-1",
                                          "Fill the form", "Wobbly desk"]


def test_sorts_both_ways(world):
    assert titles(world, world.admin, sort=QueueSort.PRIORITY) == [
        "Leaking tap", "Mark essays", "Booking BK-1", "Fill the form", "Wobbly desk", "Broken light"]
    assert titles(world, world.admin, sort=QueueSort.PRIORITY, desc=True)[0] == "Broken light"
    assert titles(world, world.admin, sort=QueueSort.AGE) == [
        "Fill the form", "Broken light", "Booking BK-1", "Leaking tap", "Mark essays", "Wobbly desk"]
    assert titles(world, world.admin, sort=QueueSort.AGE, desc=True)[0] == "Wobbly desk"
    assert titles(world, world.admin, sort=QueueSort.DUE, desc=True) == [
        "Booking BK-1", "Broken light", "Mark essays", "Leaking tap", "Fill the form", "Wobbly desk"]


def test_filters(world):
    assert titles(world, world.admin, QueueFilter(type=ItemType.TASK)) == ["Mark essays", "Fill the form"]
    assert titles(world, world.admin, QueueFilter(priority=Priority.URGENT)) == ["Leaking tap"]
    assert titles(world, world.admin, QueueFilter(status="pending")) == ["Mark essays", "Fill the form"]
    assert titles(world, world.admin, QueueFilter(status="new")) == ["Leaking tap", "Booking BK-1", "Wobbly desk"]
    assert titles(world, world.admin, QueueFilter(assignee_id=world.carl.id)) == ["Mark essays", "Broken light"]
    ops = queue(world.db.uow(readonly=True), Actor.web(world.admin.id, None), QueueFilter(type=ItemType.TICKET))
    team_of_booking = next(i.team_id for i in ops.items if i.title == "Booking BK-1")
    assert titles(world, world.admin, QueueFilter(team_id=team_of_booking)) == ["Booking BK-1"]


def test_pages_and_summary(world):
    uow = world.db.uow(readonly=True)
    first = queue(uow, Actor.web(world.admin.id, None), limit=2)
    second = queue(world.db.uow(readonly=True), Actor.web(world.admin.id, None), limit=2, offset=2)
    last = queue(world.db.uow(readonly=True), Actor.web(world.admin.id, None), limit=2, offset=4)
    assert [i.title for i in first.items + second.items + last.items] == titles(world, world.admin)
    assert (first.next_offset, second.next_offset, last.next_offset) == (2, 4, None)
    s = first.summary
    assert (s.total, s.tickets, s.tasks, s.overdue, s.due_soon) == (6, 4, 2, 1, 2)
    assert s.by_priority == {"low": 1, "normal": 2, "high": 2, "urgent": 1}
    tap = first.items[0]
    assert tap.breached and tap.ref.startswith("#") and tap.team == "Facilities"
    summary_only = queue(world.db.uow(readonly=True), Actor.web(world.admin.id, None), full=False)
    assert summary_only.items == [] and summary_only.summary == s


def test_scope(world):
    # a lead: their team's tickets and their own tasks
    assert titles(world, world.lena) == ["Leaking tap", "Broken light", "Fill the form", "Wobbly desk"]
    assert titles(world, world.otto) == ["Booking BK-1"]
    # a person: their own items (Carl's ticket task is shown as its ticket)
    assert titles(world, world.carl) == ["Mark essays", "Broken light"]
    with pytest.raises(Forbidden):
        queue(world.db.uow(readonly=True), Actor.web(world.carl.id, None), org_only=True)
    light = queue(world.db.uow(readonly=True), Actor.web(world.carl.id, None)).items[1]
    assert light.assignees == ["Carl Crew"]


def test_sla_deadline_orders_tickets_and_counts_at_risk(world):
    from datetime import timedelta

    from sqlalchemy import update

    from domain.models import Ticket
    with world.db.uow() as uow:  # the desk's stored SLA deadline wins over the due time
        now = uow.now
        uow.session.execute(update(Ticket).where(Ticket.id == world.tickets["desk"]).values(
            sla_due_at=now + timedelta(minutes=30), sla_risk_at=now - timedelta(minutes=5)))
        uow.commit()
    page = queue(world.db.uow(readonly=True), Actor.web(world.admin.id, None))
    assert [i.title for i in page.items][:2] == ["Leaking tap", "Wobbly desk"]
    assert page.summary.at_risk == 1 and page.items[1].time_left == timedelta(minutes=30)
