"""Every console page used in Chromium against the real app served by uvicorn."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.groups import services as groups
from domain.models import GroupMember, Person, PersonStatus, Priority, Role, Task, TaskStatus
from domain.tasks import services as tasks
from tests.auxil.paths import artefacts_or

# Screenshots for the README are refreshed only when asked: TASKBELL_ARTEFACTS=1 make test
ARTEFACTS = artefacts_or(Path(tempfile.gettempdir()) / "taskbell-artefacts")

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def no_script_errors(page) -> bool:
    return [e for e in page.console_errors if "Failed to load resource" not in e] == []


def test_people_invite_role_status_parents_and_csv_import(db, make_person, served, as_person, tmp_path):
    base, _deps = served
    admin = make_person(Role.ADMIN, "Ada Admin")
    sam = make_person(Role.STUDENT, "Sam Student")
    pat = make_person(Role.PARENT, "Pat Parent")
    page = as_person(admin)
    page.goto(f"{base}/admin/people")
    expect(page.locator("#people tbody tr")).to_have_count(3)

    page.locator("#invite summary").click()
    page.fill("#invite input[name=name]", "Nina New")
    page.fill("#invite input[name=phone]", "+44 7700 900777")
    page.select_option("#invite select[name=role]", "teacher")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("h1")).to_have_text("Invite Nina New")
    expect(page.locator("#invite-text")).to_contain_text("/start ")
    expect(page.locator("#invite-link")).to_have_attribute("href", "https://t.me/TaskbellBot?start="
                                                           + page.locator("#invite-text").inner_text()[7:])

    page.goto(f"{base}/admin/people?role=student")
    expect(page.locator("#people tbody tr")).to_have_count(1)
    row = page.locator(f"#person-{sam.id}")
    row.locator("select[name=role]").select_option("member")
    row.get_by_role("button", name="Set").click()
    expect(page.locator(".flash")).to_have_text("Role changed.")
    page.goto(f"{base}/admin/people?q=sam")
    page.locator(f"#person-{sam.id}").get_by_role("button", name="Disable").click()
    expect(page.locator(f"#person-{sam.id}")).to_have_attribute("data-status", "disabled")
    page.locator(f"#person-{sam.id}").get_by_role("button", name="Activate").click()
    expect(page.locator(f"#person-{sam.id}")).to_have_attribute("data-status", "active")

    page.select_option("select[name=parent_id]", str(pat.id))
    page.select_option("select[name=child_id]", str(sam.id))
    page.get_by_role("button", name="Link").click()
    expect(page.locator(".flash")).to_have_text("Parent linked.")
    expect(page.locator(f"#person-{sam.id}")).to_contain_text("parents: Pat Parent")

    upload = tmp_path / "people.csv"
    upload.write_text("name,phone,role\nOlga Teacher,+447700900800,teacher\n"
                      f"Sam Renamed,{sam.phone},student\nBroken Row,12,student\n", encoding="utf-8")
    page.goto(f"{base}/admin/people/import")
    page.set_input_files("input[name=file]", str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview tbody tr")).to_have_count(3)
    expect(page.locator("#preview tr[data-line='4']")).to_have_class("row-error")
    expect(page.locator("#preview tr[data-line='4']")).to_contain_text("'12' is not a valid phone number")  # read as a GB number (PHONE_REGION from the zone)
    with db.uow(readonly=True) as uow:  # the preview wrote nothing
        assert uow.session.scalar(select(Person).where(Person.phone == "+447700900800")) is None
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.locator(".flash")).to_have_text("Imported: 1 added, 1 updated, 1 skipped because of errors.")
    expect(page.locator(f"#person-{sam.id}")).to_contain_text("Sam Renamed")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert "Olga Teacher" in Path(download.value.path()).read_text()
    assert no_script_errors(page)


def test_groups_paste_preview_edit_and_delete(db, make_person, served, as_person):
    base, _deps = served
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    sam = make_person(Role.STUDENT, "Sam Student")
    sue = make_person(Role.STUDENT, "Sue Student")
    max_ = make_person(Role.MEMBER, "Max Member")
    page = as_person(teacher, 420, 900)  # a phone-sized screen
    page.goto(f"{base}/admin/groups")
    page.fill("#new-group input[name=name]", "Year 9 Maths")
    page.fill("#new-group textarea[name=entries]", f"{sam.phone}; sue student\nNobody Here, +447700999999")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#matched li")).to_have_count(2)
    expect(page.locator("#unmatched li")).to_have_count(2)
    expect(page.locator("#unmatched")).to_contain_text("Nobody Here")
    page.get_by_role("button", name="Create “Year 9 Maths” with 2 people").click()
    expect(page.locator("h1")).to_have_text("Year 9 Maths")
    expect(page.locator(".flash")).to_have_text("Group created.")
    expect(page.locator("#members tbody tr")).to_have_count(2)

    page.fill("textarea[name=entries]", "Max Member")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Add 1 person").click()
    expect(page.locator("#members tbody tr")).to_have_count(3)
    page.locator(f"#member-{sue.id}").get_by_role("button", name="Remove").click()
    expect(page.locator(".flash")).to_have_text("Member removed.")
    with db.uow(readonly=True) as uow:
        assert set(uow.session.scalars(select(GroupMember.person_id))) == {sam.id, max_.id}

    page.get_by_label("Yes, delete").check()
    page.get_by_role("button", name="Delete group").click()
    expect(page.locator(".flash")).to_have_text("Group deleted.")
    expect(page.locator("#groups")).to_contain_text("No groups yet.")
    assert no_script_errors(page)


def test_tasks_assign_filter_cancel_and_export(db, make_person, served, as_person, clock):
    base, _deps = served
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    sam = make_person(Role.STUDENT, "Sam Student")
    sue = make_person(Role.STUDENT, "Sue Student")
    maths = groups.create_group(db.uow(), Actor.web(teacher.id, None), "Maths", [sam.id, sue.id])
    page = as_person(teacher)
    page.goto(f"{base}/admin/tasks")
    page.get_by_role("link", name="New assignment").click()
    page.fill("input[name=title]", "Read chapter 3")
    page.fill("textarea[name=description]", "Pages 30-45 <b>carefully</b>")
    page.fill("input[name=due]", "2026-11-03T17:00")  # local time (Europe/London = UTC in November)
    page.select_option("select[name=priority]", "high")
    page.get_by_label("Maths (2)").check()
    page.get_by_label("Sam Student").check()  # also in Maths: still one task for Sam
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".flash")).to_have_text("Assigned.")
    expect(page.locator("#tasks tbody tr")).to_have_count(2)
    with db.uow(readonly=True) as uow:
        made = list(uow.session.scalars(select(Task).order_by(Task.assignee_id)))
    assert [t.assignee_id for t in made] == [sam.id, sue.id]
    assert made[0].due_at.isoformat() == "2026-11-03T17:00:00+00:00" and made[0].priority == Priority.HIGH

    tasks.assign(db.uow(), Actor.web(teacher.id, None), tasks.AssignmentSpec(
        title="Bring a calculator", person_ids=[sue.id], due_at=clock.now() + timedelta(minutes=5)))
    clock.advance(minutes=10)
    page.goto(f"{base}/admin/tasks?overdue=1")
    expect(page.locator("#tasks tbody tr")).to_have_count(1)
    expect(page.locator("#tasks tbody tr")).to_have_class("overdue")
    page.goto(f"{base}/admin/tasks")
    page.fill("input[name=q]", "chapter")
    page.select_option("select[name=assignee_id]", str(sue.id))
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#tasks tbody tr")).to_have_count(1)
    page.locator("#tasks tbody tr").get_by_role("button", name="Cancel").click()
    expect(page.locator(".flash")).to_have_text("Cancelled.")
    assert "assignee_id" in page.url  # back to the same filtered list
    expect(page.locator("#tasks tbody tr")).to_have_attribute("data-status", "cancelled")
    page.goto(f"{base}/admin/tasks?group_id={maths.id}&status=pending")
    expect(page.locator("#task-count")).to_have_text("2 tasks")  # Sam's chapter 3, Sue's calculator
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("task_id,")
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Task, made[1].id).status == TaskStatus.CANCELLED
    assert no_script_errors(page)


def test_insights_page_draws_charts_and_refreshes_itself(db, make_person, served, as_person, clock):
    base, _deps = served
    admin = make_person(Role.ADMIN, "Ada Admin")
    team = [make_person(Role.STUDENT, name) for name in ("Sam Student", "Sue Student", "Sid Student")]
    staff = [make_person(Role.MEMBER, name) for name in ("Max Member", "Mia Member")]
    actor = Actor.web(admin.id, None)
    groups.create_group(db.uow(), actor, "Year 9", [p.id for p in team])
    groups.create_group(db.uow(), actor, "Facilities", [p.id for p in staff])
    everyone = team + staff
    clock.advance(days=-13)
    for day in range(14):  # two weeks of work: most finished, some late, some still open
        result = tasks.assign(db.uow(), actor, tasks.AssignmentSpec(
            title=f"Daily task {day + 1}", person_ids=[p.id for p in everyone],
            due_at=clock.now() + timedelta(hours=6)))
        with db.uow(readonly=True) as uow:
            made = list(uow.session.scalars(select(Task).where(Task.assignment_id == result.assignment_id)))
        for i, task in enumerate(made):
            if (i + day) % 4 == 3 and day > 9:
                continue
            clock.advance(minutes=30 + 50 * i)
            tasks.complete_task(db.uow(), Actor.web(task.assignee_id, None), task.id)
        clock.advance(days=1, hours=-(sum(30 + 50 * i for i in range(len(made))) // 60))
    page = as_person(admin, 1000, 900)
    page.goto(f"{base}/admin/insights?days=30")
    expect(page.locator("#trend-chart rect.bar-assigned")).to_have_count(30)
    expect(page.locator("#group-chart rect.bar-rate")).to_have_count(2)
    expect(page.locator("#groups-table tbody tr")).to_have_count(2)
    expect(page.locator("#people-table tbody tr")).to_have_count(5)
    assigned = int(page.locator("#stat-assigned").inner_text())
    assert assigned == 70
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "insights.png"), full_page=True)

    tasks.assign(db.uow(), actor, tasks.AssignmentSpec(title="One more", person_ids=[team[0].id]))
    expect(page.locator("#stat-assigned")).to_have_text(str(assigned + 1), timeout=10_000)
    page.goto(f"{base}/admin/insights?from=2026-01-01&to=2026-12-31")
    expect(page.locator(".error, .refusal")).to_have_count(0)
    assert no_script_errors(page)


def test_audit_log_filters_and_batches_page(db, make_person, served, as_person):
    base, _deps = served
    admin = make_person(Role.ADMIN, "Ada Admin")
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    sam = make_person(Role.STUDENT, "Sam Student")
    groups.create_group(db.uow(), Actor.web(teacher.id, "203.0.113.9"), "Maths", [sam.id])
    page = as_person(admin, 420, 900)
    page.goto(f"{base}/admin/audit")
    expect(page.locator("#audit tbody tr").first).to_be_visible()
    page.select_option("select[name=action]", "group.create")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#audit tbody tr")).to_have_count(1)
    expect(page.locator("#audit tbody tr")).to_contain_text("Tess Teacher")
    expect(page.locator("#audit tbody tr")).to_contain_text("203.0.113.9")
    page.select_option("select[name=action]", "")
    page.select_option("select[name=channel]", "system")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#audit tbody tr[data-action='person.add']")).to_have_count(3)
    page.goto(f"{base}/admin/batches")
    expect(page.locator("#batches")).to_contain_text("No batches.")

    teacher_page = as_person(teacher)
    response = teacher_page.goto(f"{base}/admin/audit")
    assert response.status == 403
    expect(teacher_page.locator("h1")).to_have_text("Not for you")
    assert teacher_page.locator("nav.nav a", has_text="People").count() == 0
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Person, sam.id).status == PersonStatus.ACTIVE
    assert no_script_errors(page)
