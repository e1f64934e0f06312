"""The teaching pages of the console: the action inbox, classes -> the web sheet, attendance reports.

Over HTTP against the real app on both databases, and once in Chromium."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches, pipeline, schedule
from domain.attendance import sheet as att_sheet
from domain.models import (
    ActionStatus,
    AttendanceRecord,
    AuditEntry,
    ClassSession,
    Mark,
    Notification,
    PendingAction,
    Role,
    SessionStatus,
)
from domain.people import services as people
from domain.settings import services as settings
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps

SYSTEM = Actor.system()
TZ = "Europe/London"  # on UTC in October after the 25th and in November
MISSED_DAY, ABSENT_DAY, TODAY = date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2)  # Mondays
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class World:
    """Tess teaches Physics 10 (Mondays 16:00, Amir and Bea); Theo teaches Art 7 (Mondays 10:00, Cy).

    19 Oct: Physics missed (an inbox item for Tess). 26 Oct: Physics submitted with Amir absent (a
    low-attendance item about Amir for Tess); Art missed (an item for Theo). Now: Mon 2 Nov, 09:00."""

    def __init__(self, db, make_person, clock):
        self.db, self.clock = db, clock
        self.admin = make_person(Role.ADMIN, "Ada Admin")
        self.tess = make_person(Role.TEACHER, "Tess Teacher")
        self.theo = make_person(Role.TEACHER, "Theo Teacher")
        self.amir = make_person(Role.STUDENT, "Amir Ahmed")
        self.bea = make_person(Role.STUDENT, "=Bea Brown")  # a name a spreadsheet would run as a formula
        self.cy = make_person(Role.STUDENT, "Cy Chen")
        self.pat = make_person(Role.PARENT, "Pat Parent")
        people.link_parent(db.uow(), SYSTEM, self.pat.id, self.amir.id)
        self.physics = batches.create_batch(db.uow(), SYSTEM, name="Physics 10", teacher_ids=[self.tess.id])
        self.art = batches.create_batch(db.uow(), SYSTEM, name="Art 7", teacher_ids=[self.theo.id])
        self.physics_slot = batches.add_slot(db.uow(), SYSTEM, self.physics.id, weekday=0, start="16:00",
                                             duration_minutes=60).id
        self.art_slot = batches.add_slot(db.uow(), SYSTEM, self.art.id, weekday=0, start="10:00",
                                         duration_minutes=60).id
        for batch, student in ((self.physics, self.amir), (self.physics, self.bea), (self.art, self.cy)):
            batches.enrol(db.uow(), SYSTEM, batch.id, student.id, date(2026, 10, 1))
        settings.save(db.uow(), SYSTEM, {"attendance.low_min_sessions": "1"})  # one class is evidence here
        schedule.ensure_sessions(db.uow(), MISSED_DAY, ABSENT_DAY, TZ)
        clock.set(at(MISSED_DAY, 18))
        pipeline.auto_close(db.uow())
        clock.set(at(ABSENT_DAY, 15, 50))
        schedule.open_due(db.uow())
        self.absent_session = self.session(self.physics.id, ABSENT_DAY)
        att_sheet.submit(db.uow(), Actor.telegram(self.tess.id), self.absent_session, {self.amir.id: Mark.ABSENT})
        clock.set(at(ABSENT_DAY, 18))
        pipeline.auto_close(db.uow())
        clock.set(T0)

    def session(self, batch_id: int, day: date) -> int:
        with self.db.uow(readonly=True) as uow:
            return uow.session.scalars(select(ClassSession.id).where(
                ClassSession.batch_id == batch_id, ClassSession.on_date == day)).one()

    def sessions_on(self, day: date) -> list[int]:
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(select(ClassSession.id).where(ClassSession.on_date == day)))

    def actions(self, owner) -> list[PendingAction]:
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(select(PendingAction).where(PendingAction.owner_id == owner.id)
                                            .order_by(PendingAction.id)))

    def notes(self, kind: str) -> list[Notification]:
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(select(Notification).where(Notification.kind == kind)))


@pytest.fixture
def world(db, make_person, clock):
    return World(db, make_person, clock)


def ids_in(html: str, prefix: str) -> list[int]:
    return [int(i) for i in re.findall(rf'id="{prefix}-(\d+)"', html)]


# --- who may open what ----------------------------------------------------------------------

PAGES = ["/admin/inbox", "/admin/classes", "/admin/reports/attendance", "/admin/reports/attendance.csv"]


async def test_pages_by_role(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        for path in PAGES:
            r = await http.get(path)
            assert r.status_code == 200, (path, r.text[:300])
        nav = (await http.get("/admin/inbox")).text
        for label in ("Inbox", "Classes", "Reports", "Backups"):
            assert f">{label}</a>" in nav
        classes = (await http.get("/admin/classes?date=2026-10-26")).text
        assert "Physics 10" in classes and "Art 7" in classes
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.tess)
        for path in PAGES:
            assert (await http.get(path)).status_code == 200, path
        nav = (await http.get("/admin/inbox")).text
        assert ">Inbox</a>" in nav and ">Backups</a>" not in nav
        classes = (await http.get("/admin/classes?date=2026-10-26")).text
        assert "Physics 10" in classes and "Art 7" not in classes
        assert (await http.get(f"/admin/classes?batch_id={world.art.id}")).status_code == 403
        art_session = world.session(world.art.id, ABSENT_DAY)
        assert (await http.get(f"/admin/classes/{art_session}")).status_code == 403
        assert (await http.get(f"/admin/reports/attendance?batch_id={world.art.id}")).status_code == 403
        assert (await http.get(f"/admin/reports/attendance?student_id={world.cy.id}")).status_code == 403
        assert (await http.get("/admin/backups")).status_code == 403
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.amir)
        for path in [*PAGES, f"/admin/classes/{world.absent_session}", "/admin/backups"]:
            r = await http.get(path)
            assert (r.status_code == 403 and "administrators and teachers only" in r.text) or \
                "administrators only" in r.text, path


# --- the inbox ------------------------------------------------------------------------------

async def test_inbox_lists_my_open_items_and_resolves_them(db, world):
    missed, low = world.actions(world.tess)
    assert (missed.kind, low.kind, low.student_id) == ("missed_session", "low_attendance", world.amir.id)
    theirs = world.actions(world.theo)[0]
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.tess)
        page = await http.get("/admin/inbox")
        assert ids_in(page.text, "action") == [missed.id, low.id]
        assert "Amir Ahmed" in page.text and "Notify parent" in page.text
        token = csrf_in(page.text)
        r = await http.post(f"/admin/inbox/{low.id}/resolve", data={"resolution": "notify_parent",
                                                                    "note": "Please call me"})
        assert r.status_code == 403 and "out of date" in r.text  # no CSRF token
        r = await http.post(f"/admin/inbox/{low.id}/resolve", data={
            "csrf": token, "resolution": "notify_parent", "note": "Please call me"},
            headers={"origin": "https://evil.example"})
        assert r.status_code == 403 and "another site" in r.text
        r = await http.post(f"/admin/inbox/{theirs.id}/resolve", data={"csrf": token, "resolution": "ignore"})
        assert r.status_code == 403 and "another teacher" in r.text
        r = await http.post(f"/admin/inbox/{low.id}/resolve", data={"csrf": token, "resolution": "delete"})
        assert r.status_code == 422
        r = await http.post(f"/admin/inbox/{low.id}/resolve", data={
            "csrf": token, "resolution": "notify_parent", "note": "Please call me"})
        assert r.status_code == 303 and r.headers["location"] == "/admin/inbox?m=notify_parent"
        page = await http.get(r.headers["location"])
        assert ids_in(page.text, "action") == [missed.id] and "the parents will be told" in page.text
        r = await http.post(f"/admin/inbox/{missed.id}/resolve", data={"csrf": token, "resolution": "reviewed"})
        assert r.status_code == 303
        assert "Nothing needs you" in (await http.get("/admin/inbox")).text
    missed, low = world.actions(world.tess)
    assert (low.status, low.resolution, low.note, low.resolved_by) == (
        ActionStatus.RESOLVED, "notify_parent", "Please call me", world.tess.id)
    assert (missed.status, missed.resolution) == (ActionStatus.RESOLVED, "reviewed")
    assert world.actions(world.theo)[0].status == ActionStatus.OPEN
    notes = world.notes("teacher_note")
    assert [(n.recipient_id, n.data["note"]) for n in notes] == [(world.pat.id, "Please call me")]
    with db.uow(readonly=True) as uow:
        entries = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "action.resolve")).all()
        assert {(e.actor_id, e.channel.value) for e in entries} == {(world.tess.id, "web")}


# --- classes -> the sheet -------------------------------------------------------------------

def marks_of(db, session_id: int) -> dict[int, tuple[Mark, str, int]]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == session_id))
        return {r.student_id: (r.mark, r.channel.value, r.marked_by) for r in rows}


async def test_classes_open_the_sheet_and_submit_runs_the_pipeline_once(db, world, clock):
    missed = world.session(world.physics.id, MISSED_DAY)
    clock.set(at(TODAY, 15, 30))
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.tess)
        page = await http.get("/admin/classes")  # today, by default: the schedule's class, not made yet
        assert ids_in(page.text, "planned") == [world.physics_slot] and "(today)" in page.text
        assert 'data-status="scheduled"' in page.text and "16:00–17:00" in page.text
        assert not world.sessions_on(TODAY)  # looking writes nothing
        token = csrf_in(page.text)
        opened = {"csrf": token, "slot_id": str(world.physics_slot), "date": "2026-11-02"}
        r = await http.post("/admin/classes/open", data={**opened, "slot_id": str(world.art_slot)})
        assert r.status_code == 403 and not world.sessions_on(TODAY)  # not Tess's batch
        r = await http.post("/admin/classes/open", data={**opened, "date": "2026-10-26"})
        assert r.status_code == 404  # the past is never made on demand
        r = await http.post("/admin/classes/open", data={**opened, "date": "2026-11-03"})
        assert r.status_code == 404  # no class that day
        r = await http.post("/admin/classes/open", data={**opened, "date": "soon"})
        assert r.status_code == 422
        r = await http.post("/admin/classes/open", data=opened)  # opening the sheet makes the session
        today = world.session(world.physics.id, TODAY)
        assert r.status_code == 303 and r.headers["location"] == f"/admin/classes/{today}"
        again = await http.post("/admin/classes/open", data=opened)
        assert again.headers["location"] == f"/admin/classes/{today}" and world.sessions_on(TODAY) == [today]
        page = await http.get("/admin/classes")
        assert ids_in(page.text, "session") == [today] and ids_in(page.text, "planned") == []
        sheet = await http.get(f"/admin/classes/{today}")
        assert sheet.status_code == 200 and "not open yet" in sheet.text and 'id="sheet-form"' not in sheet.text
        clock.set(at(TODAY, 15, 50))
        assert schedule.open_due(db.uow()) == [today]  # the scheduler opens it
        page = await http.get(f"/admin/classes?batch_id={world.physics.id}&date=2026-11-02")
        assert "Take attendance" in page.text
        sheet = await http.get(f"/admin/classes/{today}")
        assert f'action="/admin/classes/{today}/submit"' in sheet.text
        assert "sha256-" in sheet.headers["content-security-policy"]
        token = csrf_in(sheet.text)
        r = await http.post(f"/admin/classes/{today}/submit", data={"csrf": token, f"mark-{world.amir.id}": "gone"})
        assert r.status_code == 422 and marks_of(db, today) == {}
        r = await http.post(f"/admin/classes/{today}/submit", data={f"mark-{world.amir.id}": "absent"})
        assert r.status_code == 403 and marks_of(db, today) == {}
        r = await http.post(f"/admin/classes/{today}/submit", data={
            "csrf": token, f"mark-{world.amir.id}": "absent", f"mark-{world.bea.id}": "late"})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/classes/{today}?m=submitted"
        done = await http.get(r.headers["location"])
        assert "Attendance submitted." in done.text and 'data-status="submitted"' in done.text
        assert "0 present · 1 absent · 1 late" in done.text
        again = await http.post(f"/admin/classes/{today}/submit", data={"csrf": token, f"mark-{world.amir.id}": "present"})
        assert again.status_code == 409 and "submitted already" in again.text
        closed = await http.post(f"/admin/classes/{missed}/submit", data={"csrf": token})
        assert closed.status_code == 409 and "Attendance window closed for this class." in closed.text
        art = world.session(world.art.id, ABSENT_DAY)
        r = await http.post(f"/admin/classes/{art}/submit", data={"csrf": token})
        assert r.status_code == 403
    assert marks_of(db, today) == {world.amir.id: (Mark.ABSENT, "web", world.tess.id),
                                   world.bea.id: (Mark.LATE, "web", world.tess.id)}
    assert [(n.recipient_id, n.data["student_id"]) for n in world.notes("absence")
            if n.data["session_id"] == today] == [(world.pat.id, world.amir.id)]
    with db.uow(readonly=True) as uow:
        cs = uow.session.get(ClassSession, today)
        assert cs.status == SessionStatus.SUBMITTED and cs.submitted_by == world.tess.id and cs.post_class_at
        submits = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "attendance.submit", AuditEntry.object_id == str(today))).all()
        assert [(e.actor_id, e.channel.value) for e in submits] == [(world.tess.id, "web")]
        assert uow.session.get(ClassSession, missed).status == SessionStatus.MISSED


async def test_admins_see_every_batch_and_past_days_are_not_invented(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = await http.get("/admin/classes?date=2026-10-12")  # before anything was scheduled
        assert "No classes on this day." in page.text
        page = await http.get("/admin/classes?date=2026-11-09")  # planned from the schedule, not made
        assert ids_in(page.text, "planned") == [world.art_slot, world.physics_slot]
        assert (await http.get("/admin/classes?date=tomorrow")).status_code == 422
        assert (await http.get("/admin/classes?batch_id=999")).status_code == 404
        sheet = await http.get(f"/admin/classes/{world.absent_session}")
        assert sheet.status_code == 200 and 'id="sheet-form"' not in sheet.text
        assert f'id="student-{world.amir.id}" data-mark="absent"' in sheet.text
    with db.uow(readonly=True) as uow:
        days = set(uow.session.scalars(select(ClassSession.on_date)))
    assert date(2026, 10, 12) not in days and date(2026, 11, 9) not in days


# --- reports --------------------------------------------------------------------------------

def report_rows(html: str) -> dict[int, str]:
    return {int(s): p for s, p in re.findall(r'data-student="(\d+)" data-percent="([\d.]*)"', html)}


async def test_reports_percentages_calendar_and_csv(db, world, clock):
    clock.set(at(TODAY, 15, 50))
    schedule.ensure_sessions(db.uow(), TODAY, TODAY, TZ)
    schedule.open_due(db.uow())
    att_sheet.submit(db.uow(), Actor.telegram(world.tess.id), world.session(world.physics.id, TODAY),
               {world.amir.id: Mark.PRESENT})
    clock.set(at(TODAY, 18))
    period = "from=2026-10-01&to=2026-11-02"
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.tess)
        page = await http.get(f"/admin/reports/attendance?{period}")
        assert page.status_code == 200
        # Amir: absent 26 Oct, present 2 Nov -> 50%; Bea present twice (19 Oct was missed: not counted).
        assert report_rows(page.text) == {world.amir.id: "50.0", world.bea.id: "100.0"}
        assert "75.0% attended" in page.text and "Cy Chen" not in page.text
        page = await http.get(f"/admin/reports/attendance?{period}&student_id={world.amir.id}")
        days = dict(re.findall(r'id="day-([\d-]+)">.*?data-status="(\w+)"', page.text, re.S))
        assert days == {"2026-10-19": "missed", "2026-10-26": "closed", "2026-11-02": "submitted"}
        assert 'data-mark="absent"' in page.text and 'data-mark="present"' in page.text
        r = await http.get(f"/admin/reports/attendance.csv?{period}&batch_id={world.physics.id}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["student_id", "student", "batch", "present", "late", "absent", "excused", "percent"]
        assert sorted(rows[1:]) == sorted([
            [str(world.amir.id), "Amir Ahmed", "Physics 10", "1", "0", "1", "0", "50.0"],
            [str(world.bea.id), "'=Bea Brown", "Physics 10", "2", "0", "0", "0", "100.0"]])
        short = await http.get("/admin/reports/attendance?from=2026-10-27&to=2026-11-02")
        assert report_rows(short.text) == {world.amir.id: "100.0", world.bea.id: "100.0"}
        assert (await http.get("/admin/reports/attendance?from=2026-11-02&to=2026-10-01")).status_code == 422
        assert (await http.get("/admin/reports/attendance?from=someday")).status_code == 422
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = await http.get(f"/admin/reports/attendance?{period}")
        assert set(report_rows(page.text)) == {world.amir.id, world.bea.id}  # Cy has no records: Art was missed
        r = await http.get(f"/admin/reports/attendance?{period}&student_id={world.cy.id}")
        assert r.status_code == 200 and 'id="day-2026-10-26"' in r.text and 'data-status="missed"' in r.text
        assert (await http.get("/admin/reports/attendance?batch_id=999")).status_code == 404


# --- in Chromium ----------------------------------------------------------------------------

def test_a_teacher_resolves_an_inbox_item_then_takes_attendance_in_chromium(db, world, clock, served, as_person):
    expect = pytest.importorskip("playwright.sync_api").expect
    clock.set(at(TODAY, 15, 50))
    _missed, low = world.actions(world.tess)
    base, _deps = served
    page = as_person(world.tess, 420, 900)  # a phone-sized screen
    page.goto(f"{base}/admin/inbox")
    expect(page.locator("#inbox > li")).to_have_count(2)
    item = page.locator(f"#action-{low.id}")
    item.locator("textarea[name=note]").fill("Spoke to Amir")
    item.get_by_role("button", name="Reviewed").click()
    expect(page.locator(".flash")).to_have_text("Marked as reviewed.")
    expect(page.locator("#inbox > li")).to_have_count(1)

    page.get_by_role("link", name="Classes").click()
    planned = page.locator(f"#planned-{world.physics_slot}")  # planned from the schedule, not made yet
    expect(planned).to_have_attribute("data-status", "scheduled")
    planned.get_by_role("button", name="Open sheet").click()  # opening the sheet makes the session
    expect(page.locator("h1")).to_have_text("Physics 10")
    today = world.session(world.physics.id, TODAY)
    assert page.url.endswith(f"/admin/classes/{today}")
    assert schedule.open_due(db.uow()) == [today]  # the scheduler opens the class
    page.locator("#back").click()
    page.locator(f"#session-{today}").get_by_role("link", name="Take attendance").click()
    expect(page.locator("h1")).to_have_text("Physics 10")
    page.locator(f"label[for=m-{world.amir.id}-absent]").click()
    expect(page.locator(".counts-line")).to_contain_text("1 present · 1 absent")  # the sheet's script runs
    page.get_by_role("button", name="Submit attendance").click()
    expect(page.locator(".flash")).to_have_text("Attendance submitted.")
    expect(page.locator("#sheet")).to_have_attribute("data-status", "submitted")
    expect(page.locator(f"#student-{world.amir.id}")).to_have_attribute("data-mark", "absent")
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
    assert marks_of(db, today) == {world.amir.id: (Mark.ABSENT, "web", world.tess.id),
                                   world.bea.id: (Mark.PRESENT, "web", world.tess.id)}
    reviewed = next(a for a in world.actions(world.tess) if a.id == low.id)
    assert (reviewed.resolution, reviewed.note) == ("reviewed", "Spoke to Amir")
    assert [(n.recipient_id, n.data["student_id"]) for n in world.notes("absence")
            if n.data["session_id"] == today] == [(world.pat.id, world.amir.id)]
