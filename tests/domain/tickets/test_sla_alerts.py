"""SLA alerts from the scheduler's scan over the stored deadlines: at risk once, breached once, to the
admins and the team's leads; a scan run again announces nothing new."""

from __future__ import annotations

from sqlalchemy import select

from domain.alerts import sla_scan
from domain.models import Alert, AlertRecipient, Notification, Priority, Ticket


def _alerts(world) -> list[tuple[str, int]]:
    with world.db.uow(readonly=True) as uow:
        return [(a.type, a.item_id) for a in uow.session.scalars(select(Alert).order_by(Alert.id))]


def test_at_risk_then_breach_each_announced_once(world, clock):
    tid = world.file(priority=Priority.NORMAL, title="Broken heater")
    world.file(priority=Priority.LOW, title="Far away")
    assert sla_scan.scan(world.db.uow()) == sla_scan.ScanResult(0, 0)
    with world.db.uow(readonly=True) as uow:
        t = uow.session.get(Ticket, tid)
        risk_at, due_at = t.sla_risk_at, t.sla_due_at
    clock.set(risk_at)
    assert sla_scan.scan(world.db.uow()) == sla_scan.ScanResult(1, 0)
    assert sla_scan.scan(world.db.uow()) == sla_scan.ScanResult(0, 0)  # once
    clock.set(due_at)
    assert sla_scan.scan(world.db.uow()) == sla_scan.ScanResult(0, 1)
    for _ in range(3):
        clock.advance(minutes=10)
        assert sla_scan.scan(world.db.uow()) == sla_scan.ScanResult(0, 0)  # a breach is announced once
    assert _alerts(world) == [("sla_at_risk", tid), ("sla_breach", tid)]
    with world.db.uow(readonly=True) as uow:
        breach = uow.session.scalar(select(Alert).where(Alert.type == "sla_breach"))
        told = set(uow.session.scalars(select(AlertRecipient.person_id).where(AlertRecipient.alert_id == breach.id)))
        sent = list(uow.session.scalars(select(Notification.recipient_id).where(
            Notification.kind == "alert", Notification.subject_id == breach.id)))
    assert told == {world.admin.id, world.lead.id} and sorted(sent) == sorted(told)
    assert breach.severity == "urgent" and breach.title == f"SLA breached: request #{breach_number(world, tid)}"


def breach_number(world, tid: int) -> int:
    with world.db.uow(readonly=True) as uow:
        return uow.session.get(Ticket, tid).number
