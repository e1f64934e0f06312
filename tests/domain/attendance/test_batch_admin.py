"""Setting classes up: batches, weekly slots, enrolments and who may change them; each bad input is
refused with the field it concerns; every change audited; the scheduler makes no class that has ended."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batch_detail, batches, rosters, schedule
from domain.errors import Forbidden, InvalidField, NotFound
from domain.models import AuditEntry, ClassSession, Enrolment, Role, SessionStatus
from scheduler.jobs import JobContext
from scheduler.jobs import ensure_sessions as ensure_job

TZ = "Europe/London"
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Mon 2 Nov 2026, 09:00 London


class World:
    def __init__(self, db, make_person, clock):
        clock.set(MONDAY)
        self.db = db
        self.admin = make_person(Role.ADMIN, "Ada Admin")
        self.tess = make_person(Role.TEACHER, "Tess Teacher")
        self.theo = make_person(Role.TEACHER, "Theo Teacher")
        self.amir = make_person(Role.STUDENT, "Amir Ahmed")
        self.bea = make_person(Role.STUDENT, "Bea Brown")
        self.pat = make_person(Role.PARENT, "Pat Parent")
        self.batch = batches.create_batch(db.uow(), self.web("admin"), name="Physics 10", subject="Physics",
                                          level="Year 10", teacher_ids=[self.tess.id], grace_minutes=15)

    def web(self, who: str) -> Actor:
        return Actor.web(getattr(self, who).id, "127.0.0.1")

    def audits(self, action: str) -> list[AuditEntry]:
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def w(db, make_person, clock):
    return World(db, make_person, clock)


def refused(field: str, fn, *args, **kwargs) -> str:
    with pytest.raises(InvalidField) as err:
        fn(*args, **kwargs)
    assert err.value.field == field, err.value.message
    return err.value.message


def test_create_edit_deactivate_a_batch_audited(db, w):
    detail = batch_detail.batch_detail(db.uow(readonly=True), w.web("admin"), w.batch.id, TZ)
    assert (detail.name, detail.subject, detail.level, detail.grace_minutes) == ("Physics 10", "Physics",
                                                                                 "Year 10", 15)
    assert detail.teachers == ("Tess Teacher",) and detail.can_edit
    batches.update_batch(db.uow(), w.web("admin"), w.batch.id, name="Physics 10A", subject="Physics",
                         level="Year 10", teacher_ids=[w.tess.id, w.theo.id], grace_minutes=None)
    detail = batch_detail.batch_detail(db.uow(readonly=True), w.web("admin"), w.batch.id, TZ)
    assert detail.name == "Physics 10A" and detail.grace_minutes is None and detail.default_grace == 10
    assert detail.teachers == ("Tess Teacher", "Theo Teacher")
    [entry] = w.audits("batch.update")
    assert set(entry.details["changed"]) == {"name", "grace_minutes", "teachers"}
    batches.deactivate_batch(db.uow(), w.web("admin"), w.batch.id)
    assert not batch_detail.batch_detail(db.uow(readonly=True), w.web("admin"), w.batch.id, TZ).active
    assert len(w.audits("batch.create")) == 1 and len(w.audits("batch.deactivate")) == 1


def test_bad_batch_input_names_the_field(db, w):
    admin = w.web("admin")
    assert "already exists" in refused("name", batches.create_batch, db.uow(), admin, name=" Physics  10 ")
    refused("name", batches.create_batch, db.uow(), admin, name="   ")
    refused("grace_minutes", batches.create_batch, db.uow(), admin, name="Art", grace_minutes=-1)
    refused("teacher_ids", batches.create_batch, db.uow(), admin, name="Art", teacher_ids=[w.amir.id])
    with pytest.raises(Forbidden):
        batches.create_batch(db.uow(), w.web("tess"), name="Art")


def test_slots_add_edit_remove_and_the_next_classes(db, w):
    admin = w.web("admin")
    slot = batches.add_slot(db.uow(), admin, w.batch.id, weekday=0, start="16:00", duration_minutes=60, tz=TZ)
    batches.add_slot(db.uow(), admin, w.batch.id, weekday=2, start="17:00", duration_minutes=45, tz=TZ)
    detail = batch_detail.batch_detail(db.uow(readonly=True), admin, w.batch.id, TZ)
    assert [(s.weekday, f"{s.start:%H:%M}", s.duration_minutes) for s in detail.slots] == [
        (0, "16:00", 60), (2, "17:00", 45)]
    assert [(c.on_date, c.status) for c in detail.next_classes[:3]] == [
        (date(2026, 11, 2), "scheduled"), (date(2026, 11, 4), "scheduled"), (date(2026, 11, 9), "scheduled")]
    batches.edit_slot(db.uow(), admin, w.batch.id, slot.id, weekday=1, start="15:30", duration_minutes=60, tz=TZ)
    with db.uow(readonly=True) as uow:  # the Monday class made from the old time is gone, Tuesday's is made
        days = sorted(uow.session.scalars(select(ClassSession.on_date).where(ClassSession.slot_id == slot.id)))
    assert days[0] == date(2026, 11, 3)
    batches.remove_slot(db.uow(), admin, w.batch.id, slot.id)
    detail = batch_detail.batch_detail(db.uow(readonly=True), admin, w.batch.id, TZ)
    assert [s.weekday for s in detail.slots] == [2]
    with db.uow(readonly=True) as uow:
        assert list(uow.session.scalars(select(ClassSession.id).where(ClassSession.slot_id == slot.id))) == []
    assert [len(w.audits(a)) for a in ("batch.add_slot", "batch.edit_slot", "batch.remove_slot")] == [2, 1, 1]
    with pytest.raises(NotFound):
        batches.remove_slot(db.uow(), admin, w.batch.id, slot.id)


def test_bad_slots_name_the_field(db, w):
    admin = w.web("admin")
    batches.add_slot(db.uow(), admin, w.batch.id, weekday=0, start="16:00", duration_minutes=60)
    add = batches.add_slot
    assert "overlaps" in refused("start", add, db.uow(), admin, w.batch.id, weekday=0, start="16:30",
                                 duration_minutes=60)
    assert "HH:MM" in refused("start", add, db.uow(), admin, w.batch.id, weekday=1, start="25:00",
                              duration_minutes=60)
    refused("duration_minutes", add, db.uow(), admin, w.batch.id, weekday=1, start="10:00", duration_minutes=0)
    refused("duration_minutes", add, db.uow(), admin, w.batch.id, weekday=1, start="23:30", duration_minutes=60)
    refused("weekday", add, db.uow(), admin, w.batch.id, weekday=7, start="10:00", duration_minutes=60)
    add(db.uow(), admin, w.batch.id, weekday=0, start="17:00", duration_minutes=30)  # back to back is fine
    batches.deactivate_batch(db.uow(), admin, w.batch.id)
    refused("batch_id", add, db.uow(), admin, w.batch.id, weekday=3, start="10:00", duration_minutes=60)


def test_enrol_unenrol_keeps_history_and_teachers_manage_their_own(db, w):
    tess = w.web("tess")
    rosters.enrol(db.uow(), tess, w.batch.id, w.amir.id, date(2026, 10, 1))
    rosters.enrol(db.uow(), w.web("admin"), w.batch.id, w.bea.id, date(2026, 10, 5))
    rosters.unenrol(db.uow(), tess, w.batch.id, w.amir.id, date(2026, 11, 1))
    detail = batch_detail.batch_detail(db.uow(readonly=True), tess, w.batch.id, TZ)
    assert [r.name for r in detail.current] == ["Bea Brown"] and not detail.can_edit
    assert [(r.name, r.left_on) for r in detail.former] == [("Amir Ahmed", date(2026, 11, 1))]
    assert "Amir Ahmed" in [n for _, n in detail.students] and detail.staff == ()
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Enrolment, (w.batch.id, w.amir.id)).enrolled_on == date(2026, 10, 1)
    rosters.enrol(db.uow(), tess, w.batch.id, w.amir.id, date(2026, 11, 9))  # came back
    assert [len(w.audits(a)) for a in ("batch.enrol", "batch.unenrol")] == [3, 1]
    with pytest.raises(Forbidden):
        rosters.enrol(db.uow(), w.web("theo"), w.batch.id, w.bea.id, date(2026, 10, 1))
    with pytest.raises(NotFound):
        batch_detail.batch_detail(db.uow(readonly=True), w.web("theo"), w.batch.id, TZ)


def test_bad_enrolments_name_the_field(db, w):
    admin, day = w.web("admin"), date(2026, 10, 1)
    rosters.enrol(db.uow(), admin, w.batch.id, w.amir.id, day)
    assert "already enrolled" in refused("student_id", rosters.enrol, db.uow(), admin, w.batch.id, w.amir.id, day)
    refused("student_id", rosters.enrol, db.uow(), admin, w.batch.id, 999_999, day)  # an unknown student
    refused("student_id", rosters.enrol, db.uow(), admin, w.batch.id, w.pat.id, day)  # not a student
    refused("left_on", rosters.unenrol, db.uow(), admin, w.batch.id, w.amir.id, date(2026, 9, 1))
    refused("student_id", rosters.unenrol, db.uow(), admin, w.batch.id, w.bea.id, day)
    batches.deactivate_batch(db.uow(), admin, w.batch.id)
    assert "inactive" in refused("batch_id", rosters.enrol, db.uow(), admin, w.batch.id, w.bea.id, day)


def test_the_scheduler_makes_no_class_that_ended_before_its_slot_was_added(db, w, clock, tmp_path):
    clock.set(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))  # Monday 18:00 London: 10:00 is over, 19:00 to come
    admin = w.web("admin")
    batches.add_slot(db.uow(), admin, w.batch.id, weekday=0, start="10:00", duration_minutes=60)
    batches.add_slot(db.uow(), admin, w.batch.id, weekday=0, start="19:00", duration_minutes=60)
    ensure_job(JobContext(db, TZ, tmp_path))
    with db.uow(readonly=True) as uow:
        made = sorted((c.on_date, f"{c.starts_at.astimezone(UTC):%H:%M}") for c in uow.session.scalars(
            select(ClassSession).where(ClassSession.status == SessionStatus.SCHEDULED)))
    assert made[:2] == [(date(2026, 11, 2), "19:00"), (date(2026, 11, 9), "10:00")]
    assert schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ) == 2  # explicit: both
