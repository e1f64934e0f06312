"""The admin console: who may open what (over HTTP), the domain reads behind it, CSV in and out."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.attendance import batch_queries
from domain.errors import Forbidden
from domain.groups import queries as group_queries
from domain.groups import services as groups
from domain.models import (
    Assignment,
    AuditEntry,
    Batch,
    BatchTeacher,
    Person,
    PersonStatus,
    Role,
    TaskStatus,
)
from domain.ops import audit_log, insights
from domain.people import csv_import, matching
from domain.people import queries as people_queries
from domain.tasks import queries as task_queries
from domain.tasks import services as tasks
from domain.tokens import Signer
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.databases import count
from tests.auxil.web import KEYS, client, make_deps


class World:
    def __init__(self, db, make_person, clock):
        self.db, self.clock = db, clock
        self.admin = make_person(Role.ADMIN, "Ada Admin")
        self.teacher = make_person(Role.TEACHER, "Tess Teacher")
        self.other = make_person(Role.TEACHER, "Theo Teacher")
        self.sam = make_person(Role.STUDENT, "Sam Student")
        self.sue = make_person(Role.STUDENT, "Sue Student")
        self.max = make_person(Role.MEMBER, "Max Member")
        self.maths = groups.create_group(db.uow(), Actor.web(self.teacher.id, None), "Maths",
                                         [self.sam.id, self.sue.id])
        self.art = groups.create_group(db.uow(), Actor.web(self.other.id, None), "Art", [self.max.id])
        now = clock.now()
        self.homework = tasks.assign(db.uow(), Actor.web(self.teacher.id, None), tasks.AssignmentSpec(
            title="Maths homework", group_ids=[self.maths.id], due_at=now + timedelta(hours=2)))
        self.mural = tasks.assign(db.uow(), Actor.web(self.other.id, None), tasks.AssignmentSpec(
            title="Paint the mural", group_ids=[self.art.id]))

    def actor(self, who):
        return Actor.web(getattr(self, who).id, "127.0.0.1")


@pytest.fixture
def world(db, make_person, clock):
    return World(db, make_person, clock)


ADMIN_ONLY = ["/admin/people", "/admin/people.csv", "/admin/people/import", "/admin/audit"]
STAFF = ["/admin/tasks", "/admin/tasks.csv", "/admin/tasks/new", "/admin/groups", "/admin/batches",
         "/admin/insights"]


async def test_every_page_answers_and_teachers_are_refused_admin_pages(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        for path in ADMIN_ONLY + STAFF + [f"/admin/groups/{world.art.id}", "/admin/insights?days=7",
                                          "/admin/insights?from=2026-10-01&to=2026-11-02"]:
            r = await http.get(path)
            assert r.status_code == 200, (path, r.text[:500])
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.teacher)
        for path in ADMIN_ONLY:
            r = await http.get(path)
            assert r.status_code == 403 and "administrators only" in r.text, path
        for path in STAFF:
            assert (await http.get(path)).status_code == 200, path
        assert (await http.get(f"/admin/groups/{world.art.id}")).status_code == 403
        token = csrf_in((await http.get("/admin/groups")).text)
        r = await http.post(f"/admin/groups/{world.art.id}/delete", data={"csrf": token, "confirm": "yes"})
        assert r.status_code == 403
        r = await http.post(f"/admin/people/{world.sam.id}/status", data={"csrf": token, "status": "disabled"})
        assert r.status_code == 403
        listing = (await http.get("/admin/tasks")).text
        assert "Maths homework" in listing and "Paint the mural" not in listing
        assert "Art" not in (await http.get("/admin/groups")).text
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.sam)
        for path in ADMIN_ONLY + STAFF:
            assert (await http.get(path)).status_code == 403, path


def test_reads_authorise_the_acting_person_not_the_route(db, world):
    with pytest.raises(Forbidden):
        people_queries.list_people(db.uow(), world.actor("teacher"))
    with pytest.raises(Forbidden):
        audit_log.audit_log(db.uow(), world.actor("teacher"))
    with pytest.raises(Forbidden):
        task_queries.search_tasks(db.uow(), world.actor("sam"))
    with pytest.raises(Forbidden):
        group_queries.delete_group(db.uow(), world.actor("teacher"), world.art.id)
    with pytest.raises(Forbidden):
        csv_import.preview(db.uow(), world.actor("teacher"), "A,+447700911111,student")
    mine = task_queries.search_tasks(db.uow(), world.actor("teacher"))
    assert {t.title for t in mine.items} == {"Maths homework"} and mine.total == 2
    assert [g.name for g in group_queries.list_groups(db.uow(), world.actor("teacher"))] == ["Maths"]
    assert task_queries.search_tasks(db.uow(), world.actor("admin")).total == 3


def test_task_search_filters(db, world, clock):
    a = world.actor("admin")
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(text="MURAL")).total == 1
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(group_id=world.maths.id)).total == 2
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(assignee_id=world.max.id)).total == 1
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(
        assignment_id=world.homework.assignment_id)).total == 2
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(overdue=True)).total == 0
    clock.advance(hours=3)
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(overdue=True)).total == 2
    tasks.cancel_assignment(db.uow(), a, world.mural.assignment_id)
    assert task_queries.search_tasks(db.uow(), a, task_queries.TaskFilter(status=TaskStatus.CANCELLED)).total == 1


def test_match_people_by_phone_and_name(db, world, make_person):
    make_person(Role.STUDENT, "Sam Student")  # a second Sam: the name is ambiguous
    text = f"{world.sue.phone}; sue student\n Max member, +447700999999 ; Nobody Here, Sam Student, 12ab"
    result = matching.match_people(db.uow(), world.actor("admin"), text)
    assert result.ids == [world.sue.id, world.max.id]
    reasons = {u.entry: u.reason for u in result.unmatched}
    assert set(reasons) == {"+447700999999", "Nobody Here", "Sam Student", "12ab"}
    assert "2 people" in reasons["Sam Student"]


def test_csv_import_previews_then_updates_instead_of_doubling(db, world):
    a = world.actor("admin")
    text = ("name,phone,role,timezone\n"
            "Nina New,+44 7700 900777,student,Europe/London\n"
            f"Sue Renamed,{world.sue.phone},parent,\n"
            f"Max Member,{world.max.phone},member,\n"
            "Bad Phone,12,student,\n"
            "Bad Role,+447700900778,wizard,\n"
            "Twice,+447700900777,student,\n"
            "=HYPERLINK(\"x\"),+447700900779,student,Mars/Base\n")
    before = count(db, Person)
    preview = csv_import.preview(db.uow(), a, text)
    assert [r.action for r in preview.rows] == ["add", "update", "same", "error", "error", "error", "error"]
    assert "line 2" in preview.rows[5].error and "time zone" in preview.rows[6].error
    assert count(db, Person) == before  # the preview wrote nothing
    result = csv_import.apply(db.uow(), a, text)
    assert (result.added, result.updated, result.unchanged, result.skipped) == (1, 1, 1, 4)
    assert count(db, Person) == before + 1
    with db.uow(readonly=True) as uow:
        sue = uow.session.get(Person, world.sue.id)
        assert (sue.name, sue.role) == ("Sue Renamed", Role.PARENT)
        nina = uow.session.scalar(select(Person).where(Person.phone == "+447700900777"))
        assert (nina.name, nina.status, nina.timezone) == ("Nina New", PersonStatus.INVITED, "Europe/London")
    again = csv_import.apply(db.uow(), a, text)  # idempotent
    assert (again.added, again.updated) == (0, 0) and count(db, Person) == before + 1
    headerless = csv_import.preview(db.uow(), a, "Olga;+447700900780;teacher")
    assert [r.action for r in headerless.rows] == ["add"]


def test_people_csv_export_escapes_formulas(db, world, make_person):
    make_person(Role.MEMBER, '=HYPERLINK("http://x")')
    text = people_queries.export_people_csv(db.uow(), world.actor("admin"))
    rows = list(csv.DictReader(io.StringIO(text)))
    names = {r["name"] for r in rows}
    assert "'=HYPERLINK(\"http://x\")" in names and "Ada Admin" in names
    assert {r["phone"] for r in rows} >= {world.sam.phone}  # phones stay as they are (+ is safe there)
    tasks_text = task_queries.tasks_csv(db.uow(), world.actor("teacher"))
    assert [r["title"] for r in csv.DictReader(io.StringIO(tasks_text))] == ["Maths homework"] * 2


def test_invite_token_opens_the_bot_for_that_person(db, world, make_person):
    invited = make_person(Role.STUDENT, "Ivy Invited", active=False)
    token = people_queries.invite_token(db.uow(), world.actor("admin"), invited.id, KEYS)
    assert Signer(KEYS).verify_id("invite", token, world.clock.now()) == invited.id
    assert len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


async def test_invite_page_shows_the_start_text_and_the_tme_link(db, world):
    deps = make_deps(db, bot_username="TaskbellBot")
    async with client(deps) as http:
        await sign_in(http, db, world.admin)
        token = csrf_in((await http.get("/admin/people")).text)
        r = await http.post("/admin/people/invite", data={
            "csrf": token, "name": "Ivy <b>Invited</b>", "phone": "+447700900555", "role": "student"})
        assert r.status_code == 303
        page = await http.get(r.headers["location"])
        assert "/start " in page.text and "https://t.me/TaskbellBot?start=" in page.text
        assert "Ivy &lt;b&gt;Invited&lt;/b&gt;" in page.text  # escaped
        dup = await http.post("/admin/people/invite", data={
            "csrf": token, "name": "Ivy again", "phone": "+447700900555", "role": "student"})
        assert dup.status_code == 422 and "already on the allowlist" in dup.text


def test_insights_numbers(db, world, clock):
    a = world.actor("admin")
    t0 = clock.now()
    sam_task, _sue_task = _tasks_of(db, world.homework.assignment_id)
    clock.advance(hours=1)
    tasks.complete_task(db.uow(), Actor.web(world.sam.id, None), sam_task)  # on time, after 1 h
    clock.advance(hours=2)  # Sue's task is now overdue
    start, end = t0 - timedelta(days=1), t0 + timedelta(days=1)
    data = insights.insights(db.uow(), a, start, end, "Europe/London")
    total = data.total
    assert (total.assigned, total.completed, total.on_time, total.with_due, total.overdue) == (3, 1, 1, 1, 1)
    assert total.completion_rate == pytest.approx(1 / 3) and total.average_completion == timedelta(hours=1)
    by_group = {g.label: g for g in data.by_group}
    assert (by_group["Maths"].assigned, by_group["Maths"].completed) == (2, 1)
    assert (by_group["Art"].assigned, by_group["Art"].completed) == (1, 0)
    assert {p.label: p.completed for p in data.by_person} == {"Sam Student": 1, "Sue Student": 0,
                                                              "Max Member": 0}
    assert [(p.assigned, p.completed) for p in data.trend] == [(0, 0), (3, 1), (0, 0)]
    mine = insights.insights(db.uow(), world.actor("teacher"), start, end, "Europe/London")
    assert mine.total.assigned == 2 and [g.label for g in mine.by_group] == ["Maths"]


def test_batches_are_scoped_to_their_teachers(db, world):
    with db.uow() as uow:
        batch = Batch(name="Physics 10", subject="Physics", level="10", active=True, created_at=world.clock.now())
        uow.session.add(batch)
        uow.session.flush()
        uow.session.add(BatchTeacher(batch_id=batch.id, person_id=world.teacher.id))
        uow.commit()
    assert [b.name for b in batch_queries.list_batches(db.uow(), world.actor("teacher"))] == ["Physics 10"]
    assert batch_queries.list_batches(db.uow(), world.actor("other")) == []
    assert [b.teachers for b in batch_queries.list_batches(db.uow(), world.actor("admin"))] == [("Tess Teacher",)]


def test_delete_group_is_audited(db, world):
    group_queries.delete_group(db.uow(), world.actor("teacher"), world.maths.id)
    assert [g.name for g in group_queries.list_groups(db.uow(), world.actor("admin"))] == ["Art"]
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "group.delete")) == 1
        assert uow.session.scalar(select(func.count()).select_from(Assignment)) == 2  # work stays


def _tasks_of(db, assignment_id):
    from domain.models import Task

    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Task.id).where(Task.assignment_id == assignment_id)
                                        .order_by(Task.assignee_id)))
