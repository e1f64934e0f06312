"""Outbox claims held by delivery workers: a dead worker's rows come back within seconds, a live one's never."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain import outbox, workers
from domain.models import DeliveryWorker, Notification, NotificationStatus, Role
from domain.outbox import Intent, NotificationKind
from domain.workers import WorkerId

A = WorkerId("host-1/ns:101:aaaa", "host-1/ns", 101)
B = WorkerId("host-2/ns:202:bbbb", "host-2/ns", 202)


def running(*pids: int):
    return lambda pid: pid in pids


def queue(db, person, n: int) -> None:
    with db.uow() as uow:
        outbox.enqueue(uow.session, [Intent(NotificationKind.TEACHER_NOTE, person.id, f"note:{i}", {"text": "hi"})
                                     for i in range(n)], uow.now)
        uow.commit()


def claimed_by(db) -> dict[str | None, int]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Notification.claimed_by, Notification.status)).all()
    out: dict[str | None, int] = {}
    for who, status in rows:
        if status == NotificationStatus.SENDING:
            out[who] = out.get(who, 0) + 1
    return out


def test_a_dead_workers_rows_are_due_again_once_its_heartbeat_lapses(db, make_person, clock):
    person = make_person(Role.STUDENT)
    queue(db, person, 5)
    workers.register(db.uow(), A, running(101))
    workers.register(db.uow(), B, running(202))
    assert len(outbox.claim_due(db.uow(), 3, worker_id=A.id)) == 3
    assert claimed_by(db) == {A.id: 3}
    # A goes silent (kill -9). B keeps beating; within the lapse A's rows stay A's.
    clock.advance(seconds=10)
    workers.beat(db.uow(), B)
    assert {d.id for d in outbox.claim_due(db.uow(), 10, worker_id=B.id)} and claimed_by(db) == {A.id: 3, B.id: 2}
    clock.advance(seconds=6)  # 16 s since A's last beat: past the lapse, far short of the 5-minute lease
    workers.beat(db.uow(), B)
    taken = outbox.claim_due(db.uow(), 10, worker_id=B.id)
    assert len(taken) == 3 and all(d.attempts == 2 for d in taken)
    assert claimed_by(db) == {B.id: 5}


def test_a_live_workers_slow_sends_are_never_taken(db, make_person, clock):
    person = make_person(Role.STUDENT)
    queue(db, person, 2)
    workers.register(db.uow(), A, running(101))
    workers.register(db.uow(), B, running(202))
    assert len(outbox.claim_due(db.uow(), 10, worker_id=A.id)) == 2
    for _ in range(20):  # a minute of sending, both beating every 3 s
        clock.advance(seconds=3)
        assert workers.beat(db.uow(), A) and workers.beat(db.uow(), B)
        assert outbox.claim_due(db.uow(), 10, worker_id=B.id) == []
    assert claimed_by(db) == {A.id: 2}
    # Nor does the worker re-take its own rows when its heartbeat looks lapsed: they are in its hands.
    clock.advance(seconds=20)
    assert outbox.claim_due(db.uow(), 10, worker_id=A.id) == []
    assert workers.beat(db.uow(), A) is False  # it learns it looked dead: what it holds may be taken


def test_a_restarted_worker_takes_what_its_dead_predecessor_held_at_once(db, make_person, clock):
    person = make_person(Role.STUDENT)
    queue(db, person, 4)
    old = WorkerId("host-1/ns:101:old", "host-1/ns", 101)
    elsewhere = WorkerId("host-2/ns:303:other", "host-2/ns", 303)
    workers.register(db.uow(), old, running(101))
    workers.register(db.uow(), elsewhere, running(303))
    assert len(outbox.claim_due(db.uow(), 3, worker_id=old.id)) == 3
    assert len(outbox.claim_due(db.uow(), 1, worker_id=elsewhere.id)) == 1
    clock.advance(seconds=1)  # kill -9 of process 101, restart as process 150 on the same host
    new = WorkerId("host-1/ns:150:new", "host-1/ns", 150)
    dead = workers.register(db.uow(), new, running(150))  # 101 is gone; 303 is on another host
    assert dead == [old.id]
    assert len(outbox.claim_due(db.uow(), 10, worker_id=new.id)) == 3
    assert claimed_by(db) == {new.id: 3, elsewhere.id: 1}
    with db.uow(readonly=True) as uow:
        assert uow.session.get(DeliveryWorker, old.id).stopped_at == clock.now()
        assert uow.session.get(DeliveryWorker, elsewhere.id).stopped_at is None


def test_a_restart_in_the_same_process_id_also_frees_the_predecessor(db, make_person, clock):
    """In a container a restarted process often has the same id as the one killed (say 1)."""
    person = make_person(Role.STUDENT)
    queue(db, person, 2)
    old = WorkerId("c1/ns:1:old", "c1/ns", 1)
    workers.register(db.uow(), old, running(1))
    outbox.claim_due(db.uow(), 10, worker_id=old.id)
    new = WorkerId("c1/ns:1:new", "c1/ns", 1)
    assert workers.register(db.uow(), new, running(1)) == [old.id]
    assert len(outbox.claim_due(db.uow(), 10, worker_id=new.id)) == 2


def test_a_clean_stop_frees_the_rows_and_release_leaves_taken_rows_alone(db, make_person, clock):
    person = make_person(Role.STUDENT)
    queue(db, person, 2)
    workers.register(db.uow(), A, running(101))
    workers.register(db.uow(), B, running(202))
    ids = [d.id for d in outbox.claim_due(db.uow(), 10, worker_id=A.id)]
    workers.retire(db.uow(), A)
    assert len(outbox.claim_due(db.uow(), 1, worker_id=B.id)) == 1
    outbox.release(db.uow(), ids, A.id)  # A gives back what it holds: only the row B did not take
    assert claimed_by(db) == {B.id: 1}
    with db.uow(readonly=True) as uow:
        statuses = sorted(s for s in uow.session.scalars(select(Notification.status)))
    assert statuses == [NotificationStatus.PENDING, NotificationStatus.SENDING]


def test_rows_claimed_without_a_worker_fall_back_to_the_lease(db, make_person, clock):
    person = make_person(Role.STUDENT)
    queue(db, person, 1)
    assert len(outbox.claim_due(db.uow(), 10)) == 1
    clock.advance(minutes=4)
    assert outbox.claim_due(db.uow(), 10) == []
    clock.advance(minutes=1, seconds=1)
    assert len(outbox.claim_due(db.uow(), 10)) == 1


def test_workers_gone_a_week_are_forgotten(db, clock):
    workers.register(db.uow(), A, running(101))
    clock.advance(days=8)
    workers.register(db.uow(), B, running(202))
    with db.uow(readonly=True) as uow:
        assert set(uow.session.scalars(select(DeliveryWorker.id))) == {B.id}
    assert timedelta(seconds=10) < workers.HEARTBEAT_LAPSE <= timedelta(seconds=30)
