"""The Delivery page's domain: what did not arrive and why; Retry puts rows back as new; reachability."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import outbox
from domain.actors import Actor
from domain.errors import Forbidden, IllegalTransition, NotFound
from domain.models import AuditEntry, Notification, NotificationStatus, Person, PersonStatus, Role
from domain.ops import delivery
from domain.outbox import Intent, NotificationKind, enqueue
from domain.people import services as people
from domain.people.reach import Reach, reachability, unreachable_among


def write(db, person, kind=NotificationKind.TASK_ASSIGNED, key=None) -> None:
    with db.uow() as uow:
        enqueue(uow.session, [Intent(kind, person.id, key or f"{kind}:{person.id}", {"x": 1})], uow.now)
        uow.commit()


def claim(db) -> dict[int, outbox.Delivery]:
    return {d.recipient_id: d for d in outbox.claim_due(db.uow())}


def row(db, recipient_id) -> Notification:
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(Notification).where(Notification.recipient_id == recipient_id)).one()


@pytest.fixture
def world(db, make_person):
    """An admin; a student whose send keeps failing; one refused by Telegram; one who blocked the bot;
    a parent who never linked Telegram; a teacher sent a sign-in code that died; one delivered fine."""
    admin = make_person(Role.ADMIN, "Ada Admin")
    failing, refused, blocker = (make_person(Role.STUDENT, n) for n in ("Fay Failing", "Ray Refused", "Bo Blocker"))
    parent = make_person(Role.PARENT, "Nev Never", active=False)
    teacher, fine = make_person(Role.TEACHER, "Tess Teacher"), make_person(Role.STUDENT, "Fin Fine")
    for p in (failing, refused, blocker, parent, fine):
        write(db, p, NotificationKind.ABSENCE if p is parent else NotificationKind.TASK_ASSIGNED)
    write(db, teacher, NotificationKind.LOGIN_CODE)
    got = claim(db)
    outbox.mark_retry(db.uow(), got[failing.id].id, "Timed out", timedelta(minutes=2), 1)
    outbox.mark_dead(db.uow(), got[refused.id].id, "Bad Request: can't parse entities")
    outbox.mark_unreachable(db.uow(), got[blocker.id], "Forbidden: bot was blocked by the user")
    outbox.mark_unreachable(db.uow(), got[parent.id], "recipient has no reachable chat")
    outbox.mark_dead(db.uow(), got[teacher.id].id, "attempts used up", scrub=True)
    outbox.mark_sent(db.uow(), got[fine.id].id, fine.telegram_chat_id, 1)
    return admin, failing, refused, blocker, parent, teacher, fine


def test_the_page_lists_what_did_not_arrive_with_reason_recipient_and_kind(db, world):
    admin, _failing, _refused, _blocker, _parent, _teacher, _fine = world
    data = delivery.overview(db.uow(readonly=True), Actor.web(admin.id, None))
    by_name = {r.recipient_name: r for r in data.rows}
    assert set(by_name) == {"Fay Failing", "Ray Refused", "Bo Blocker", "Nev Never", "Tess Teacher"}
    assert data.counts == {"failed": 1, "dead": 2, "unreachable": 2} and data.total == 5 and data.waiting == 0
    f = by_name["Fay Failing"]
    assert (f.state, f.reason, f.kind_label, f.recipient_role) == ("failed", "Timed out", "new task", "student")
    assert f.next_attempt_at == db.clock.now() + timedelta(minutes=2) and f.retryable
    assert by_name["Ray Refused"].state == "dead" and "can't parse entities" in by_name["Ray Refused"].reason
    b = by_name["Bo Blocker"]
    assert b.state == "unreachable" and b.recipient_reach == Reach.BLOCKED
    assert b.reason.startswith("Blocked the bot (Forbidden")
    n = by_name["Nev Never"]
    assert (n.state, n.reason, n.kind_label, n.recipient_role) == (
        "unreachable", "Never linked Telegram", "absence message", "parent")
    t = by_name["Tess Teacher"]
    assert t.kind_label == "sign-in code" and not t.retryable


def test_only_admins_see_and_retry(db, world):
    teacher = world[5]
    for call in (lambda a: delivery.overview(db.uow(readonly=True), a),
                 lambda a: delivery.retry_all(db.uow(), a),
                 lambda a: delivery.retry(db.uow(), a, row(db, world[1].id).id)):
        with pytest.raises(Forbidden):
            call(Actor.web(teacher.id, None))
    assert row(db, world[1].id).status == NotificationStatus.PENDING and row(db, world[1].id).last_error


def test_retry_resets_the_row_clears_the_block_and_is_audited(db, world, clock):
    admin, _failing, _refused, blocker, _parent, teacher, fine = world
    actor = Actor.web(admin.id, "127.0.0.1")
    clock.advance(minutes=1)
    delivery.retry(db.uow(), actor, row(db, blocker.id).id)
    r = row(db, blocker.id)
    assert (r.status, r.attempts, r.last_error, r.next_attempt_at, r.claimed_by) == (
        NotificationStatus.PENDING, 0, None, clock.now(), None)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Person, blocker.id).telegram_unreachable_at is None
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notification.retry")).one()
    assert entry.actor_id == admin.id and entry.details["was"] == "unreachable" and entry.ip == "127.0.0.1"
    assert set(claim(db)) == {blocker.id}  # due again now (the failing one waits for its own time)
    with pytest.raises(NotFound):  # a delivered row is not retried
        delivery.retry(db.uow(), actor, row(db, fine.id).id)
    with pytest.raises(IllegalTransition):  # a sign-in code's secret is gone
        delivery.retry(db.uow(), actor, row(db, teacher.id).id)


def test_retry_all_takes_every_retryable_row_and_audits_once(db, world, clock):
    admin, failing, refused, blocker, parent, teacher, fine = world
    assert delivery.retry_all(db.uow(), Actor.web(admin.id, None)) == 4
    assert {r: row(db, r.id).status for r in (failing, refused, blocker, parent)} == dict.fromkeys(
        (failing, refused, blocker, parent), NotificationStatus.PENDING)
    assert row(db, teacher.id).status == NotificationStatus.DEAD and row(db, fine.id).status == NotificationStatus.SENT
    data = delivery.overview(db.uow(readonly=True), Actor.web(admin.id, None))
    assert [r.recipient_name for r in data.rows] == ["Tess Teacher"] and data.waiting == 4
    with db.uow(readonly=True) as uow:
        entries = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notification.retry_all")))
    assert len(entries) == 1 and entries[0].details["count"] == 4
    assert set(claim(db)) == {failing.id, refused.id, blocker.id, parent.id}
    assert delivery.retry_all(db.uow(), Actor.web(admin.id, None)) == 0


def test_reachability_names_never_linked_blocked_and_disabled(db, world):
    _admin, failing, _refused, blocker, parent, teacher, fine = world
    people.set_status(db.uow(), Actor.system(), failing.id, PersonStatus.DISABLED)
    with db.uow(readonly=True) as uow:
        got = reachability(uow.session, [failing.id, blocker.id, parent.id, fine.id, fine.id])
    assert got == {failing.id: Reach.DISABLED, blocker.id: Reach.BLOCKED, parent.id: Reach.NEVER_LINKED,
                   fine.id: Reach.REACHABLE}
    found = unreachable_among(db.uow(readonly=True), Actor.web(teacher.id, None), [blocker.id, parent.id, fine.id])
    assert {k: v.reason for k, v in found.items()} == {blocker.id: "blocked the bot",
                                                       parent.id: "never linked Telegram"}
    with pytest.raises(Forbidden):
        unreachable_among(db.uow(readonly=True), Actor.web(fine.id, None), [blocker.id])


def test_a_commit_that_writes_outbox_rows_tells_the_listeners_once(db, make_person):
    person = make_person(Role.STUDENT)
    heard: list[int] = []
    db.outbox_listeners.append(lambda: heard.append(1))
    with db.uow() as uow:  # written, rolled back: nobody is told
        enqueue(uow.session, [Intent(NotificationKind.TASK_ASSIGNED, person.id, "a")], uow.now)
    assert heard == []
    write(db, person, key="b")
    assert heard == [1]
    with db.uow() as uow:  # a commit with no outbox rows
        uow.commit()
    assert heard == [1]
    fenced = db.fenced(lambda _session, _now: None)  # the scheduler's copy: the same listeners
    write(fenced, person, key="c")
    assert heard == [1, 1]
