"""Keyed writes in the domain: one write per key under concurrency, takeover of a dead claim, purge."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from domain import idempotency
from domain.actors import Actor
from domain.idempotency import KeyInProgress, KeyReused, Once, Stored
from domain.models import Assignment, IdempotencyKey, Notification, Role
from domain.tasks import services as tasks
from tests.auxil.databases import count


def answer(result):
    return 201, {"assignment_id": result.assignment_id, "task_count": result.task_count}


@pytest.fixture
def teacher_and_students(make_person):
    return make_person(Role.ADMIN, "Ada"), [make_person(Role.STUDENT, n) for n in ("Sam", "Sue")]


def keyed(person_id, key="k-1", body=b'{"title":"Essay"}'):
    return Once(person_id, idempotency.API, key, idempotency.fingerprint("POST", "/api/assignments", body), answer)


def assign_with(db, admin, students):
    spec = tasks.AssignmentSpec(title="Essay", person_ids=[s.id for s in students])
    return lambda once: tasks.assign(db.uow(), Actor.web(admin.id, None), spec, once)


def test_fingerprints_ignore_formatting_but_not_content():
    def fp(body: bytes, path: str = "/api/assignments") -> str:
        return idempotency.fingerprint("POST", path, idempotency.canonical_json(body))

    assert fp(b'{"a": 1, "b": [1, 2]}') == fp(b'{\n  "b": [1,2],\n  "a": 1\n}')
    assert fp(b'{"a": 1}') != fp(b'{"a": 2}')
    assert fp(b'{"a": 1}') != fp(b'{"a": 1}', "/api/tasks/1/start")
    assert fp(b"not json") != fp(b"not json ")


def test_a_claim_still_running_refuses_a_second_one_until_it_finishes(db, teacher_and_students):
    """Two overlapping requests with one key: the second is refused while the first runs, then replayed."""
    admin, students = teacher_and_students
    use_case = assign_with(db, admin, students)
    inside, go_on = threading.Event(), threading.Event()

    def slow(once):
        inside.set()
        assert go_on.wait(30)
        return use_case(once)

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(idempotency.perform, db, keyed(admin.id), slow)
        assert inside.wait(30)
        with pytest.raises(KeyInProgress):
            idempotency.perform(db, keyed(admin.id), use_case)
        go_on.set()
        result = first.result(30)
    again = idempotency.perform(db, keyed(admin.id), use_case)
    assert again == Stored(201, {"assignment_id": result.assignment_id, "task_count": 2})
    with pytest.raises(KeyReused):
        idempotency.perform(db, keyed(admin.id, body=b'{"title":"Other"}'), use_case)
    assert count(db, Assignment) == 1 and count(db, Notification) == 2


def test_many_threads_with_one_key_write_once(db, teacher_and_students):
    admin, students = teacher_and_students
    use_case = assign_with(db, admin, students)
    start = threading.Barrier(6)

    def attempt(_):
        start.wait(30)
        try:
            return idempotency.perform(db, keyed(admin.id, "burst"), use_case)
        except KeyInProgress:
            return "busy"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    fresh = [o for o in outcomes if isinstance(o, tasks.AssignmentResult)]
    assert len(fresh) == 1, outcomes
    assert all(o == "busy" or isinstance(o, Stored | tasks.AssignmentResult) for o in outcomes)
    assert count(db, Assignment) == 1 and count(db, Notification) == 2


def test_a_dead_claim_is_taken_over_and_its_late_write_rolls_back(db, clock, teacher_and_students):
    admin, students = teacher_and_students
    use_case = assign_with(db, admin, students)
    dead = keyed(admin.id)
    assert idempotency.claim(db.uow(), dead) is None
    clock.advance(idempotency.LEASE + timedelta(seconds=1))
    retry = keyed(admin.id)
    assert idempotency.claim(db.uow(), retry) is None  # taken over
    with pytest.raises(KeyInProgress):  # the first process wakes up: its write cannot be recorded
        use_case(dead)
    assert count(db, Assignment) == 0
    use_case(retry)
    assert count(db, Assignment) == 1 and count(db, Notification) == 2


def test_a_failed_use_case_releases_its_key(db, teacher_and_students):
    admin, _students = teacher_and_students
    nobody = assign_with(db, admin, [])
    with pytest.raises(Exception, match="Choose at least one"):
        idempotency.perform(db, keyed(admin.id), nobody)
    assert count(db, IdempotencyKey) == 0


def test_keys_are_purged_after_a_day(db, clock, teacher_and_students):
    admin, students = teacher_and_students
    idempotency.perform(db, keyed(admin.id, "old"), assign_with(db, admin, students))
    clock.advance(hours=12)
    idempotency.perform(db, keyed(admin.id, "new"), assign_with(db, admin, students))
    clock.advance(idempotency.KEEP - timedelta(hours=11))
    assert idempotency.purge(db.uow()) == 1
    assert count(db, IdempotencyKey) == 1
