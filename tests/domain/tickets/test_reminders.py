"""The desk's reminder rules: an untriaged ticket reminds the leads, work taking too long the assignees."""

from __future__ import annotations

from domain.actors import Actor
from domain.settings import services as settings
from domain.tickets import reminders
from domain.tickets import services as desk


def test_untriaged_reminds_leads_and_slow_work_reminds_assignees(world, clock):
    new = world.file(title="Broken window")
    working = world.file(title="Door sticks")
    desk.accept(world.db.uow(), world.actor(world.lead), working, [world.crew.id, world.crew2.id])
    assert reminders.scan(world.db.uow()) == reminders.DeskReminders(0, 0)
    clock.advance(hours=4)
    assert reminders.scan(world.db.uow()) == reminders.DeskReminders(1, 0)
    assert [(r, d["ticket_id"], d["why"]) for _k, r, d in world.outbox("ticket_reminder")] == [
        (world.lead.id, new, "untriaged")]
    assert reminders.scan(world.db.uow()) == reminders.DeskReminders(0, 0)  # not again at once
    settings.save(world.db.uow(), Actor.system(), {"desk.in_progress_hours": "10"})
    clock.advance(hours=6)  # 10 hours in: the work rule fires, and the leads' every-4-hours repeat
    assert reminders.scan(world.db.uow()) == reminders.DeskReminders(1, 1)
    assert sorted(r for _k, r, d in world.outbox("ticket_reminder") if d["why"] == "in_progress") == sorted(
        [world.crew.id, world.crew2.id])
    clock.advance(hours=4)
    assert reminders.scan(world.db.uow()) == reminders.DeskReminders(1, 0)  # the leads again; the work not yet
