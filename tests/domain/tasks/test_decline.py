"""Declining a task with a reason, and reassigning a declined task, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.errors import Forbidden, IllegalTransition, InvalidInput
from domain.groups import services as groups
from domain.models import AuditEntry, Notification, Role, Task, TaskEvent, TaskStatus
from domain.ops import insights
from domain.reminders import services as reminders
from domain.tasks import decline
from domain.tasks import services as tasks
from domain.words import task_state
from tests.auxil.databases import count


def _declinable(db, make_person, clock, **kw):
    admin = make_person(Role.TEACHER)
    sam, priya = make_person(Role.STUDENT), make_person(Role.STUDENT)
    groups.create_group(db.uow(), Actor.telegram(admin.id), "Class", [sam.id, priya.id])
    tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
        title="Fix the tap", person_ids=[sam.id], due_at=clock.now() + timedelta(hours=3), **kw))
    with db.uow(readonly=True) as uow:
        task = uow.session.scalars(select(Task)).one()
    return admin, sam, priya, task


def test_decline_needs_a_reason_of_1_to_500_characters(db, make_person, clock):
    _admin, sam, _priya, task = _declinable(db, make_person, clock)
    me = Actor.telegram(sam.id)
    for bad, message in (("", "Say why"), ("   ", "Say why"), ("x" * 501, "at most 500")):
        with pytest.raises(InvalidInput, match=message):
            decline.decline_task(db.uow(), me, task.id, bad)
    assert count(db, Task, Task.status == TaskStatus.PENDING) == 1
    assert count(db, Notification, Notification.kind == "task_declined") == 0
    assert decline.decline_task(db.uow(), me, task.id, "x" * 500).changed


def test_decline_tells_the_assigner_stops_reminders_and_is_audited(db, make_person, clock):
    admin, sam, _priya, task = _declinable(db, make_person, clock)
    result = decline.decline_task(db.uow(), Actor.web(sam.id, "10.0.0.1"), task.id, "  not my area ")
    assert result.changed and result.task.status == TaskStatus.DECLINED
    assert result.task.state == "declined" == task_state(TaskStatus.DECLINED)
    assert result.task.last_note == "not my area"
    with db.uow(readonly=True) as uow:
        row = uow.session.get(Task, task.id)
        told = uow.session.scalars(select(Notification).where(Notification.kind == "task_declined")).one()
        event = uow.session.scalars(select(TaskEvent).where(TaskEvent.to_status == TaskStatus.DECLINED)).one()
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "task.decline")).one()
    assert row.next_reminder_at is None
    assert told.recipient_id == admin.id and told.data["reason"] == "not my area"
    assert event.note == "not my area" and event.ip == "10.0.0.1" and event.actor_id == sam.id
    assert entry.object_id == str(task.id)
    clock.advance(timedelta(days=2))  # long overdue: still no reminder, no escalation
    assert reminders.scan(db.uow(), "UTC").reminded == 0
    assert count(db, Notification, Notification.kind.in_(("task_reminder", "task_escalated"))) == 0
    again = decline.decline_task(db.uow(), Actor.telegram(sam.id), task.id, "still no")
    assert not again.changed and again.message == "Already declined."


def test_only_the_assignee_declines_and_only_a_pending_task(db, make_person, clock):
    admin, sam, priya, task = _declinable(db, make_person, clock)
    for who in (admin, priya):
        with pytest.raises(Forbidden):
            decline.decline_task(db.uow(), Actor.telegram(who.id), task.id, "no")
        with pytest.raises(Forbidden):
            decline.check_decline(db.uow(), Actor.telegram(who.id), task.id)
    assert decline.check_decline(db.uow(), Actor.telegram(sam.id), task.id).id == task.id
    tasks.start_task(db.uow(), Actor.telegram(sam.id), task.id)
    with pytest.raises(IllegalTransition, match="in progress; only a pending"):
        decline.check_decline(db.uow(), Actor.telegram(sam.id), task.id)
    with pytest.raises(IllegalTransition):
        decline.decline_task(db.uow(), Actor.telegram(sam.id), task.id, "no")


def test_two_presses_make_one_decline(db, make_person, clock):
    _admin, sam, _priya, task = _declinable(db, make_person, clock)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def press() -> None:
        barrier.wait()
        try:
            results.append(decline.decline_task(db.uow(), Actor.telegram(sam.id), task.id, "no"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.changed for r in results) == 1
    assert count(db, TaskEvent, TaskEvent.to_status == TaskStatus.DECLINED) == 1
    assert count(db, Notification, Notification.kind == "task_declined") == 1


def test_the_assigner_reassigns_a_declined_task_once(db, make_person, clock):
    admin, sam, priya, task = _declinable(db, make_person, clock, requires_review=True)
    me = Actor.telegram(admin.id)
    with pytest.raises(IllegalTransition, match="only a declined task"):
        decline.reassign_task(db.uow(), me, task.id, priya.id)
    decline.decline_task(db.uow(), Actor.telegram(sam.id), task.id, "not my area")
    people, total = decline.reassign_candidates(db.uow(), me, task.id)
    assert [p.id for p in people] == [priya.id] and total == 1  # Sam has the task already
    with pytest.raises(InvalidInput, match="already has this task"):
        decline.reassign_task(db.uow(), me, task.id, sam.id)
    with pytest.raises(Forbidden):
        decline.reassign_task(db.uow(), Actor.telegram(sam.id), task.id, priya.id)
    outsider = make_person(Role.STUDENT)
    with pytest.raises(Forbidden):  # a teacher reassigns only within their groups
        decline.reassign_task(db.uow(), me, task.id, outsider.id)
    result = decline.reassign_task(db.uow(), me, task.id, priya.id)
    assert result.assignee_name == priya.name and result.declined.reassigned_to_id == priya.id
    with db.uow(readonly=True) as uow:
        new = uow.session.get(Task, result.task_id)
        old = uow.session.get(Task, task.id)
        told = uow.session.scalars(select(Notification).where(Notification.kind == "task_assigned",
                                                              Notification.recipient_id == priya.id)).one()
    assert (new.assignment_id, new.title, new.status, new.requires_review, new.assigner_id, new.due_at) == (
        task.assignment_id, "Fix the tap", TaskStatus.PENDING, True, admin.id, task.due_at)
    assert new.next_reminder_at is not None and old.status == TaskStatus.DECLINED
    assert told.data["task_id"] == new.id
    assert count(db, AuditEntry, AuditEntry.action == "task.reassign") == 1
    with pytest.raises(IllegalTransition, match="already reassigned"):
        decline.reassign_task(db.uow(), me, task.id, outsider.id)
    with pytest.raises(IllegalTransition, match="already reassigned"):
        decline.reassign_candidates(db.uow(), me, task.id)
    assert count(db, Task) == 2


def test_insights_count_a_declined_task_as_its_new_assignees_not_as_undone_work(db, make_person, clock):
    admin, sam, priya, task = _declinable(db, make_person, clock)
    period = (clock.now() - timedelta(days=1), clock.now() + timedelta(days=1))
    assert insights.insights(db.uow(), Actor.telegram(admin.id), *period, "UTC").total.assigned == 1
    decline.decline_task(db.uow(), Actor.telegram(sam.id), task.id, "not my area")
    assert insights.insights(db.uow(), Actor.telegram(admin.id), *period, "UTC").total.assigned == 0
    decline.reassign_task(db.uow(), Actor.telegram(admin.id), task.id, priya.id)
    data = insights.insights(db.uow(), Actor.telegram(admin.id), *period, "UTC")
    assert data.total.assigned == 1 and {p.label for p in data.by_person if p.assigned} == {priya.name}
