"""The signed-link dashboard over HTTP (real app, real databases): what it shows, what it refuses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from domain.actors import Actor
from domain.links import LinkSigner
from domain.models import Base, PersonStatus, Priority, Role, Task, TaskEvent, TaskStatus
from domain.services import dashboard, people, tasks
from tests.auxil.web import BASE_URL, KEYS, client, dashboard_path, make_deps
from web.security import csrf_token


def assign(db, admin, person, title, **kw):
    spec = tasks.AssignmentSpec(title=title, person_ids=[person.id], **kw)
    result = tasks.assign(db.uow(), Actor.telegram(admin.id), spec)
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(Task.id).where(Task.assignment_id == result.assignment_id))


def snapshot(db):
    """Row counts of every table and every task's state, to prove a request changed nothing."""
    with db.uow(readonly=True) as uow:
        counts = {t.name: uow.session.scalar(select(func.count()).select_from(t))
                  for t in Base.metadata.sorted_tables}
        rows = uow.session.execute(select(Task.id, Task.status, Task.updated_at).order_by(Task.id)).all()
    return counts, rows


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def task_status(db, task_id):
    with db.uow(readonly=True) as uow:
        return uow.session.get(Task, task_id).status


@pytest.fixture
def world(db, make_person):
    admin = make_person(Role.ADMIN, "Ada Admin")
    me = make_person(Role.STUDENT, "Sam Student")
    other = make_person(Role.STUDENT, "Olga Other")
    return admin, me, other


async def test_shows_only_my_tasks_most_urgent_first_with_summary(db, world, clock):
    admin, me, other = world
    late = assign(db, admin, me, "Late essay", due_at=clock.now() + timedelta(hours=1))
    later = assign(db, admin, me, "Due tomorrow", due_at=clock.now() + timedelta(days=1, hours=2))
    urgent = assign(db, admin, me, "Urgent, no date", priority=Priority.URGENT)
    low = assign(db, admin, me, "Low, no date", priority=Priority.LOW)
    soon = assign(db, admin, me, "Due today", due_at=clock.now() + timedelta(hours=5))
    finished = assign(db, admin, me, "Finished on time", due_at=clock.now() + timedelta(hours=3))
    not_mine = assign(db, admin, other, "Olga's secret task")
    tasks.start_task(db.uow(), Actor.telegram(me.id), finished)
    clock.advance(minutes=90)
    tasks.complete_task(db.uow(), Actor.telegram(me.id), finished)  # 90 min, on time
    clock.advance(hours=1)  # "Late essay" is now overdue

    deps = make_deps(db)
    async with client(deps) as http:
        response = await http.get(dashboard_path(deps, me.id))
    html = response.text
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "Olga" not in html and f"task-{not_mine}" not in html
    order = [int(i) for i in re.findall(r'id="task-(\d+)"', html)]
    assert order == [late, soon, later, urgent, low, finished]
    assert f'class="task overdue" id="task-{late}"' in html
    assert re.search(r'completed-count">1<', html)
    assert "1 h 30 min" in html and "100%" in html
    assert "Europe/London" in html  # the organisation's zone: nobody set their own


def test_summary_and_bounded_queries(db, world, clock):
    admin, me, _other = world

    def count_queries(fn):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            return fn(), len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    first = assign(db, admin, me, "One", due_at=clock.now() + timedelta(hours=1))
    _, few = count_queries(lambda: dashboard.person_dashboard(db.uow(readonly=True), me.id))
    ids = [assign(db, admin, me, f"Task {n}", due_at=clock.now() + timedelta(hours=2)) for n in range(12)]
    for task_id in ids[:4]:
        tasks.start_task(db.uow(), Actor.telegram(me.id), task_id)
    clock.advance(hours=3)  # now late for everything
    for task_id in ids[:6]:
        tasks.complete_task(db.uow(), Actor.telegram(me.id), task_id)
    tasks.complete_task(db.uow(), Actor.telegram(me.id), first)
    board, many = count_queries(lambda: dashboard.person_dashboard(db.uow(readonly=True), me.id))
    assert few == many
    assert board.summary.completed_count == 7
    assert board.summary.average_completion == timedelta(hours=3)  # the 4 started ones
    assert board.summary.on_time_rate == 0.0 and board.summary.with_due_count == 7
    assert len(board.open_tasks) == 6 and board.overdue_count == 6
    assert len(board.recent_finished) == 7


async def test_a_get_changes_nothing(db, world, clock):
    admin, me, _other = world
    assign(db, admin, me, "Read chapter 3", due_at=clock.now() + timedelta(days=1))
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    before = snapshot(db)
    clock.advance(minutes=5)
    async with client(deps) as http:
        for url in (path, f"{path}/state", f"{path}?m=done", "/static/style.css", "/static/dashboard.js"):
            assert (await http.get(url)).status_code == 200
        assert (await http.head(path)).status_code in (200, 405)
        # GET on the action URLs does nothing either
        assert (await http.get(f"{path}/tasks/1/complete")).status_code == 405
    assert snapshot(db) == before


async def test_start_then_complete_records_web_channel_and_ip(db, world, clock):
    admin, me, _other = world
    task_id = assign(db, admin, me, "Read chapter 3", due_at=clock.now() + timedelta(days=1))
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        csrf = csrf_of((await http.get(path)).text)
        started = await http.post(f"{path}/tasks/{task_id}/start", data={"csrf": csrf},
                                  headers={"origin": BASE_URL, "sec-fetch-site": "same-origin"})
        assert started.status_code == 303 and started.headers["location"] == f"{path}?m=started"
        assert task_status(db, task_id) == TaskStatus.IN_PROGRESS
        clock.advance(minutes=20)
        done = await http.post(f"{path}/tasks/{task_id}/complete", data={"csrf": csrf})
        assert done.status_code == 303 and done.headers["location"] == f"{path}?m=done"
        again = await http.post(f"{path}/tasks/{task_id}/complete", data={"csrf": csrf})
        assert again.headers["location"] == f"{path}?m=unchanged"
        page = await http.get(again.headers["location"])
    assert "Nothing changed" in page.text and "20 min" in page.text
    with db.uow(readonly=True) as uow:
        events = uow.session.execute(select(TaskEvent.to_status, TaskEvent.channel, TaskEvent.ip,
                                            TaskEvent.actor_id).order_by(TaskEvent.id)).all()
    assert [(e.to_status, e.channel.value, e.ip, e.actor_id) for e in events] == [
        (TaskStatus.IN_PROGRESS, "web", "127.0.0.1", me.id),
        (TaskStatus.DONE, "web", "127.0.0.1", me.id),
    ]


@pytest.mark.parametrize("form", [{}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": "x"}])
async def test_missing_or_wrong_csrf_is_refused(db, world, form):
    admin, me, _other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    before = snapshot(db)
    async with client(deps) as http:
        response = await http.post(f"{dashboard_path(deps, me.id)}/tasks/{task_id}/complete", data=form)
    assert response.status_code == 403 and "out of date" in response.text
    assert snapshot(db) == before


async def test_csrf_of_another_link_is_refused(db, world):
    admin, me, other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    async with client(deps) as http:
        page = await http.get(dashboard_path(deps, other.id))
        assert 'name="csrf"' not in page.text  # no open tasks, no forms
        other_csrf = csrf_token(KEYS, dashboard_path(deps, other.id).removeprefix("/d/"))
        response = await http.post(f"{dashboard_path(deps, me.id)}/tasks/{task_id}/complete",
                                   data={"csrf": other_csrf})
    assert response.status_code == 403
    assert task_status(db, task_id) == TaskStatus.PENDING


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},
    {"sec-fetch-site": "cross-site"},
    {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
])
async def test_cross_site_posts_are_refused(db, world, headers):
    admin, me, _other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    before = snapshot(db)
    async with client(deps) as http:
        csrf = csrf_of((await http.get(path)).text)
        response = await http.post(f"{path}/tasks/{task_id}/start", data={"csrf": csrf}, headers=headers)
    assert response.status_code == 403 and "another site" in response.text
    assert snapshot(db) == before


@pytest.mark.parametrize("headers", [
    {"origin": BASE_URL},
    {"origin": "null", "sec-fetch-site": "same-origin"},  # what browsers send under strict policies
    {},  # an old browser sends neither; the CSRF token still guards
])
async def test_same_origin_posts_are_accepted(db, world, headers):
    admin, me, _other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        response = await http.post(f"{path}/tasks/{task_id}/start",
                                   data={"csrf": csrf_token(KEYS, path.removeprefix("/d/"))}, headers=headers)
    assert response.status_code == 303
    assert task_status(db, task_id) == TaskStatus.IN_PROGRESS


async def test_tampered_wrong_purpose_and_expired_links(db, world, clock):
    admin, me, _other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    token = path.removeprefix("/d/")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    wrong_purpose = deps.links.sign("attendance", {"p": me.id}, clock.now())
    other_key = LinkSigner(("another-key-0123456789",)).dashboard_token(me.id, clock.now())
    async with client(deps) as http:
        for bad in (tampered, wrong_purpose, other_key, "nonsense", "a.b.c"):
            page = await http.get(f"/d/{bad}")
            assert page.status_code == 403, bad
            assert "This link cannot be used" in page.text and "Traceback" not in page.text
            assert (await http.get(f"/d/{bad}/state")).status_code == 403
        csrf = csrf_of((await http.get(path)).text)
        clock.advance(days=7, seconds=1)
        expired = await http.get(path)
        assert expired.status_code == 410 and "expired" in expired.text
        state = await http.get(f"{path}/state")
        assert state.status_code == 410 and state.json()["error"]["code"] == "invalid_input"
        post = await http.post(f"{path}/tasks/{task_id}/complete", data={"csrf": csrf})
        assert post.status_code == 410
    assert task_status(db, task_id) == TaskStatus.PENDING


async def test_another_persons_task_through_my_link_is_refused(db, world):
    admin, me, other = world
    theirs = assign(db, admin, other, "Olga's task")
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    before = snapshot(db)
    async with client(deps) as http:
        csrf = csrf_token(KEYS, path.removeprefix("/d/"))
        for action in ("start", "complete"):
            response = await http.post(f"{path}/tasks/{theirs}/{action}", data={"csrf": csrf})
            assert response.status_code == 403 and "Only the person" in response.text
        missing = await http.post(f"{path}/tasks/999999/complete", data={"csrf": csrf})
        assert missing.status_code == 404
        garbage = await http.post(f"{path}/tasks/%C2%B2/complete", data={"csrf": csrf})
        assert garbage.status_code == 404
    assert snapshot(db) == before


async def test_cancelled_task_gives_409_page(db, world):
    admin, me, _other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    tasks.cancel_task(db.uow(), Actor.telegram(admin.id), task_id)
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        csrf = csrf_token(KEYS, path.removeprefix("/d/"))
        response = await http.post(f"{path}/tasks/{task_id}/complete", data={"csrf": csrf})
    assert response.status_code == 409 and "cancelled" in response.text
    assert f'href="{path}"' in response.text


async def test_disabled_person_link_is_refused(db, world):
    _admin, me, _other = world
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    people.set_status(db.uow(), Actor.system(), me.id, PersonStatus.DISABLED)
    async with client(deps) as http:
        response = await http.get(path)
    assert response.status_code == 403 and "not active" in response.text


async def test_state_version_moves_when_telegram_changes_a_task(db, world, clock):
    admin, me, other = world
    task_id = assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)

    async def version():
        response = await http.get(f"{path}/state")
        assert response.status_code == 200
        assert response.headers["etag"] == f'"{response.json()["version"]}"'
        return response.json()["version"]

    async with client(deps) as http:
        v1 = await version()
        assert await version() == v1
        assign(db, admin, other, "Not mine")  # someone else's work does not move my marker
        assert await version() == v1
        tasks.start_task(db.uow(), Actor.telegram(me.id), task_id)  # same clock tick, still seen
        v2 = await version()
        assert v2 != v1
        assign(db, admin, me, "Another one")
        v3 = await version()
        assert v3 not in (v1, v2)
        page = await http.get(path)
    assert f'data-version="{v3}"' in page.text


async def test_health_and_unknown_pages(db):
    deps = make_deps(db)
    async with client(deps) as http:
        health = await http.get("/health")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        missing = await http.get("/nowhere")
        assert missing.status_code == 404 and "nothing at this address" in missing.text
        assert (await http.post("/health")).status_code == 405
