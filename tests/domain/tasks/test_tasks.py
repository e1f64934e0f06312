"""Assignment fan-out and task transitions, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.errors import Forbidden, IllegalTransition, InvalidInput
from domain.groups import services as groups
from domain.models import (
    AuditEntry,
    Notification,
    Person,
    PersonStatus,
    Role,
    Task,
    TaskEvent,
    TaskStatus,
)
from domain.people import services as people
from domain.tasks import services as tasks
from tests.auxil.databases import count


def spec(**kw):
    kw.setdefault("title", "Read chapter 3")
    return tasks.AssignmentSpec(**kw)


def test_fan_out_one_task_per_distinct_active_person(db, make_person, clock):
    admin = make_person(Role.ADMIN)
    a, b, c, d = (make_person(Role.STUDENT) for _ in range(4))
    invited = make_person(Role.STUDENT, active=False)
    g1 = groups.create_group(db.uow(), Actor.system(), "G1", [a.id, b.id, invited.id])
    g2 = groups.create_group(db.uow(), Actor.system(), "G2", [b.id, c.id])
    result = tasks.assign(db.uow(), Actor.telegram(admin.id), spec(
        group_ids=[g1.id, g2.id], person_ids=[c.id, d.id, invited.id],
        due_at=clock.now() + timedelta(days=1)))
    assert result.task_count == 4
    assert result.skipped_person_ids == [invited.id]
    with db.uow(readonly=True) as uow:
        assignees = sorted(uow.session.scalars(select(Task.assignee_id)))
        notes = list(uow.session.scalars(select(Notification)))
    assert assignees == sorted([a.id, b.id, c.id, d.id])
    assert sorted(n.recipient_id for n in notes) == assignees
    assert {n.kind for n in notes} == {"task_assigned"}
    assert count(db, AuditEntry, AuditEntry.action == "assignment.create") == 1


def test_assignment_validation_messages(db, make_person, clock):
    admin = make_person(Role.ADMIN)
    s = make_person(Role.STUDENT)
    me = Actor.telegram(admin.id)
    with pytest.raises(InvalidInput, match="title"):
        tasks.assign(db.uow(), me, spec(title="  ", person_ids=[s.id]))
    with pytest.raises(InvalidInput, match="at least one"):
        tasks.assign(db.uow(), me, spec())
    with pytest.raises(InvalidInput, match="past"):
        tasks.assign(db.uow(), me, spec(person_ids=[s.id], due_at=clock.now() - timedelta(minutes=1)))
    assert count(db, Task) == 0 and count(db, Notification) == 0


def test_teachers_assign_only_within_their_groups(db, make_person):
    teacher, other = make_person(Role.TEACHER), make_person(Role.TEACHER)
    mine, theirs = make_person(Role.STUDENT), make_person(Role.STUDENT)
    g_mine = groups.create_group(db.uow(), Actor.telegram(teacher.id), "Mine", [mine.id])
    g_theirs = groups.create_group(db.uow(), Actor.telegram(other.id), "Theirs", [theirs.id])
    me = Actor.telegram(teacher.id)
    assert tasks.assign(db.uow(), me, spec(group_ids=[g_mine.id])).task_count == 1
    assert tasks.assign(db.uow(), me, spec(person_ids=[mine.id])).task_count == 1
    with pytest.raises(Forbidden):
        tasks.assign(db.uow(), me, spec(group_ids=[g_theirs.id]))
    with pytest.raises(Forbidden):
        tasks.assign(db.uow(), me, spec(person_ids=[theirs.id]))
    student = Actor.telegram(mine.id)
    with pytest.raises(Forbidden):
        tasks.assign(db.uow(), student, spec(person_ids=[theirs.id]))
    assert count(db, Task) == 2


def _one_task(db, make_person, review=False):
    admin = make_person(Role.ADMIN)
    s = make_person(Role.STUDENT)
    tasks.assign(db.uow(), Actor.telegram(admin.id), spec(person_ids=[s.id], requires_review=review))
    with db.uow(readonly=True) as uow:
        task = uow.session.scalars(select(Task)).one()
    return admin, s, task


def test_start_complete_records_who_when_and_channel(db, make_person, clock):
    admin, s, task = _one_task(db, make_person)
    clock.advance(minutes=5)
    r = tasks.start_task(db.uow(), Actor.web(s.id, "203.0.113.9"), task.id)
    assert r.changed and r.task.status == TaskStatus.IN_PROGRESS and r.task.started_at == clock.now()
    clock.advance(minutes=30)
    r = tasks.complete_task(db.uow(), Actor.telegram(s.id), task.id)
    assert r.changed and r.task.status == TaskStatus.DONE and r.task.completed_at == clock.now()
    with db.uow(readonly=True) as uow:
        events = list(uow.session.scalars(select(TaskEvent).order_by(TaskEvent.id)))
        completed = uow.session.scalars(select(Notification).where(Notification.kind == "task_completed")).one()
    assert [(e.to_status, e.channel.value, e.ip) for e in events] == [
        (TaskStatus.IN_PROGRESS, "web", "203.0.113.9"), (TaskStatus.DONE, "telegram", None)]
    assert completed.recipient_id == admin.id
    again = tasks.complete_task(db.uow(), Actor.telegram(s.id), task.id)
    assert not again.changed and again.message == "Already done."
    assert count(db, TaskEvent) == 2


def test_forbidden_transitions_and_actors(db, make_person):
    admin, s, task = _one_task(db, make_person)
    stranger = make_person(Role.STUDENT)
    with pytest.raises(Forbidden):
        tasks.start_task(db.uow(), Actor.telegram(stranger.id), task.id)
    with pytest.raises(Forbidden):
        tasks.complete_task(db.uow(), Actor.telegram(admin.id), task.id)
    with pytest.raises(Forbidden):
        tasks.cancel_task(db.uow(), Actor.telegram(s.id), task.id)
    assert tasks.cancel_task(db.uow(), Actor.telegram(admin.id), task.id).changed
    with pytest.raises(IllegalTransition, match="cancelled"):
        tasks.complete_task(db.uow(), Actor.telegram(s.id), task.id)
    with pytest.raises(IllegalTransition, match="cancelled"):
        tasks.start_task(db.uow(), Actor.telegram(s.id), task.id)


def test_start_on_done_task_is_refused(db, make_person):
    _admin, s, task = _one_task(db, make_person)
    tasks.complete_task(db.uow(), Actor.telegram(s.id), task.id)
    with pytest.raises(IllegalTransition, match="done"):
        tasks.start_task(db.uow(), Actor.telegram(s.id), task.id)


def test_disabled_people_can_do_nothing(db, make_person):
    admin, s, task = _one_task(db, make_person)
    people.set_status(db.uow(), Actor.telegram(admin.id), s.id, PersonStatus.DISABLED)
    with pytest.raises(Forbidden, match="not active"):
        tasks.complete_task(db.uow(), Actor.telegram(s.id), task.id)


def test_review_approve_and_reopen_with_reason(db, make_person):
    admin, s, task = _one_task(db, make_person, review=True)
    me, boss = Actor.telegram(s.id), Actor.telegram(admin.id)
    assert tasks.complete_task(db.uow(), me, task.id).message.startswith("Done, waiting")
    with pytest.raises(InvalidInput, match="why"):
        tasks.reopen_task(db.uow(), boss, task.id, " ")
    r = tasks.reopen_task(db.uow(), boss, task.id, "Show your working")
    assert r.task.status == TaskStatus.IN_PROGRESS and r.task.reopen_count == 1
    with db.uow(readonly=True) as uow:
        note = uow.session.scalars(select(Notification).where(Notification.kind == "task_reopened")).one()
    assert note.recipient_id == s.id and note.data["reason"] == "Show your working"
    tasks.complete_task(db.uow(), me, task.id)
    assert tasks.approve_task(db.uow(), boss, task.id).task.status == TaskStatus.RESOLVED
    assert not tasks.approve_task(db.uow(), boss, task.id).changed
    with pytest.raises(Forbidden):
        tasks.approve_task(db.uow(), me, task.id)


def test_concurrent_completion_makes_exactly_one_transition(db, make_person):
    _admin, s, task = _one_task(db, make_person)
    results, errors = [], []
    barrier = threading.Barrier(6)

    def complete() -> None:
        barrier.wait()
        try:
            results.append(tasks.complete_task(db.uow(), Actor.telegram(s.id), task.id))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.changed for r in results) == 1
    assert {r.message for r in results if not r.changed} == {"Already done."}
    assert count(db, TaskEvent, TaskEvent.to_status == TaskStatus.DONE) == 1
    assert count(db, Notification, Notification.kind == "task_completed") == 1


def test_cancel_assignment_spares_finished_tasks(db, make_person):
    admin = make_person(Role.ADMIN)
    a, b, c = (make_person(Role.STUDENT) for _ in range(3))
    res = tasks.assign(db.uow(), Actor.telegram(admin.id), spec(person_ids=[a.id, b.id, c.id]))
    with db.uow(readonly=True) as uow:
        by_person = {t.assignee_id: t for t in uow.session.scalars(select(Task))}
    tasks.complete_task(db.uow(), Actor.telegram(a.id), by_person[a.id].id)
    assert tasks.cancel_assignment(db.uow(), Actor.telegram(admin.id), res.assignment_id) == 2
    assert count(db, Task, Task.status == TaskStatus.CANCELLED) == 2
    assert count(db, Task, Task.status == TaskStatus.DONE) == 1


def test_rolled_back_change_leaves_no_audit_and_no_notification(db, make_person):
    admin = make_person(Role.ADMIN)
    s = make_person(Role.STUDENT)
    before = (count(db, AuditEntry), count(db, Notification))
    # The recipient is disabled between the read of recipients and the insert: simulate a
    # failure inside the transaction by a duplicate dedupe key raised from a real constraint.
    uow = db.uow()
    with pytest.raises(RuntimeError), uow:
        from domain import audit
        from domain.outbox import Intent, enqueue

        audit.record(uow.session, Actor.telegram(admin.id), "x", "task", 1, uow.now)
        enqueue(uow.session, [Intent("k", s.id, "k:1")], uow.now)
        uow.session.flush()
        raise RuntimeError("boom before commit")
    assert (count(db, AuditEntry), count(db, Notification)) == before


def test_failed_assignment_writes_nothing(db, make_person):
    admin = make_person(Role.ADMIN)
    invited = make_person(Role.STUDENT, active=False)
    before = (count(db, AuditEntry), count(db, Notification))
    with pytest.raises(InvalidInput, match="active"):
        tasks.assign(db.uow(), Actor.telegram(admin.id), spec(person_ids=[invited.id]))
    assert (count(db, AuditEntry), count(db, Notification), count(db, Task)) == (*before, 0)


def test_large_fan_out_is_a_few_statements(db, make_person):
    """10,000 people must not mean 10,000 round trips: count the statements issued."""
    from sqlalchemy import event, insert

    from domain.models import GroupMember
    admin = make_person(Role.ADMIN)
    n = 2500
    with db.uow() as uow:
        uow.session.execute(insert(Person), [
            {"name": f"P{i}", "phone": f"+4477091{i:05d}", "role": Role.STUDENT,
             "status": PersonStatus.ACTIVE, "created_at": uow.now, "updated_at": uow.now}
            for i in range(n)])
        ids = list(uow.session.scalars(select(Person.id).where(Person.name.like("P%"))))
        uow.commit()
    g = groups.create_group(db.uow(), Actor.system(), "Everyone")
    with db.uow() as uow:
        uow.session.execute(insert(GroupMember), [
            {"group_id": g.id, "person_id": i, "added_at": uow.now} for i in ids])
        uow.commit()
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = tasks.assign(db.uow(), Actor.telegram(admin.id), spec(group_ids=[g.id]))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert result.task_count == n
    assert count(db, Notification) == n
    assert len(statements) < 40, len(statements)


def test_changing_the_due_time_edits_open_tasks_only(db, make_person, clock):
    from datetime import timedelta

    admin = make_person(Role.ADMIN)
    a, b = make_person(Role.STUDENT), make_person(Role.STUDENT)
    other_teacher = make_person(Role.TEACHER)
    res = tasks.assign(db.uow(), Actor.telegram(admin.id), spec(person_ids=[a.id, b.id],
                                                                 due_at=clock.now() + timedelta(days=1)))
    with db.uow(readonly=True) as uow:
        by_person = {t.assignee_id: t for t in uow.session.scalars(select(Task))}
    tasks.complete_task(db.uow(), Actor.telegram(a.id), by_person[a.id].id)
    new_due = clock.now() + timedelta(days=3)
    with pytest.raises(Forbidden):
        tasks.change_due(db.uow(), Actor.telegram(other_teacher.id), res.assignment_id, new_due)
    with pytest.raises(InvalidInput, match="future"):
        tasks.change_due(db.uow(), Actor.telegram(admin.id), res.assignment_id, clock.now())
    assert tasks.change_due(db.uow(), Actor.telegram(admin.id), res.assignment_id, new_due) == 1
    with db.uow(readonly=True) as uow:
        dues = {t.assignee_id: t.due_at for t in uow.session.scalars(select(Task))}
        changed = list(uow.session.scalars(select(Notification).where(
            Notification.kind == "task_changed", Notification.dedupe_key.like("task_changed:due:%"))))
    assert dues[b.id] == new_due and dues[a.id] != new_due
    assert [n.recipient_id for n in changed] == [b.id]


def test_teachers_cannot_widen_their_reach_through_group_membership(db, make_person):
    teacher, admin = make_person(Role.TEACHER), make_person(Role.ADMIN)
    student, other_teacher = make_person(Role.STUDENT), make_person(Role.TEACHER)
    me = Actor.telegram(teacher.id)
    with pytest.raises(Forbidden, match="only students and members"):
        groups.create_group(db.uow(), me, "Sneaky", [student.id, admin.id])
    g = groups.create_group(db.uow(), me, "Mine", [student.id])
    with pytest.raises(Forbidden):
        groups.add_members(db.uow(), me, g.id, [other_teacher.id])
    with pytest.raises(Forbidden):
        tasks.assign(db.uow(), me, spec(person_ids=[admin.id]))
    assert groups.add_members(db.uow(), Actor.system(), g.id, [admin.id]) == 1  # an admin decision
