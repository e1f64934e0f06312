"""The signed-link dashboard over HTTP (real app, real databases): what it shows, what it refuses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.links import LinkSigner
from domain.models import (
    Assignment,
    Base,
    PersonStatus,
    Priority,
    Role,
    Task,
    TaskEvent,
    TaskStatus,
)
from domain.people import services as people
from domain.tasks import dashboard
from domain.tasks import services as tasks
from tests.auxil.databases import task_status
from tests.auxil.web import BASE_URL, KEYS, client, dashboard_path, make_deps
from tests.factories import assign_one as assign
from web.security import csrf_token


def snapshot(db):
    """Row counts of every table and every task's state, to prove a request changed nothing."""
    with db.uow(readonly=True) as uow:
        counts = {t.name: uow.session.scalar(select(func.count()).select_from(t))
                  for t in Base.metadata.sorted_tables}
        rows = uow.session.execute(select(Task.id, Task.status, Task.updated_at).order_by(Task.id)).all()
    return counts, rows


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


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


# --- many tasks: paging, ordering across the page boundary, bounded statements ------------------

PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


def bulk_tasks(db, admin, person, specs):
    """Many tasks at once with Core inserts (no outbox, no audit): each spec holds Task columns."""
    with db.uow() as uow:
        now = uow.now
        assignment_ids = uow.session.scalars(
            insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
            [{"title": s["title"], "assigner_id": admin.id, "targets": {"person_ids": [person.id]},
              "created_at": now, "due_at": s.get("due_at"), "priority": s.get("priority", Priority.NORMAL)}
             for s in specs]).all()
        task_ids = uow.session.scalars(
            insert(Task).returning(Task.id, sort_by_parameter_order=True),
            [{"assignment_id": a, "assignee_id": person.id, "assigner_id": admin.id,
              "status": TaskStatus.PENDING, "created_at": now, "updated_at": now, **s}
             for a, s in zip(assignment_ids, specs, strict=True)]).all()
        uow.commit()
    return task_ids


def mixed_specs(now, n, *, finished_every=0):
    """n tasks: overdue, due later (with ties on the due time) and undated, all four priorities."""
    specs = []
    for i in range(n):
        spec = {"title": f"Task {i}", "priority": PRIORITIES[i % 4],
                "due_at": now + timedelta(hours=(i % 9) - 3) if i % 5 else None}
        if finished_every and i % finished_every == 0:
            spec.update(status=TaskStatus.DONE, completed_at=now - timedelta(minutes=30 + i % 3),
                        started_at=now - timedelta(hours=2) if i % 2 else None)
        specs.append(spec)
    return specs


def expected_open_order(now, ids, specs):
    """Overdue first, then by due time (undated last), then priority, then id."""
    def key(pair):
        task_id, s = pair
        due = s["due_at"]
        return (0 if due is not None and due < now else 1, due is None, due or now, RANK[s["priority"]],
                task_id)
    return [task_id for task_id, s in sorted(zip(ids, specs, strict=True), key=key)
            if s.get("status", TaskStatus.PENDING) == TaskStatus.PENDING]


def open_ids(html):
    """The task ids in the To do list, in page order."""
    todo = html.split("<h2>Recently finished</h2>")[0]
    return [int(i) for i in re.findall(r'id="task-(\d+)"', todo)]


def count_statements(db, fn):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return fn(), len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


async def test_open_tasks_are_paged_with_a_bounded_show_more(db, world, clock):
    admin, me, _other = world
    now = clock.now()
    specs = mixed_specs(now, 60)
    ids = bulk_tasks(db, admin, me, specs)
    order = expected_open_order(now, ids, specs)
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        first = (await http.get(path)).text
        assert open_ids(first) == order[:dashboard.OPEN_PAGE]
        assert re.search(r'<span class="num">60</span><span class="label">open</span>', first)
        overdue = sum(1 for s in specs if s["due_at"] is not None and s["due_at"] < now)
        assert re.search(rf'<span class="num">{overdue}</span><span class="label">overdue</span>', first)
        assert "35 more open tasks not shown." in first
        assert f'href="{path}?open=50#task-{order[24]}">Show more</a>' in first
        assert f'data-page-url="{path}"' in first

        second = (await http.get(f"{path}?open=50")).text
        assert open_ids(second) == order[:50]  # the same first 25, then the next 25 in order
        assert "10 more open tasks not shown." in second
        assert f'href="{path}?open=100#task-{order[49]}">Show more</a>' in second
        assert f'data-page-url="{path}?open=50"' in second
        assert f'action="{path}/tasks/{order[0]}/complete?open=50"' in second

        everything = (await http.get(f"{path}?open=100")).text
        assert open_ids(everything) == order
        assert "more open task" not in everything and "Show more" not in everything


@pytest.mark.parametrize("raw", ["", "abc", "-50", "0", "24", "201", "1000", "99999999999", "50.0", "5e1",
                                 " 50", "５０", "0x32"])
async def test_a_bad_open_value_gives_the_default_page(db, world, clock, raw):
    admin, me, _other = world
    specs = mixed_specs(clock.now(), 30)
    bulk_tasks(db, admin, me, specs)
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        response = await http.get(f"{path}?open={raw}")
    assert response.status_code == 200
    assert len(open_ids(response.text)) == dashboard.OPEN_PAGE
    assert "5 more open tasks not shown." in response.text
    assert f'data-page-url="{path}"' in response.text


async def test_a_nul_in_the_query_string_is_refused_with_a_reason(db, world):
    """A NUL byte (which PostgreSQL cannot store) is refused before the page reads any field (web.input_guard)."""
    _admin, me, _other = world
    deps = make_deps(db)
    async with client(deps) as http:
        response = await http.get(f"{dashboard_path(deps, me.id)}?open=%00")
    assert response.status_code == 400
    assert "The field &#39;open&#39; contains a NUL byte" in response.text


async def test_show_more_stops_at_the_bound(db, world, clock):
    admin, me, _other = world
    bulk_tasks(db, admin, me, mixed_specs(clock.now(), dashboard.OPEN_MAX + 7))
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        page = (await http.get(f"{path}?open=100")).text
        assert len(open_ids(page)) == 100 and f'href="{path}?open=200#' in page
        page = (await http.get(f"{path}?open={dashboard.OPEN_MAX}")).text
        assert len(open_ids(page)) == dashboard.OPEN_MAX
        assert "7 more open tasks not shown." in page and "Show more" not in page
        beyond = await http.get(f"{path}?open={dashboard.OPEN_MAX * 2}")
    assert beyond.status_code == 200 and len(open_ids(beyond.text)) == dashboard.OPEN_PAGE
    with pytest.raises(InvalidInput):
        dashboard.person_dashboard(db.uow(readonly=True), me.id, open_limit=dashboard.OPEN_MAX + 1)


async def test_a_posted_change_returns_to_the_longer_list(db, world, clock):
    admin, me, _other = world
    ids = bulk_tasks(db, admin, me, [{"title": f"Task {i}"} for i in range(30)])
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        csrf = csrf_of((await http.get(f"{path}?open=50")).text)
        done = await http.post(f"{path}/tasks/{ids[27]}/complete?open=50", data={"csrf": csrf})
        assert done.status_code == 303 and done.headers["location"] == f"{path}?m=done&open=50"
        odd = await http.post(f"{path}/tasks/{ids[28]}/start?open=nonsense", data={"csrf": csrf})
        assert odd.status_code == 303 and odd.headers["location"] == f"{path}?m=started"
        page = (await http.get(done.headers["location"])).text
        refused = await http.post(f"{path}/tasks/{ids[29]}/start?open=50", data={"csrf": "0" * 64})
    assert "Done. Well done!" in page and len(open_ids(page)) == 29
    assert refused.status_code == 403
    assert task_status(db, ids[27]) == TaskStatus.DONE and task_status(db, ids[29]) == TaskStatus.PENDING


async def test_2000_tasks_cost_the_same_statements_as_20(db, world, make_person, clock):
    admin, me, _other = world
    few_person = make_person(Role.STUDENT, "Fay Few")
    now = clock.now()
    bulk_tasks(db, admin, few_person, mixed_specs(now, 20, finished_every=3))
    specs = mixed_specs(now, 2000, finished_every=3)
    ids = bulk_tasks(db, admin, me, specs)
    deps = make_deps(db)

    async def fetch(person_id, suffix=""):
        """The page and the state marker, with the statements each cost."""
        path = dashboard_path(deps, person_id)
        async with client(deps) as http:
            (page, n_page) = await acount(http.get(path + suffix))
            (state, n_state) = await acount(http.get(f"{path}/state"))
        assert page.status_code == 200 and state.status_code == 200
        assert f'data-version="{state.json()["version"]}"' in page.text
        return page, n_page, n_state

    async def acount(awaitable):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            return await awaitable, len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    _small_page, small, small_state = await fetch(few_person.id)
    big_page, big, big_state = await fetch(me.id)
    longer_page, longer, longer_state = await fetch(me.id, "?open=200")
    assert small == big == longer and small_state == big_state == longer_state < small
    order = expected_open_order(now, ids, specs)
    assert open_ids(big_page.text) == order[:dashboard.OPEN_PAGE]
    assert open_ids(longer_page.text) == order[:dashboard.OPEN_MAX]
    assert f"{len(order) - dashboard.OPEN_PAGE} more open tasks not shown." in big_page.text
    assert len(big_page.text) < len(longer_page.text) / 4

    (board, n_board) = count_statements(db, lambda: dashboard.person_dashboard(db.uow(readonly=True), me.id))
    (_few_board, n_few) = count_statements(
        db, lambda: dashboard.person_dashboard(db.uow(readonly=True), few_person.id))
    (_v, n_version) = count_statements(db, lambda: dashboard.dashboard_version(db.uow(readonly=True), me.id))
    assert n_board == n_few and n_version < n_board
    finished = [s for s in specs if s.get("status") == TaskStatus.DONE]
    started = [s for s in finished if s["started_at"] is not None]
    with_due = [s for s in finished if s["due_at"] is not None]
    assert board.open_count == len(order) and len(board.open_tasks) == dashboard.OPEN_PAGE
    assert board.overdue_count == sum(1 for s in specs if s.get("status") is None
                                      and s["due_at"] is not None and s["due_at"] < now)
    assert [t.id for t in board.open_tasks] == order[:dashboard.OPEN_PAGE]
    assert all(t.is_overdue(now) == (t.due_at is not None and t.due_at < now) for t in board.open_tasks)
    assert board.summary.completed_count == len(finished)
    assert board.summary.with_due_count == len(with_due)
    assert board.summary.on_time_count == sum(1 for s in with_due if s["completed_at"] <= s["due_at"])
    mean = sum(((s["completed_at"] - s["started_at"]) for s in started), timedelta()) / len(started)
    assert abs(board.summary.average_completion - mean) < timedelta(seconds=1)
    assert len(board.recent_finished) == dashboard.RECENT_LIMIT
