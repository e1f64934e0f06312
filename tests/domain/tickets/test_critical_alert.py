"""An urgent ticket or urgent tasks raise one critical_item alert: to the admins and the team's leads."""

from __future__ import annotations

from sqlalchemy import select

from domain.actors import Actor
from domain.models import Alert, AlertRecipient, Priority
from domain.tasks import services as tasks


def _alerts(world) -> list[tuple[str, str, int, set[int]]]:
    with world.db.uow(readonly=True) as uow:
        out = []
        for a in uow.session.scalars(select(Alert).order_by(Alert.id)):
            told = set(uow.session.scalars(select(AlertRecipient.person_id).where(AlertRecipient.alert_id == a.id)))
            out.append((a.type, a.item_kind, a.item_id, told))
        return out


def test_an_urgent_ticket_raises_one_critical_alert_a_normal_one_none(world):
    world.file(title="Routine")
    assert _alerts(world) == []
    tid = world.file(title="Flooding in the basement", priority=Priority.URGENT)
    assert _alerts(world) == [("critical_item", "ticket", tid, {world.admin.id, world.lead.id})]
    assert sorted(world.told("alert")) == sorted([world.admin.id, world.lead.id])


def test_urgent_tasks_raise_one_alert_for_the_assignment(world):
    result = tasks.assign(world.db.uow(), Actor.telegram(world.admin.id), tasks.AssignmentSpec(
        title="Evacuate lab", person_ids=[world.crew.id, world.crew2.id], priority=Priority.URGENT))
    assert _alerts(world) == [("critical_item", "assignment", result.assignment_id, {world.admin.id})]
