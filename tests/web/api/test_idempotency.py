"""Idempotency-Key on the API's POSTs: a retry writes once and gets the first answer again."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import idempotency
from domain.actors import Actor
from domain.groups import services as groups
from domain.models import (
    Assignment,
    AuditEntry,
    IdempotencyKey,
    Notification,
    Role,
    Task,
    TaskEvent,
)
from domain.tasks import services as tasks
from tests.auxil.databases import count
from tests.auxil.web import api_token, client, make_deps


class World:
    """A teacher with a group of three students, and a task for one of them."""

    def __init__(self, db, make_person, clock):
        self.db, self.clock = db, clock
        self.teacher = make_person(Role.TEACHER, "Tess")
        self.students = [make_person(Role.STUDENT, name) for name in ("Sam", "Sue", "Sid")]
        self.group = groups.create_group(db.uow(), Actor.telegram(self.teacher.id), "Maths",
                                         [s.id for s in self.students])
        self.auth = api_token(db, self.teacher.id)
        self.sam_auth = api_token(db, self.students[0].id)
        self.sam_task_assignment = tasks.assign(db.uow(), Actor.telegram(self.teacher.id), tasks.AssignmentSpec(
            title="Read chapter 1", person_ids=[self.students[0].id])).assignment_id
        with db.uow(readonly=True) as uow:
            self.sam_task = uow.session.scalar(select(Task.id).where(
                Task.assignment_id == self.sam_task_assignment))

    def body(self, **overrides):
        return {"title": "Essay", "group_ids": [self.group.id],
                "due_at": (self.clock.now() + timedelta(days=2)).isoformat(), **overrides}

    def rows(self):
        """(assignments, tasks, outbox rows, audit entries) now."""
        return (count(self.db, Assignment), count(self.db, Task), count(self.db, Notification),
                count(self.db, AuditEntry))


@pytest.fixture
def world(db, make_person, clock):
    return World(db, make_person, clock)


def key_headers(world, key, who="auth"):
    return {**getattr(world, who), "idempotency-key": key}


async def test_a_retry_without_a_key_assigns_twice_and_with_a_key_once(db, world):
    """The figure of the issue: duplicate assignments on retry, 2 before (no key), 1 with a key."""
    async with client(make_deps(db)) as http:
        for _ in range(2):
            r = await http.post("/api/assignments", json=world.body(title="No key"), headers=world.auth)
            assert r.status_code == 201
        assert count(db, Assignment, Assignment.title == "No key") == 2
        before = world.rows()
        first = await http.post("/api/assignments", json=world.body(), headers=key_headers(world, "retry-1"))
        after_first = world.rows()
        # the retry: the same body, formatted differently, after a client timeout
        retry = await http.post("/api/assignments", content=json.dumps(world.body(), indent=2, sort_keys=True),
                                headers={**key_headers(world, "retry-1"), "content-type": "application/json"})
    assert first.status_code == retry.status_code == 201, (first.text, retry.text)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert count(db, Assignment, Assignment.title == "Essay") == 1
    assert world.rows() == after_first  # no second task, outbox row or audit entry
    # the first request wrote one assignment, a task and an outbox row per student, one audit entry
    assert [a - b for a, b in zip(after_first, before, strict=True)] == [1, 3, 3, 1]


async def test_the_same_key_for_another_request_is_refused(db, world):
    async with client(make_deps(db)) as http:
        first = await http.post("/api/assignments", json=world.body(), headers=key_headers(world, "k-1"))
        other = await http.post("/api/assignments", json=world.body(title="Another essay"),
                                headers=key_headers(world, "k-1"))
        elsewhere = await http.post(f"/api/tasks/{world.sam_task}/start", headers=key_headers(world, "k-1"))
        # the same key of another person is another key
        sams = await http.post(f"/api/tasks/{world.sam_task}/start", headers=key_headers(world, "k-1", "sam_auth"))
    assert first.status_code == 201
    assert other.status_code == 422 and elsewhere.status_code == 422
    assert other.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was already used for a different request; use a new key for a "
                   "new request."}
    assert sams.status_code == 200 and sams.json()["changed"] is True
    assert count(db, Assignment, Assignment.title == "Essay") == 1
    assert count(db, Assignment, Assignment.title == "Another essay") == 0


@pytest.mark.parametrize("key", ["", "   ", "has space", "x" * 129, "ключ".encode(), "a\tb", "semi;colon"])
async def test_a_malformed_key_is_a_400_and_writes_nothing(db, world, key):
    async with client(make_deps(db)) as http:
        before = world.rows()
        r = await http.post("/api/assignments", json=world.body(), headers=key_headers(world, key))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_idempotency_key"
    assert "Idempotency-Key" in r.json()["error"]["message"]
    assert world.rows() == before


async def test_a_transition_retried_with_its_key_answers_as_the_first_time(db, world):
    async with client(make_deps(db)) as http:
        notes = count(db, Notification)
        first = await http.post(f"/api/tasks/{world.sam_task}/complete", headers=key_headers(world, "done-1", "sam_auth"))
        retry = await http.post(f"/api/tasks/{world.sam_task}/complete", headers=key_headers(world, "done-1", "sam_auth"))
        unkeyed = await http.post(f"/api/tasks/{world.sam_task}/complete", headers=world.sam_auth)
    assert first.status_code == retry.status_code == 200
    assert first.json()["changed"] is True and retry.json() == first.json()
    assert unkeyed.json()["changed"] is False  # without the key: a new request, nothing to do
    assert count(db, TaskEvent, TaskEvent.task_id == world.sam_task) == 1
    assert count(db, Notification) == notes + 2  # to the assignee and to the assigner, once


async def test_a_refused_request_keeps_no_key_and_may_be_retried(db, world, clock):
    async with client(make_deps(db)) as http:
        past = await http.post("/api/assignments", json=world.body(due_at=(clock.now() - timedelta(hours=1)).isoformat()),
                               headers=key_headers(world, "late-1"))
        assert past.status_code == 422
        assert count(db, IdempotencyKey) == 0
        r = await http.post("/api/assignments", json=world.body(), headers=key_headers(world, "late-1"))
    assert r.status_code == 201


async def test_a_request_still_running_with_the_key_is_a_409_until_its_lease_lapses(db, world, clock):
    body = json.dumps(world.body()).encode()
    running = idempotency.Once(world.teacher.id, idempotency.API, "slow-1", idempotency.fingerprint(
        "POST", "/api/assignments", idempotency.canonical_json(body)))
    assert idempotency.claim(db.uow(), running) is None  # a first request that has not finished yet
    async with client(make_deps(db)) as http:
        busy = await http.post("/api/assignments", content=body, headers=key_headers(world, "slow-1"))
        assert busy.status_code == 409
        assert busy.json()["error"]["code"] == "idempotency_key_in_progress"
        clock.advance(idempotency.LEASE + timedelta(seconds=1))  # its process died: the retry takes over
        taken = await http.post("/api/assignments", content=body, headers=key_headers(world, "slow-1"))
    assert taken.status_code == 201
    assert count(db, Assignment, Assignment.title == "Essay") == 1


async def test_concurrent_requests_with_one_key_write_once(db, world):
    async with client(make_deps(db)) as http:
        before = world.rows()
        answers = await asyncio.gather(*(
            http.post("/api/assignments", json=world.body(), headers=key_headers(world, "burst-1"))
            for _ in range(8)))
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {201, 409}, statuses
    created = [r.json() for r in answers if r.status_code == 201]
    assert created and all(c == created[0] for c in created)
    assert [a - b for a, b in zip(world.rows(), before, strict=True)] == [1, 3, 3, 1]


def test_the_openapi_document_offers_the_header_on_every_post(db, world):
    from web.openapi import openapi_document
    from web.routes.api import OPERATIONS

    document = openapi_document(OPERATIONS, "http://taskbell.test")
    posts = [op for path in document["paths"].values() for method, op in path.items() if method == "post"]
    assert len(posts) == 3 + 2 + 6  # tasks; tickets: create, comment and the six transitions
    for op in posts:
        header = [p for p in op["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in header] == ["Idempotency-Key"]
        assert {"400", "409", "422"} <= set(op["responses"])
