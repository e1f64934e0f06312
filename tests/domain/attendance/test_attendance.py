"""Attendance in the domain: sessions from schedules (DST included), lifecycle, sheet, pipeline."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches, pipeline, queries, schedule
from domain.attendance import sheet as att_sheet
from domain.auth import services as auth
from domain.errors import Forbidden, IllegalTransition, NotFound
from domain.inbox import services as inbox
from domain.models import (
    AttendanceRecord,
    ClassSession,
    Mark,
    Notification,
    PendingAction,
    Role,
    RuleConfig,
    SessionStatus,
)
from tests.auxil.databases import count
from tests.factories import physics_class

SYSTEM = Actor.system()
TZ = "Europe/London"


@pytest.fixture
def klass(db, make_person):
    """A batch on Mondays 16:00-17:00 London time, a teacher, three students, two parents."""
    return physics_class(db, make_person, [f"Student {n}" for n in range(3)])


def session_on(db, day: date) -> ClassSession:
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(ClassSession).where(ClassSession.on_date == day)).one()


def test_sessions_follow_local_time_across_a_daylight_saving_change(db, klass):
    # The UK leaves summer time on Sunday 25 October 2026: 16:00 local is 15:00 UTC before, 16:00 after.
    schedule.ensure_sessions(db.uow(), date(2026, 10, 19), date(2026, 11, 2), TZ)
    schedule.ensure_sessions(db.uow(), date(2026, 10, 19), date(2026, 11, 2), TZ)  # idempotent
    assert count(db, ClassSession) == 3
    assert session_on(db, date(2026, 10, 19)).starts_at == datetime(2026, 10, 19, 15, 0, tzinfo=UTC)
    assert session_on(db, date(2026, 10, 26)).starts_at == datetime(2026, 10, 26, 16, 0, tzinfo=UTC)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), "Asia/Kolkata")
    assert session_on(db, date(2026, 11, 2)).starts_at.time() == time(16, 0)  # first one wins


def test_concurrent_creation_makes_one_session(db, klass):
    barrier = threading.Barrier(4)
    errors = []

    def make() -> None:
        barrier.wait()
        try:
            schedule.ensure_sessions(db.uow(), date(2026, 11, 9), date(2026, 11, 9), TZ)
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and count(db, ClassSession) == 1


def test_lifecycle_open_submit_close_and_refusals(db, klass, clock):
    t, (s0, s1, s2) = klass["teacher"], klass["students"]
    me = Actor.telegram(t.id)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    cs = session_on(db, date(2026, 11, 2))
    clock.set(datetime(2026, 11, 2, 15, 40, tzinfo=UTC))
    assert schedule.open_due(db.uow()) == []  # opens 15 minutes before
    clock.set(datetime(2026, 11, 2, 15, 46, tzinfo=UTC))
    assert schedule.open_due(db.uow()) == [cs.id]
    assert schedule.open_due(db.uow()) == []
    assert count(db, Notification, Notification.kind == "attendance_sheet") == 1

    with pytest.raises(Forbidden):
        att_sheet.toggle(db.uow(), Actor.telegram(s0.id), cs.id, s1.id)
    sheet = att_sheet.toggle(db.uow(), me, cs.id, s1.id)
    assert {r.student_id: r.mark for r in sheet.rows}[s1.id] == Mark.ABSENT
    result = att_sheet.submit(db.uow(), me, cs.id)
    assert result.changed and result.sheet.counts()["absent"] == 1 and result.sheet.counts()["present"] == 2
    again = att_sheet.submit(db.uow(), me, cs.id)
    assert not again.changed and again.message.startswith("Already submitted")
    with pytest.raises(IllegalTransition, match="window closed"):
        att_sheet.toggle(db.uow(), me, cs.id, s2.id)

    # Parents of the absentee (one parent) are told exactly once.
    absence = count(db, Notification, Notification.kind == "absence")
    assert absence == 1
    with db.uow() as uow:
        pipeline.post_class(uow.session, uow.session.get(ClassSession, cs.id), uow.now)
        uow.commit()
    assert count(db, Notification, Notification.kind == "absence") == 1

    clock.set(datetime(2026, 11, 2, 17, 11, tzinfo=UTC))
    assert pipeline.auto_close(db.uow()) == {"closed": 1, "missed": 0}
    with pytest.raises(IllegalTransition, match=r"Attendance window closed for this class\."):
        att_sheet.submit(db.uow(), me, cs.id)


def test_missed_session_raises_an_inbox_item_and_nags_first(db, klass, clock):
    t = klass["teacher"]
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    clock.set(datetime(2026, 11, 2, 15, 50, tzinfo=UTC))
    schedule.open_due(db.uow())
    clock.set(datetime(2026, 11, 2, 16, 21, tzinfo=UTC))
    assert pipeline.nag_late(db.uow()) == 1 and pipeline.nag_late(db.uow()) == 0
    clock.set(datetime(2026, 11, 2, 17, 5, tzinfo=UTC))  # within grace
    assert pipeline.auto_close(db.uow()) == {"closed": 0, "missed": 0}
    clock.set(datetime(2026, 11, 2, 17, 10, tzinfo=UTC))
    assert pipeline.auto_close(db.uow()) == {"closed": 0, "missed": 1}
    # The sheet message sent when the class opened is mended (an edit through the outbox), once.
    assert count(db, Notification, Notification.kind == "attendance_sheet_done",
                 Notification.recipient_id == t.id) == 1
    assert pipeline.auto_close(db.uow()) == {"closed": 0, "missed": 0}
    assert count(db, Notification, Notification.kind == "attendance_sheet_done") == 1
    items = inbox.open_actions(db.uow(), Actor.telegram(t.id))
    assert [i.kind for i in items] == ["missed_session"] and isinstance(items[0], inbox.InboxItem)
    assert inbox.action_info(db.uow(), items[0].id) == items[0]
    done = inbox.resolve_action(db.uow(), Actor.telegram(t.id), items[0].id, "reviewed", "was ill")
    assert (done.id, done.status.value, done.resolution, done.note) == (items[0].id, "resolved", "reviewed", "was ill")
    assert inbox.open_actions(db.uow(), Actor.telegram(t.id)) == []


def test_absence_streak_and_enrolment_date(db, klass, clock, make_person):
    t, (s0, s1, _s2) = klass["teacher"], klass["students"]
    me = Actor.telegram(t.id)
    late = make_person(Role.STUDENT, "Late Joiner")
    batches.enrol(db.uow(), SYSTEM, klass["batch"].id, late.id, date(2026, 11, 10))
    days = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    schedule.ensure_sessions(db.uow(), days[0], days[-1], TZ)
    for day in days:
        cs = session_on(db, day)
        clock.set(datetime.combine(day, time(15, 55), UTC))
        schedule.open_due(db.uow())
        marks = {s0.id: Mark.ABSENT}
        sheet = att_sheet.sheet(db.uow(), me, cs.id)
        assert (late.id in {r.student_id for r in sheet.rows}) == (day >= date(2026, 11, 10))
        att_sheet.submit(db.uow(), me, cs.id, marks)
    streaks = count(db, PendingAction, PendingAction.kind == "absence_streak")
    assert streaks == 1
    assert count(db, PendingAction, PendingAction.kind == "absence_streak", PendingAction.student_id == s1.id) == 0
    assert count(db, AttendanceRecord, AttendanceRecord.student_id == late.id) == 1


def test_parents_excuse_in_advance_and_admin_reopens(db, klass, clock, make_person):
    t, (s0, s1, _s2) = klass["teacher"], klass["students"]
    p0, p1 = klass["parents"]
    admin = make_person(Role.ADMIN)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 9), date(2026, 11, 9), TZ)
    cs = session_on(db, date(2026, 11, 9))
    with pytest.raises(Forbidden):
        att_sheet.mark_absence_in_advance(db.uow(), Actor.telegram(p0.id), cs.id, s1.id, "dentist")
    att_sheet.mark_absence_in_advance(db.uow(), Actor.telegram(p1.id), cs.id, s1.id, "dentist")
    clock.set(datetime(2026, 11, 9, 15, 50, tzinfo=UTC))
    schedule.open_due(db.uow())
    sheet = att_sheet.sheet(db.uow(), Actor.telegram(t.id), cs.id)
    assert {r.student_id: (r.mark, r.note) for r in sheet.rows}[s1.id] == (Mark.EXCUSED, "dentist")
    att_sheet.submit(db.uow(), Actor.telegram(t.id), cs.id)
    with pytest.raises(Forbidden):
        att_sheet.reopen(db.uow(), Actor.telegram(t.id), cs.id, "typo")
    att_sheet.reopen(db.uow(), Actor.telegram(admin.id), cs.id, "wrong student marked")
    att_sheet.toggle(db.uow(), Actor.telegram(t.id), cs.id, s0.id)
    assert count(db, Notification, Notification.kind == "absence") == 0
    assert att_sheet.submit(db.uow(), Actor.telegram(t.id), cs.id).changed
    assert count(db, Notification, Notification.kind == "absence") == 2  # both of Student 0's parents
    att_sheet.reopen(db.uow(), Actor.telegram(admin.id), cs.id, "check again")
    att_sheet.submit(db.uow(), Actor.telegram(t.id), cs.id)
    assert count(db, Notification, Notification.kind == "absence") == 2  # nothing sent twice


def test_reports_percentages_calendar_csv_and_who_sees_what(db, klass, clock, make_person):
    from domain.attendance import reports

    t, (s0, s1, _s2) = klass["teacher"], klass["students"]
    p0 = klass["parents"][0]
    me = Actor.telegram(t.id)
    days = [date(2026, 11, 2), date(2026, 11, 9)]
    schedule.ensure_sessions(db.uow(), days[0], days[-1], TZ)
    for day, marks in zip(days, [{s0.id: Mark.ABSENT}, {s0.id: Mark.LATE, s1.id: Mark.EXCUSED}], strict=True):
        clock.set(datetime.combine(day, time(15, 55), UTC))
        schedule.open_due(db.uow())
        att_sheet.submit(db.uow(), me, session_on(db, day).id, marks)
    lines = {line.name: line for line in reports.student_lines(db.uow(), me, days[0], days[-1])}
    assert lines["Student 0"].percent == 50.0 and lines["Student 1"].percent == 100.0  # late counts as attended
    with db.uow() as uow:  # unless the batch says otherwise
        uow.session.add(RuleConfig(scope=f"batch:{klass['batch'].id}", key="attendance.late_counts_present",
                                   value={"value": False}, updated_at=uow.now))
        uow.commit()
    lines = {line.name: line for line in reports.student_lines(db.uow(), me, days[0], days[-1])}
    assert lines["Student 0"].percent == 0.0 and lines["Student 1"].percent == 100.0
    assert lines["Student 1"].excused == 1 and lines["Student 2"].percent == 100.0
    parent_view = reports.student_lines(db.uow(), Actor.telegram(p0.id), days[0], days[-1])
    assert [line.name for line in parent_view] == ["Student 0"]
    student_view = reports.student_lines(db.uow(), Actor.telegram(s1.id), days[0], days[-1])
    assert [line.name for line in student_view] == ["Student 1"]
    csv_text = reports.to_csv(list(lines.values()))
    assert csv_text.splitlines()[0].startswith("student_id,student,batch,present")
    calendar = reports.student_calendar(db.uow(), Actor.telegram(p0.id), s0.id, days[0], days[-1])
    assert [(c.on_date, c.mark) for c in calendar] == [(days[0], "absent"), (days[1], "late")]
    with pytest.raises(Forbidden):
        reports.student_calendar(db.uow(), Actor.telegram(p0.id), s1.id, days[0], days[-1])


def test_a_reopened_class_stays_open_an_hour_then_closes_with_its_marks(db, klass, clock, make_person):
    t, (s0, _s1, _s2) = klass["teacher"], klass["students"]
    admin = make_person(Role.ADMIN)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    cs = session_on(db, date(2026, 11, 2))
    clock.set(datetime(2026, 11, 2, 15, 50, tzinfo=UTC))
    schedule.open_due(db.uow())
    att_sheet.submit(db.uow(), Actor.telegram(t.id), cs.id)
    clock.set(datetime(2026, 11, 2, 19, 0, tzinfo=UTC))
    assert pipeline.auto_close(db.uow()) == {"closed": 1, "missed": 0}
    att_sheet.reopen(db.uow(), Actor.telegram(admin.id), cs.id, "Student 0 was there after all? check")
    att_sheet.toggle(db.uow(), Actor.telegram(t.id), cs.id, s0.id)  # a teacher's mark, not submitted yet
    clock.advance(minutes=30)
    assert pipeline.auto_close(db.uow()) == {"closed": 0, "missed": 0}  # within the reopen window
    clock.advance(minutes=41)
    assert pipeline.auto_close(db.uow()) == {"closed": 1, "missed": 0}  # marks exist: closed, not missed
    assert count(db, Notification, Notification.kind == "absence") == 2  # both parents of the new absentee


def test_a_student_cannot_overwrite_the_teachers_mark(db, klass, clock):
    t, (s0, _s1, _s2) = klass["teacher"], klass["students"]
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    cs = session_on(db, date(2026, 11, 2))
    clock.set(datetime(2026, 11, 2, 15, 50, tzinfo=UTC))
    schedule.open_due(db.uow())
    att_sheet.toggle(db.uow(), Actor.telegram(t.id), cs.id, s0.id)  # absent
    with pytest.raises(IllegalTransition, match="already taken attendance"):
        att_sheet.mark_absence_in_advance(db.uow(), Actor.telegram(s0.id), cs.id, s0.id, "I was here")


# --- the classes of a day: one read-only query for bot and web --------------------------------

def test_classes_of_day_plans_from_the_schedule_and_writes_nothing(db, klass, clock, make_person):
    t, admin = klass["teacher"], make_person(Role.ADMIN, "Ada Admin")
    other = make_person(Role.TEACHER, "Otto Other")
    art = batches.create_batch(db.uow(), SYSTEM, name="Art 7", teacher_ids=[other.id])
    batches.add_slot(db.uow(), SYSTEM, art.id, weekday=0, start="10:00", duration_minutes=45)
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))  # Monday 2 Nov, 09:00 London
    me = Actor.telegram(t.id)
    day = queries.classes_of_day(db.uow(readonly=True), me, None, TZ)
    assert (day.day, day.today, day.window_days) == (date(2026, 11, 2), date(2026, 11, 2), 7)
    assert [b.name for b in day.batches] == ["Physics 10"]
    (row,) = day.rows
    assert (row.id, row.batch_name, row.status, row.starts_at) == (
        None, "Physics 10", SessionStatus.SCHEDULED, datetime(2026, 11, 2, 16, 0, tzinfo=UTC))
    assert count(db, ClassSession) == 0  # looking writes nothing
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.status = SessionStatus.OPEN  # type: ignore[misc]

    everyone = queries.classes_of_day(db.uow(readonly=True), Actor.web(admin.id, None), date(2026, 11, 2), TZ)
    assert [r.batch_name for r in everyone.rows] == ["Art 7", "Physics 10"]
    only_art = queries.classes_of_day(db.uow(readonly=True), Actor.web(admin.id, None), None, TZ, batch_id=art.id)
    assert [r.batch_name for r in only_art.rows] == ["Art 7"]
    with pytest.raises(Forbidden, match="not one of yours"):
        queries.classes_of_day(db.uow(readonly=True), me, None, TZ, batch_id=art.id)
    with pytest.raises(NotFound):
        queries.classes_of_day(db.uow(readonly=True), Actor.web(admin.id, None), None, TZ, batch_id=9999)
    with pytest.raises(Forbidden):
        queries.classes_of_day(db.uow(readonly=True), Actor.telegram(klass["students"][0].id), None, TZ)

    # Made rows (the scheduler's) and planned ones mix; the past is never planned; the bot's window clamps.
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ, klass["batch"].id)
    made = session_on(db, date(2026, 11, 2))
    rows = queries.classes_of_day(db.uow(readonly=True), Actor.web(admin.id, None), None, TZ).rows
    assert [(r.batch_name, r.id) for r in rows] == [("Art 7", None), ("Physics 10", made.id)]
    assert queries.classes_of_day(db.uow(readonly=True), me, date(2026, 10, 26), TZ).rows == ()
    far = queries.classes_of_day(db.uow(readonly=True), me, date(2026, 11, 30), TZ)
    assert far.day == date(2026, 11, 30) and len(far.rows) == 1  # the console looks a month ahead
    assert queries.classes_of_day(db.uow(readonly=True), me, date(2026, 12, 7), TZ).rows == ()
    clamped = queries.classes_of_day(db.uow(readonly=True), me, date(2026, 11, 30), TZ, clamp_to_window=True)
    assert clamped.day == date(2026, 11, 2)
    assert count(db, ClassSession) == 1


def test_ensure_session_makes_one_row_for_the_batchs_teachers_only(db, klass, clock, make_person):
    t = klass["teacher"]
    slot = batches.add_slot(db.uow(), SYSTEM, klass["batch"].id, weekday=2, start="09:30", duration_minutes=30)
    assert (slot.weekday, slot.start_time, slot.duration_minutes) == (2, time(9, 30), 30)
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    stranger = make_person(Role.TEACHER, "Sam Stranger")
    with pytest.raises(Forbidden):
        schedule.ensure_session(db.uow(), Actor.web(stranger.id, None), slot_id=slot.id, on=date(2026, 11, 4), tz=TZ)
    with pytest.raises(NotFound):  # not that slot's weekday
        schedule.ensure_session(db.uow(), Actor.web(t.id, None), slot_id=slot.id, on=date(2026, 11, 3), tz=TZ)
    with pytest.raises(NotFound):  # the past is left as the scheduler made it
        schedule.ensure_session(db.uow(), Actor.web(t.id, None), slot_id=slot.id, on=date(2026, 10, 28), tz=TZ)
    assert count(db, ClassSession) == 0
    made = schedule.ensure_session(db.uow(), Actor.web(t.id, None), slot_id=slot.id, on=date(2026, 11, 4), tz=TZ)
    assert schedule.ensure_session(db.uow(), Actor.web(t.id, None), slot_id=slot.id, on=date(2026, 11, 4), tz=TZ) == made
    cs = session_on(db, date(2026, 11, 4))
    assert (cs.id, cs.starts_at, cs.status) == (made, datetime(2026, 11, 4, 9, 30, tzinfo=UTC),
                                                SessionStatus.SCHEDULED)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 8), TZ)  # the scheduler agrees
    assert count(db, ClassSession) == 2


def test_the_link_sheet_submits_and_uses_the_token_in_one_transaction(db, klass, clock):
    t, (s0, _s1, _s2) = klass["teacher"], klass["students"]
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    cs = session_on(db, date(2026, 11, 2))
    clock.set(datetime(2026, 11, 2, 15, 50, tzinfo=UTC))
    schedule.open_due(db.uow())
    token = auth.issue_one_time(db.uow(), purpose=auth.ATTENDANCE, person_id=t.id, ttl=timedelta(hours=2),
                                object_id=cs.id)
    assert att_sheet.sheet_by_link(db.uow(readonly=True), token, None).session_id == cs.id  # peeking is free
    att_sheet.submit(db.uow(), Actor.telegram(t.id), cs.id)  # submitted in Telegram meanwhile
    with pytest.raises(IllegalTransition, match="submitted already"):
        att_sheet.submit_with_link(db.uow(), token, "203.0.113.9", {s0.id: Mark.ABSENT})
    auth.peek_one_time(db.uow(), purpose=auth.ATTENDANCE, token=token)  # the refusal left the link unused
    with db.uow() as uow:  # reopened by an admin: the same link now submits
        uow.session.get(ClassSession, cs.id).status = SessionStatus.OPEN
        uow.commit()
    done = att_sheet.submit_with_link(db.uow(), token, "203.0.113.9", {s0.id: Mark.ABSENT})
    assert done.changed and done.sheet.counts()["absent"] == 1
    with pytest.raises(auth.TokenUsed):
        att_sheet.submit_with_link(db.uow(), token, None, {})
    clock.set(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    with pytest.raises(auth.TokenUsed):  # used beats expired, as the page says
        att_sheet.sheet_by_link(db.uow(readonly=True), token, None)
    with pytest.raises(auth.TokenInvalid):
        att_sheet.sheet_by_link(db.uow(readonly=True), "forged", None)
