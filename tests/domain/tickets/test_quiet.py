"""Desk messages go through the outbox's quiet hours: an urgent ticket passes, a normal one waits."""

from __future__ import annotations

from datetime import UTC, datetime

from domain import outbox
from domain.models import Priority
from domain.uow import Database


def test_an_urgent_ticket_passes_quiet_hours_a_normal_one_waits(world, clock):
    world.db = Database.from_engine(world.db.engine, world.db.clock, timezone="Europe/London")
    clock.set(datetime(2026, 11, 2, 23, 0, tzinfo=UTC))
    normal = world.file(title="Squeaky door")
    urgent = world.file(title="Flooded corridor", priority=Priority.URGENT)
    claimed = outbox.claim_due(world.db.uow())
    got = [d for d in claimed if d.subject_type == "ticket"]
    assert {d.subject_id for d in got} == {urgent}
    # its critical_item alert is urgent too: it passes (to the admin and the lead)
    assert sorted(d.recipient_id for d in claimed if d.kind == "alert") == sorted([world.admin.id, world.lead.id])
    assert sorted(d.recipient_id for d in got) == sorted([world.rita.id, world.lead.id, world.nina.id])
    outbox.mark_sent_many(world.db.uow(), [(d.id, d.chat_id, 1, False) for d in claimed])
    clock.set(datetime(2026, 11, 3, 7, 0, tzinfo=UTC))
    assert {d.subject_id for d in outbox.claim_due(world.db.uow())} == {normal}
