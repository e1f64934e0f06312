"""Single-use console forms: a double-clicked or resubmitted form writes once and lands on the first
submit's result page."""

from __future__ import annotations

import asyncio
import re

import pytest

from domain.actors import Actor
from domain.groups import services as groups
from domain.models import Assignment, Group, IdempotencyKey, Notification, Person, Role, Task
from domain.tasks import services as tasks
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.databases import count
from tests.auxil.web import client, make_deps

NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')


def tokens_of(html: str) -> dict[str, str]:
    """The CSRF token and the form nonce of a rendered console page."""
    match = NONCE.search(html)
    assert match, "no nonce field on the page"
    return {"csrf": csrf_in(html), "nonce": match.group(1)}


class World:
    def __init__(self, db, make_person):
        self.admin = make_person(Role.ADMIN, "Ada Admin")
        self.sam = make_person(Role.STUDENT, "Sam Student")
        self.sue = make_person(Role.STUDENT, "Sue Student")
        self.maths = groups.create_group(db.uow(), Actor.web(self.admin.id, None), "Maths",
                                         [self.sam.id, self.sue.id])


@pytest.fixture
def world(db, make_person):
    return World(db, make_person)


def new_task(world, tokens, title="Essay"):
    return {**tokens, "title": title, "description": "", "due": "", "priority": "normal",
            "group_id": str(world.maths.id)}


async def test_a_resubmitted_new_task_form_assigns_once(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/tasks/new")).text)
        notes = count(db, Notification)
        first = await http.post("/admin/tasks/new", data=new_task(world, form))
        again = await http.post("/admin/tasks/new", data=new_task(world, form))  # back and submit again
        landed = await http.get(again.headers["location"])
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert "m=assigned" in first.headers["location"] and "Assigned." in landed.text
    assert count(db, Assignment, Assignment.title == "Essay") == 1
    assert count(db, Task, Task.title == "Essay") == 2 and count(db, Notification) == notes + 2


async def test_a_double_click_on_the_new_task_form_assigns_once(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/tasks/new")).text)
        clicks = await asyncio.gather(*(http.post("/admin/tasks/new", data=new_task(world, form))
                                        for _ in range(4)))
    assert [r.status_code for r in clicks] == [303] * 4
    assert len({r.headers["location"] for r in clicks}) == 1
    assert count(db, Assignment, Assignment.title == "Essay") == 1


async def test_without_the_nonce_each_submit_writes(db, world):
    """What a resubmission did before nonces (a form from an old page still works, unguarded)."""
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/tasks/new")).text)
        for _ in range(2):
            r = await http.post("/admin/tasks/new", data=new_task(world, {"csrf": form["csrf"]}))
            assert r.status_code == 303
    assert count(db, Assignment, Assignment.title == "Essay") == 2


async def test_a_refused_submit_may_be_corrected_and_sent_again(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/tasks/new")).text)
        empty = await http.post("/admin/tasks/new", data=new_task(world, form, title=""))
        assert empty.status_code == 422 and count(db, IdempotencyKey) == 0
        fixed = await http.post("/admin/tasks/new", data=new_task(world, form))
    assert fixed.status_code == 303
    assert count(db, Assignment, Assignment.title == "Essay") == 1


async def test_the_forms_of_one_page_share_its_nonce_and_each_works_once(db, world, clock):
    one = tasks.assign(db.uow(), Actor.web(world.admin.id, None), tasks.AssignmentSpec(
        title="One", person_ids=[world.sam.id]))
    two = tasks.assign(db.uow(), Actor.web(world.admin.id, None), tasks.AssignmentSpec(
        title="Two", person_ids=[world.sue.id]))
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = (await http.get("/admin/tasks")).text
        form = tokens_of(page)
        assert len(set(NONCE.findall(page))) == 1  # one nonce per rendered page
        for assignment in (one, two, one):
            r = await http.post(f"/admin/assignments/{assignment.assignment_id}/cancel", data=form)
            assert r.status_code == 303
        assert count(db, Notification, Notification.kind == "task_changed") == 2
        other = tokens_of((await http.get("/admin/tasks/new")).text)
    assert other["nonce"] != form["nonce"]


async def test_a_resubmitted_invite_adds_the_person_once(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/people")).text)
        data = {**form, "name": "Ivy Invited", "phone": "+447700900555", "role": "student", "timezone": ""}
        answers = [await http.post("/admin/people/invite", data=data) for _ in range(2)]
    assert [r.status_code for r in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert count(db, Person, Person.name == "Ivy Invited") == 1


async def test_a_resubmitted_group_form_creates_one_group(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/groups")).text)
        preview = await http.post("/admin/groups/new", data={**form, "step": "preview", "name": "Art",
                                                              "entries": "Sam Student"})
        assert preview.status_code == 200
        again = await http.post("/admin/groups/new", data={**form, "step": "preview", "name": "Art",
                                                            "entries": "Sam Student"})
        assert again.status_code == 200  # a preview wrote nothing: it may be sent again
        create = {**tokens_of(preview.text), "step": "create", "name": "Art", "person_id": str(world.sam.id)}
        answers = await asyncio.gather(*(http.post("/admin/groups/new", data=create) for _ in range(2)))
    assert [r.status_code for r in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert count(db, Group, Group.name == "Art") == 1


@pytest.mark.parametrize("nonce", ["", "x" * 32, "0" * 31, "0" * 33, "../../etc"])
async def test_a_malformed_nonce_is_refused_and_writes_nothing(db, world, nonce):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        form = tokens_of((await http.get("/admin/tasks/new")).text)
        r = await http.post("/admin/tasks/new", data=new_task(world, {**form, "nonce": nonce}))
    assert r.status_code == 400 and "out of date" in r.text
    assert count(db, Assignment, Assignment.title == "Essay") == 0
