"""The web attendance sheet behind the bot's one-time link: over HTTP on both databases, and in Chromium."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.attendance import batches, pipeline, schedule
from domain.attendance import sheet as att_sheet
from domain.auth import services as auth
from domain.models import (
    AttendanceRecord,
    Base,
    ClassSession,
    Mark,
    Notification,
    OneTimeToken,
    Role,
    SessionStatus,
)
from tests.auxil.console import new_page
from tests.auxil.web import BASE_URL, KEYS, client, make_deps
from tests.factories import physics_class
from web.security import csrf_token

SYSTEM = Actor.system()
TZ = "Europe/London"
CLASS_DAY = date(2026, 11, 2)  # a Monday; London is on UTC in November
OPENING = datetime(2026, 11, 2, 15, 50, tzinfo=UTC)  # class 16:00-17:00
SAME_ORIGIN = {"origin": BASE_URL, "sec-fetch-site": "same-origin"}
SCREENSHOT = Path(os.environ.get("TASKBELL_SCREENSHOT_ATTENDANCE", "/tmp/taskbell-attendance.png"))


# --- the world ------------------------------------------------------------------------------

@pytest.fixture
def klass(db, make_person, clock):
    """Mondays 16:00-17:00 London: a teacher, three students (one excused in advance), two parents."""
    made = physics_class(db, make_person, ["Amir Ahmed", "Bea Brown", "Cy Chen"])
    students = made["students"]
    schedule.ensure_sessions(db.uow(), CLASS_DAY, CLASS_DAY, TZ)
    session_id = session_of(db, made["batch"].id)
    att_sheet.mark_absence_in_advance(db.uow(), Actor.telegram(students[2].id), session_id, students[2].id,
                                "Dentist appointment")
    clock.set(OPENING)
    assert schedule.open_due(db.uow()) == [session_id]
    return {**made, "session_id": session_id}


def session_of(db, batch_id: int) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(ClassSession.id).where(ClassSession.batch_id == batch_id)).one()


def issue(db, teacher_id: int, session_id: int, *, purpose: str = "attendance",
          ttl: timedelta = timedelta(hours=3)) -> str:
    return auth.issue_one_time(db.uow(), purpose=purpose, person_id=teacher_id, ttl=ttl, object_id=session_id)


def sheet_path(token: str) -> str:
    return f"/attendance/sheet/{token}"


def consumed(db, token: str) -> bool:
    with db.uow(readonly=True) as uow:
        row = uow.session.get(OneTimeToken, hashlib.sha256(token.encode()).hexdigest())
        return row.consumed_at is not None


def status_of(db, session_id: int) -> SessionStatus:
    with db.uow(readonly=True) as uow:
        return uow.session.get(ClassSession, session_id).status


def records(db, session_id: int) -> dict[int, tuple[Mark, str, int]]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == session_id))
        return {r.student_id: (r.mark, r.channel.value, r.marked_by) for r in rows}


def absence_notices(db) -> list[tuple[int, int]]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.kind == "absence"))
        return sorted((n.recipient_id, n.data["student_id"]) for n in rows)


def snapshot(db):
    """Every table's row count, the sessions' states, the records and the tokens: proof nothing changed."""
    with db.uow(readonly=True) as uow:
        counts = {t.name: uow.session.scalar(select(func.count()).select_from(t))
                  for t in Base.metadata.sorted_tables}
        sessions = uow.session.execute(select(ClassSession.id, ClassSession.status, ClassSession.submitted_at)
                                       .order_by(ClassSession.id)).all()
        marks = uow.session.execute(select(AttendanceRecord.session_id, AttendanceRecord.student_id,
                                           AttendanceRecord.mark, AttendanceRecord.channel)
                                    .order_by(AttendanceRecord.id)).all()
        tokens = uow.session.execute(select(OneTimeToken.id, OneTimeToken.consumed_at)
                                     .order_by(OneTimeToken.id)).all()
    return counts, sessions, marks, tokens


def form(link: str, marks: dict[int, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"csrf": csrf_token(KEYS, link), **{f"mark-{sid}": m for sid, m in marks.items()}, **(extra or {})}


def checked_marks(html: str) -> dict[int, str]:
    return {int(sid): mark for sid, mark in
            re.findall(r'name="mark-(\d+)" id="[^"]+" value="(\w+)" checked', html)}


def assert_refusal(response, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    assert f'data-status="{status}"' in response.text and text in response.text
    assert "Traceback" not in response.text and response.headers["cache-control"] == "no-store"


# --- GET --------------------------------------------------------------------------------------

async def test_get_shows_the_sheet_and_changes_nothing(db, klass, clock):
    s0, s1, s2 = klass["students"]
    token = issue(db, klass["teacher"].id, klass["session_id"])
    deps = make_deps(db)
    before = snapshot(db)
    clock.advance(minutes=3)
    async with client(deps) as http:
        page = await http.get(sheet_path(token))
        again = await http.get(sheet_path(token))  # a link preview, then the teacher
        head = await http.head(sheet_path(token))
    assert page.status_code == again.status_code == head.status_code == 200
    html = page.text
    assert "Physics 10" in html and "Mon 2 Nov, 16:00–17:00" in html and "Europe/London" in html
    assert 'data-status="open"' in html
    assert [n for n in ("Amir Ahmed", "Bea Brown", "Cy Chen") if n in html] == ["Amir Ahmed", "Bea Brown", "Cy Chen"]
    assert "Excused in advance: Dentist appointment" in html
    assert checked_marks(html) == {s0.id: "present", s1.id: "present", s2.id: "excused"}
    assert f'value="{csrf_token(KEYS, token)}"' in html and 'id="all-present"' in html
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "same-origin"
    assert "style-src 'self' 'sha256-" in page.headers["content-security-policy"]
    assert snapshot(db) == before and not consumed(db, token)


# --- POST -------------------------------------------------------------------------------------

async def test_post_submits_consumes_and_a_second_post_is_refused(db, klass):
    t, (s0, s1, s2) = klass["teacher"], klass["students"]
    sid = klass["session_id"]
    token = issue(db, t.id, sid)
    deps = make_deps(db)
    async with client(deps) as http:
        body = form(token, {s0.id: "absent", s1.id: "late", s2.id: "excused"})
        done = await http.post(sheet_path(token), data=body, headers=SAME_ORIGIN)
        assert done.status_code == 200, done.text
        assert "Attendance submitted" in done.text and "location" not in done.headers
        assert re.search(r'id="count-absent">1<', done.text) and re.search(r'id="count-late">1<', done.text)
        assert re.search(r'id="count-present">0<', done.text) and re.search(r'id="count-excused">1<', done.text)
        assert token not in done.text  # no way back to the used link
        assert consumed(db, token) and status_of(db, sid) == SessionStatus.SUBMITTED
        after = snapshot(db)

        second = await http.post(sheet_path(token), data=body, headers=SAME_ORIGIN)
        assert_refusal(second, 410, "This link was already used")
        assert_refusal(await http.get(sheet_path(token)), 410, "This link was already used")
    assert snapshot(db) == after
    assert records(db, sid) == {s0.id: (Mark.ABSENT, "web", t.id), s1.id: (Mark.LATE, "web", t.id),
                                s2.id: (Mark.EXCUSED, "telegram", s2.id)}  # the advance excuse stays its own
    p0, p1 = klass["parents"]
    assert absence_notices(db) == sorted([(p0.id, s0.id), (p1.id, s0.id)])
    with db.uow(readonly=True) as uow:
        assert uow.session.get(ClassSession, sid).submitted_by == t.id


async def test_two_posts_at_once_submit_once(db, klass):
    s0 = klass["students"][0]
    token = issue(db, klass["teacher"].id, klass["session_id"])
    deps = make_deps(db)
    body = form(token, {s0.id: "absent"})
    async with client(deps) as http:
        answers = await asyncio.gather(*(http.post(sheet_path(token), data=body, headers=SAME_ORIGIN)
                                         for _ in range(2)))
    assert sorted(r.status_code for r in answers) == [200, 410]
    assert len(absence_notices(db)) == 2  # s0's two parents, once each


async def test_a_closed_or_missed_class_is_refused_without_using_the_link(db, klass, clock):
    sid = klass["session_id"]
    s0 = klass["students"][0]
    token = issue(db, klass["teacher"].id, sid, ttl=timedelta(hours=6))
    clock.set(datetime(2026, 11, 2, 17, 11, tzinfo=UTC))
    assert pipeline.auto_close(db.uow()) == {"closed": 0, "missed": 1}
    deps = make_deps(db)
    before = snapshot(db)
    async with client(deps) as http:
        shown = await http.get(sheet_path(token))
        refused = await http.post(sheet_path(token), data=form(token, {s0.id: "absent"}), headers=SAME_ORIGIN)
    assert shown.status_code == 200 and att_sheet.CLOSED_MESSAGE in shown.text and "sheet-form" not in shown.text
    assert_refusal(refused, 409, "Attendance window closed for this class.")
    assert snapshot(db) == before and not consumed(db, token)
    assert status_of(db, sid) == SessionStatus.MISSED


async def test_tampered_forged_wrong_purpose_expired_and_foreign_links_are_refused(db, klass, clock, make_person):
    t, sid = klass["teacher"], klass["session_id"]
    s0 = klass["students"][0]
    token = issue(db, t.id, sid, ttl=timedelta(minutes=30))
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    signin = issue(db, t.id, sid, purpose="signin")
    stranger = make_person(Role.TEACHER, "Sid Stranger")  # a real teacher, not this batch's
    foreign = issue(db, stranger.id, sid)
    deps = make_deps(db)
    before = snapshot(db)
    async with client(deps) as http:
        for bad in (tampered, "x", signin):
            assert_refusal(await http.get(sheet_path(bad)), 403, "This link is not valid")
            # even with a form token computed for the forged link, the link itself is refused
            posted = await http.post(sheet_path(bad), data=form(bad, {s0.id: "absent"}), headers=SAME_ORIGIN)
            assert_refusal(posted, 403, "not valid")
        # the real link's form token does not fit a tampered link
        posted = await http.post(sheet_path(tampered), data=form(token, {s0.id: "absent"}), headers=SAME_ORIGIN)
        assert_refusal(posted, 403, "out of date")
        assert_refusal(await http.get(sheet_path(foreign)), 403, "teachers can take its attendance")
        posted = await http.post(sheet_path(foreign), data=form(foreign, {s0.id: "absent"}), headers=SAME_ORIGIN)
        assert_refusal(posted, 403, "teachers can take its attendance")
        clock.advance(minutes=31)
        assert_refusal(await http.get(sheet_path(token)), 410, "expired")
        posted = await http.post(sheet_path(token), data=form(token, {s0.id: "absent"}), headers=SAME_ORIGIN)
        assert_refusal(posted, 410, "expired")
    assert snapshot(db) == before and status_of(db, sid) == SessionStatus.OPEN


async def test_bad_marks_are_422_and_write_nothing(db, klass, make_person):
    t, (s0, s1, s2) = klass["teacher"], klass["students"]
    sid = klass["session_id"]
    outsider = make_person(Role.STUDENT, "Olly Outsider")  # not enrolled in this class
    token = issue(db, t.id, sid)
    deps = make_deps(db)
    before = snapshot(db)
    async with client(deps) as http:
        bad_bodies = [
            {s0.id: "absent", outsider.id: "present"},
            {s0.id: "asleep"},
            {s0.id: "PRESENT"},
        ]
        for marks in bad_bodies:
            response = await http.post(sheet_path(token), data=form(token, marks), headers=SAME_ORIGIN)
            assert_refusal(response, 422, "")
            assert "Back to the sheet" in response.text
        odd_key = {**form(token, {s0.id: "absent"}), "mark-abc": "present"}
        assert_refusal(await http.post(sheet_path(token), data=odd_key, headers=SAME_ORIGIN), 422, "not in this class")
        assert snapshot(db) == before and not consumed(db, token)
        # the same link still works once the marks are right
        ok = await http.post(sheet_path(token), data=form(token, {s0.id: "absent", s1.id: "present"}),
                             headers=SAME_ORIGIN)
    assert ok.status_code == 200 and consumed(db, token)
    assert {k: v[0] for k, v in records(db, sid).items()} == {s0.id: Mark.ABSENT, s1.id: Mark.PRESENT,
                                                              s2.id: Mark.EXCUSED}


async def test_missing_or_wrong_csrf_and_cross_site_posts_are_403(db, klass):
    sid, s0 = klass["session_id"], klass["students"][0]
    token = issue(db, klass["teacher"].id, sid)
    deps = make_deps(db)
    before = snapshot(db)
    good = form(token, {s0.id: "absent"})
    async with client(deps) as http:
        no_csrf = {k: v for k, v in good.items() if k != "csrf"}
        assert_refusal(await http.post(sheet_path(token), data=no_csrf, headers=SAME_ORIGIN), 403, "out of date")
        wrong = {**good, "csrf": "0" * 64}
        assert_refusal(await http.post(sheet_path(token), data=wrong, headers=SAME_ORIGIN), 403, "out of date")
        for headers in ({"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"}):
            response = await http.post(sheet_path(token), data=good, headers=headers)
            assert_refusal(response, 403, "another site")
    assert snapshot(db) == before and not consumed(db, token)


async def test_the_body_cannot_point_the_link_at_another_class_or_teacher(db, klass, make_person):
    t, (s0, s1, _s2) = klass["teacher"], klass["students"]
    sid = klass["session_id"]
    other_teacher = make_person(Role.TEACHER, "Otto Other")
    other_student = make_person(Role.STUDENT, "Zed Zhou")
    other = batches.create_batch(db.uow(), SYSTEM, name="Maths 8", teacher_ids=[t.id, other_teacher.id])
    batches.add_slot(db.uow(), SYSTEM, other.id, weekday=0, start="16:00", duration_minutes=60)
    batches.enrol(db.uow(), SYSTEM, other.id, other_student.id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), CLASS_DAY, CLASS_DAY, TZ)
    other_sid = session_of(db, other.id)
    schedule.open_due(db.uow())
    assert status_of(db, other_sid) == SessionStatus.OPEN
    token = issue(db, t.id, sid)
    deps = make_deps(db)
    smuggled = {"session_id": str(other_sid), "object_id": str(other_sid), "person_id": str(other_teacher.id),
                "teacher_id": str(other_teacher.id), "token": "x"}
    async with client(deps) as http:
        # marks for the other class's student are refused: the link is bound to this class
        response = await http.post(f"{sheet_path(token)}?session_id={other_sid}",
                                   data=form(token, {other_student.id: "absent"}, smuggled), headers=SAME_ORIGIN)
        assert_refusal(response, 422, "Not enrolled")
        ok = await http.post(f"{sheet_path(token)}?session_id={other_sid}",
                             data=form(token, {s0.id: "absent"}, smuggled), headers=SAME_ORIGIN)
    assert ok.status_code == 200 and "Physics 10" in ok.text and "Maths 8" not in ok.text
    assert status_of(db, sid) == SessionStatus.SUBMITTED
    assert status_of(db, other_sid) == SessionStatus.OPEN and records(db, other_sid) == {}
    got = records(db, sid)
    assert got[s0.id] == (Mark.ABSENT, "web", t.id) and got[s1.id] == (Mark.PRESENT, "web", t.id)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(ClassSession, sid).submitted_by == t.id


async def test_telegram_toggles_then_web_submit_runs_the_pipeline_once(db, klass):
    """Both sheets call the same services: a bot toggle shows on the web, the web submit tells each parent once."""
    t, (s0, s1, s2) = klass["teacher"], klass["students"]
    sid = klass["session_id"]
    att_sheet.toggle(db.uow(), Actor.telegram(t.id), sid, s0.id)  # as the bot's button does
    token = issue(db, t.id, sid)
    deps = make_deps(db)
    async with client(deps) as http:
        page = await http.get(sheet_path(token))
        shown = checked_marks(page.text)
        assert shown == {s0.id: "absent", s1.id: "present", s2.id: "excused"}
        done = await http.post(sheet_path(token), data=form(token, shown), headers=SAME_ORIGIN)
        assert done.status_code == 200
        # the bot's Submit afterwards changes nothing and tells nobody again
        again = att_sheet.submit(db.uow(), Actor.telegram(t.id), sid)
        assert not again.changed
        late_link = issue(db, t.id, sid)
        late = await http.post(sheet_path(late_link), data=form(late_link, shown), headers=SAME_ORIGIN)
        assert_refusal(late, 409, "submitted already")
        assert not consumed(db, late_link)
    assert records(db, sid) == {s0.id: (Mark.ABSENT, "telegram", t.id),  # unchanged by the same web mark
                                s1.id: (Mark.PRESENT, "web", t.id), s2.id: (Mark.EXCUSED, "telegram", s2.id)}
    p0, p1 = klass["parents"]
    assert absence_notices(db) == sorted([(p0.id, s0.id), (p1.id, s0.id)])  # one per parent, none for s1


# --- Chromium ---------------------------------------------------------------------------------

def test_take_attendance_in_chromium(db, klass, browser, served):
    from playwright.sync_api import expect

    t, (s0, s1, s2) = klass["teacher"], klass["students"]
    sid = klass["session_id"]
    token = issue(db, t.id, sid)
    base, _deps = served
    page = new_page(browser, 420, 900)
    try:
        page.goto(f"{base}{sheet_path(token)}")
        expect(page.locator("h1")).to_have_text("Physics 10")
        expect(page.locator(f"#student-{s2.id} .excuse")).to_contain_text("Dentist appointment")
        page.locator(f"#student-{s1.id}").get_by_text("Absent", exact=True).click()
        expect(page.locator(f"#m-{s1.id}-absent")).to_be_checked()
        expect(page.locator(".counts-line")).to_contain_text("1 absent")
        # the sheet's own styles apply (allowed by their hash in the CSP)
        colour = page.locator(f"label[for=m-{s1.id}-absent]").evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(255, 255, 255)"
        expect(page.get_by_role("button", name="All present")).to_be_visible()
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.get_by_role("button", name="Submit attendance").click()
        expect(page.locator("#done h1")).to_have_text("Attendance submitted")
        expect(page.locator("#count-absent")).to_have_text("1")
        expect(page.locator("#count-present")).to_have_text("1")
        expect(page.locator("#count-excused")).to_have_text("1")
        assert page.console_errors == []  # no CSP violations, no script errors
    finally:
        page.context.close()
    assert records(db, sid) == {s0.id: (Mark.PRESENT, "web", t.id), s1.id: (Mark.ABSENT, "web", t.id),
                                s2.id: (Mark.EXCUSED, "telegram", s2.id)}
    assert consumed(db, token) and status_of(db, sid) == SessionStatus.SUBMITTED
