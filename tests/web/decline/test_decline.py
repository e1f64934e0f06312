"""Declining on the web (the personal dashboard) and reassigning in the console, over HTTP on both
databases: the reason is required and shown, the assigner reassigns once, others are refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.groups import services as groups
from domain.models import Notification, Role, Task, TaskEvent, TaskStatus
from domain.tasks import decline
from tests.auxil.console import sign_in
from tests.auxil.databases import count, task_status
from tests.auxil.web import BASE_URL, client, dashboard_path, make_deps
from tests.factories import assign_one as assign

SAME_ORIGIN = {"origin": BASE_URL, "sec-fetch-site": "same-origin"}
NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def world(db, make_person, clock):
    tess = make_person(Role.TEACHER, "Tess Teacher")
    sam, priya = make_person(Role.STUDENT, "Sam Student"), make_person(Role.STUDENT, "Priya Pupil")
    groups.create_group(db.uow(), Actor.web(tess.id, None), "Caretakers", [sam.id, priya.id])
    task_id = assign(db, tess, sam, "Fix the tap", due_at=clock.now() + timedelta(days=1))
    return tess, sam, priya, task_id


async def test_the_assignee_declines_on_the_dashboard_with_a_reason(db, world):
    tess, sam, _priya, task_id = world
    deps = make_deps(db)
    path = dashboard_path(deps, sam.id)
    async with client(deps) as http:
        page = (await http.get(path)).text
        assert f'action="{path}/tasks/{task_id}/decline"' in page and "Tess Teacher will read it" in page
        csrf = CSRF.search(page).group(1)
        for reason, told in (("", "Say why you decline"), ("   ", "Say why you decline"),
                             ("x" * 501, "at most 500 characters")):
            refused = await http.post(f"{path}/tasks/{task_id}/decline", data={"csrf": csrf, "reason": reason},
                                      headers=SAME_ORIGIN)
            assert refused.status_code == 422 and told in refused.text
        assert task_status(db, task_id) == TaskStatus.PENDING
        done = await http.post(f"{path}/tasks/{task_id}/decline", data={"csrf": csrf, "reason": "not my area"},
                               headers=SAME_ORIGIN)
        assert done.status_code == 303 and done.headers["location"] == f"{path}?m=declined"
        landed = (await http.get(done.headers["location"])).text
        again = await http.post(f"{path}/tasks/{task_id}/decline", data={"csrf": csrf, "reason": "no"},
                                headers=SAME_ORIGIN)
    assert "Declined. The person who assigned it has been told." in landed
    assert "Declined" in landed and "not my area" in landed
    assert f'action="{path}/tasks/{task_id}/decline"' not in landed  # the form is gone with the open task
    assert again.headers["location"] == f"{path}?m=unchanged"
    assert task_status(db, task_id) == TaskStatus.DECLINED
    with db.uow(readonly=True) as uow:
        event = uow.session.scalars(select(TaskEvent).where(TaskEvent.to_status == TaskStatus.DECLINED)).one()
        told = uow.session.scalars(select(Notification).where(Notification.kind == "task_declined")).one()
    assert (event.channel.value, event.ip, event.note) == ("web", "127.0.0.1", "not my area")
    assert told.recipient_id == tess.id


async def test_the_console_shows_the_reason_and_the_assigner_reassigns_once(db, world, make_person):
    tess, sam, priya, task_id = world
    decline.decline_task(db.uow(), Actor.telegram(sam.id), task_id, "not my area")
    other = make_person(Role.TEACHER, "Otto Other")
    deps = make_deps(db)
    async with client(deps) as http:
        await sign_in(http, db, other)  # not the assigner, not an admin
        assert (await http.get(f"/admin/tasks/{task_id}/reassign")).status_code == 403
    async with client(deps) as http:
        await sign_in(http, db, tess)
        listing = (await http.get("/admin/tasks?status=declined")).text
        assert f'id="task-{task_id}"' in listing and "“not my area”" in listing
        assert f'href="/admin/tasks/{task_id}/reassign"' in listing
        form_page = (await http.get(f"/admin/tasks/{task_id}/reassign")).text
        assert "Sam Student</strong> declined it" in form_page and "not my area" in form_page
        assert f'<option value="{priya.id}">Priya Pupil</option>' in form_page
        assert f'value="{sam.id}"' not in form_page  # Sam has this task already
        tokens = {"csrf": CSRF.search(form_page).group(1), "nonce": NONCE.search(form_page).group(1)}
        empty = await http.post(f"/admin/tasks/{task_id}/reassign", data={**tokens, "person_id": ""})
        assert empty.status_code == 422 and "Choose who should do it instead." in empty.text
        form_page = (await http.get(f"/admin/tasks/{task_id}/reassign")).text
        tokens = {"csrf": CSRF.search(form_page).group(1), "nonce": NONCE.search(form_page).group(1)}
        done = await http.post(f"/admin/tasks/{task_id}/reassign", data={**tokens, "person_id": str(priya.id)})
        assert done.status_code == 303 and "m=reassigned" in done.headers["location"]
        landed = (await http.get(done.headers["location"])).text
        assert "Reassigned: they have the task now." in landed and "· reassigned" in landed
        assert f'href="/admin/tasks/{task_id}/reassign"' not in landed
        gone = await http.get(f"/admin/tasks/{task_id}/reassign")
        assert gone.status_code == 409 and "already reassigned" in gone.text
    with db.uow(readonly=True) as uow:
        new = uow.session.scalars(select(Task).where(Task.assignee_id == priya.id)).one()
    assert new.status == TaskStatus.PENDING and new.title == "Fix the tap"
    assert count(db, Notification, Notification.kind == "task_assigned", Notification.recipient_id == priya.id) == 1
