"""Honest numbers: the briefs, the console and /inbox count the same things with the same queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.groups import services as groups
from domain.inbox import services as inbox
from domain.models import ActionStatus, PendingAction, Role, Task
from domain.reminders import briefs
from domain.tasks import queries
from domain.tasks import services as tasks
from tests.auxil.console import sign_in
from tests.auxil.web import client, make_deps

TZ = "Europe/London"


@pytest.fixture
def world(db, make_person, clock):
    """A teacher with tasks of their own, reviews waiting, inbox items; overdue tasks old and new."""
    w = {"admin": make_person(Role.ADMIN, "Ada Admin"), "teacher": make_person(Role.TEACHER, "Tess Teacher"),
         "sam": make_person(Role.STUDENT, "Sam Student"), "sue": make_person(Role.STUDENT, "Sue Student")}
    admin, teacher = Actor.web(w["admin"].id, None), Actor.web(w["teacher"].id, None)
    maths = groups.create_group(db.uow(), teacher, "Maths", [w["sam"].id, w["sue"].id])

    def assign(actor: Actor, title: str, who: list[int], hours: float | None = None, review: bool = False) -> int:
        due = clock.now() + timedelta(hours=hours) if hours is not None else None
        tasks.assign(db.uow(), actor, tasks.AssignmentSpec(title=title, person_ids=who, due_at=due,
                                                           requires_review=review))
        return max(t.id for t in tasks_of(db))

    clock.advance(days=-10)
    assign(teacher, "Old essay", [w["sam"].id], hours=24)  # overdue for days, assigned before this week
    clock.advance(days=10)
    assign(teacher, "Worksheet", [w["sue"].id], hours=0.5)
    done_by_sue = assign(teacher, "Graph", [w["sue"].id], review=True)
    done_by_sam = assign(admin, "Admin's survey", [w["sam"].id], review=True)  # the admin reviews this one
    for _ in range(7):
        assign(admin, "Staff form", [w["teacher"].id], hours=3)  # the teacher's own: due today
    assign(admin, "Term plan", [w["teacher"].id], hours=24 * 5)  # open, not urgent
    tasks.complete_task(db.uow(), Actor.web(w["sue"].id, None), done_by_sue)
    tasks.complete_task(db.uow(), Actor.web(w["sam"].id, None), done_by_sam)
    with db.uow() as uow:
        for n, status in enumerate([ActionStatus.OPEN, ActionStatus.OPEN, ActionStatus.RESOLVED]):
            uow.session.add(PendingAction(kind="absence_streak", owner_id=w["teacher"].id, summary=f"Item {n}",
                                          dedupe_key=f"t:{n}", status=status, created_at=clock.now()))
        uow.commit()
    clock.advance(hours=1)  # the worksheet is overdue now
    w["maths"] = maths
    return w


def tasks_of(db) -> list[Task]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Task)))


def section(brief: briefs.Brief, title: str) -> list[str]:
    return next((s["items"] for s in brief.sections if s["title"] == title), [])


def shown_count(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*>(\d+) ', html)
    assert match, element_id
    return int(match.group(1))


async def test_the_teachers_brief_counts_what_the_console_and_inbox_list(db, world):
    brief = briefs.compose(db.uow(), world["teacher"].id, TZ)
    open_items = inbox.open_actions(db.uow(readonly=True), Actor.telegram(world["teacher"].id))  # /inbox
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world["teacher"])
        inbox_page = (await http.get("/admin/inbox")).text
        reviews_page = (await http.get("/admin/tasks?review=1")).text
    assert len(open_items) == shown_count(inbox_page, "inbox-count") == 2
    assert section(brief, "Inbox") == ["2 open items: /inbox"]
    assert shown_count(reviews_page, "task-count") == 1 and "Graph" in reviews_page
    assert "Admin's survey" not in reviews_page  # the admin reviews that one
    assert section(brief, "Reviews waiting") == ["1 task awaiting your review"]
    mine = section(brief, "Your tasks")
    assert mine[:5] == ["Staff form (due today)"] * 5
    assert mine[5:] == ["and 2 more due today or overdue", "8 open tasks in all: /tasks"]
    _rows, total = queries.open_tasks(db.uow(readonly=True), Actor.telegram(world["teacher"].id), db.clock.now())
    assert total == 8  # what /tasks says: "Your open tasks (8)"


async def test_the_admins_overdue_is_the_consoles(db, world):
    brief = briefs.compose(db.uow(), world["admin"].id, TZ)
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world["admin"])
        overdue_page = (await http.get("/admin/tasks?overdue=1")).text
        week = (await http.get("/admin/insights?days=7")).text
        reviews_page = (await http.get("/admin/tasks?review=1")).text
    assert shown_count(overdue_page, "task-count") == 2  # the old essay and the worksheet
    assert re.search(r'id="stat-overdue">2<', week)  # the old essay counts though assigned before the week
    organisation = section(brief, "Organisation")
    assert "Overdue now: 2 tasks" in organisation
    assert "Tasks this week: 2 of 11 tasks done" in organisation
    assert re.search(r'id="stat-assigned">11<', week) and re.search(r'id="stat-rate">18%<', week)
    assert shown_count(reviews_page, "task-count") == 2  # an admin reviews everything
