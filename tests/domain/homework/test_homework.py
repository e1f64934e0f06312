"""Homework on both databases: a batch is the recipient (the students enrolled on the day it is set), late
hand-ins are flagged, only a batch's teachers and admins set and review, the review comment reaches the
student through the outbox, reminders go only to students with nothing handed in, and the briefs and the
read functions for other features say the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.homework import queries, reminders, services
from domain.homework.rows import HomeworkSpec
from domain.models import AuditEntry, HomeworkFile, Notification, Person, Role
from domain.perms import services as perms
from domain.reminders import briefs
from domain.tickets.rows import AttachmentIn
from tests.factories import physics_class

SYSTEM = Actor.system()


@dataclass
class School:
    db: object
    clock: object
    teacher: Person
    other_teacher: Person
    admin: Person
    students: list[Person]  # Ann and Ben, enrolled since October
    late_joiner: Person  # enrolled from tomorrow
    leaver: Person  # left today
    batch_id: int

    def set(self, who: Person | None = None, hours: float = 24, **kw) -> int:
        spec = HomeworkSpec(batch_id=kw.pop("batch_id", self.batch_id), title=kw.pop("title", "Forces worksheet"),
                            due_at=self.clock.now() + timedelta(hours=hours), **kw)
        return services.assign(self.db.uow(), Actor.telegram((who or self.teacher).id), spec).homework_id

    def outbox(self, kind: str) -> list[tuple[int, dict]]:
        with self.db.uow(readonly=True) as uow:
            return [(r, d) for r, d in uow.session.execute(select(Notification.recipient_id, Notification.data)
                                                            .where(Notification.kind == kind).order_by(Notification.id))]

    def item_of(self, homework_id: int, student: Person) -> int:
        detail = queries.homework_detail(self.db.uow(readonly=True), Actor.telegram(self.teacher.id), homework_id)
        return next(i.id for i in detail.items if i.student_id == student.id)


@pytest.fixture
def school(db, make_person, clock) -> School:
    made = physics_class(db, make_person, ["Ann Student", "Ben Student", "Cat Later", "Dan Leaver"])
    batch_id = made["batch"].id
    *students, later, leaver = made["students"]
    batches.unenrol(db.uow(), SYSTEM, batch_id, later.id, date(2026, 10, 1))
    batches.enrol(db.uow(), SYSTEM, batch_id, later.id, date(2026, 11, 3))  # from tomorrow
    batches.unenrol(db.uow(), SYSTEM, batch_id, leaver.id, date(2026, 11, 2))  # gone from today
    other = make_person(Role.TEACHER, "Otto Other")
    batches.create_batch(db.uow(), SYSTEM, name="Art 7", teacher_ids=[other.id])
    return School(db, clock, made["teacher"], other, make_person(Role.ADMIN, "Ada Admin"), students, later, leaver,
                  batch_id)


def test_a_batch_gets_one_item_per_student_enrolled_on_the_day(school):
    photo = AttachmentIn("photo", "file-1", "u-1", "ab/" + "0" * 32 + ".jpg", "sheet.jpg", "image/jpeg", 1000)
    hid = school.set(description="Questions 1-5.\n" + "Show your working. " * 200, attachments=[photo])
    told = school.outbox("homework_set")
    assert sorted(r for r, _ in told) == sorted(s.id for s in school.students)  # not the late joiner nor the leaver
    data = told[0][1]
    assert data["title"] == "Forces worksheet" and data["batch"] == "Physics 10" and data["files"] == 1
    assert len(data["description"]) <= 300 and data["description"].endswith("…")  # shortened in the summary
    [summary] = queries.list_homework(school.db.uow(readonly=True), Actor.telegram(school.teacher.id))
    assert (summary.id, summary.counts_text, summary.files) == (hid, "0 of 2 handed in", 1)
    with school.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(AuditEntry.object_id).where(AuditEntry.action == "homework.assign")) == str(hid)
        assert uow.session.scalar(select(HomeworkFile.telegram_file_id)) == "file-1"


def test_only_the_batch_teachers_and_admins_set_and_review(school):
    with pytest.raises(Forbidden):
        school.set(who=school.other_teacher)
    with pytest.raises(Forbidden):
        school.set(who=school.students[0])
    with pytest.raises(InvalidInput):
        school.set(hours=-1)  # due in the past
    hid = school.set(who=school.admin)  # admins: any batch
    assert queries.batch_choices(school.db.uow(readonly=True), Actor.telegram(school.other_teacher.id))[0][1] == "Art 7"
    ann = school.item_of(hid, school.students[0])
    with pytest.raises(NotFound):  # Ben cannot hand in Ann's
        services.hand_in(school.db.uow(), Actor.telegram(school.students[1].id), ann, "mine now")
    services.hand_in(school.db.uow(), Actor.telegram(school.students[0].id), ann, "done")
    with pytest.raises(Forbidden):
        services.review(school.db.uow(), Actor.telegram(school.other_teacher.id), ann, "Nice")
    with pytest.raises(NotFound):
        queries.homework_detail(school.db.uow(readonly=True), Actor.telegram(school.other_teacher.id), hid)
    # A teacher whose homework.assign is revoked no longer sets homework for their own batch.
    perms.set_permission(school.db.uow(), SYSTEM, school.teacher.id, "homework.assign", "revoke")
    with pytest.raises(Forbidden):
        school.set()


def test_late_hand_ins_are_flagged_and_the_review_comment_reaches_the_student(school):
    ann, ben = school.students
    hid = school.set(hours=2)
    ann_item, ben_item = school.item_of(hid, ann), school.item_of(hid, ben)
    photo = AttachmentIn("photo", "ann-photo", "ann-u", None, "work.jpg")
    on_time = services.hand_in(school.db.uow(), Actor.telegram(ann.id), ann_item, "My answers", [photo])
    assert on_time.changed and not on_time.late
    again = services.hand_in(school.db.uow(), Actor.telegram(ann.id), ann_item)
    assert not again.changed  # two presses make one hand-in
    with pytest.raises(InvalidInput):  # nothing to review yet
        services.review(school.db.uow(), Actor.telegram(school.teacher.id), ben_item, "?")
    school.clock.advance(hours=3)
    late = services.hand_in(school.db.uow(), Actor.telegram(ben.id), ben_item)  # "Mark done", after the due time
    assert late.changed and late.late and "late" in late.message
    handed = school.outbox("homework_handed_in")
    assert [(r, d["student"], d["late"], d["files"]) for r, d in handed] == [
        (school.teacher.id, "Ann Student", False, 1), (school.teacher.id, "Ben Student", True, 0)]

    reviewed = services.review(school.db.uow(), Actor.telegram(school.teacher.id), ann_item, "Good work on Q3")
    assert reviewed.changed and "Ann Student is told" in reviewed.message
    assert school.outbox("homework_reviewed") == [(ann.id, {"item_id": ann_item, "title": "Forces worksheet",
                                                           "by": "Tina Teacher", "comment": "Good work on Q3"})]
    detail = queries.homework_detail(school.db.uow(readonly=True), Actor.telegram(school.teacher.id), hid)
    states = {i.student: (i.state, i.late, len(i.files)) for i in detail.items}
    assert states == {"Ann Student": ("reviewed", False, 1), "Ben Student": ("late", True, 0)}
    assert detail.summary.counts_text == "2 of 2 handed in" and detail.summary.late == 1

    mine = queries.homework_for_student(school.db.uow(readonly=True), ann.id, school.clock.now() - timedelta(days=1))
    assert [(m.title, m.batch, m.status, m.comment) for m in mine] == [
        ("Forces worksheet", "Physics 10", "reviewed", "Good work on Q3")]
    school.set(hours=1, title="Missed one")
    school.clock.advance(hours=2)
    school.set(hours=24, title="Not due yet")
    assert [m.status for m in queries.homework_for_student(school.db.uow(readonly=True), ben.id)] == [
        "open", "missing", "late"]
    assert queries.homework_counts(school.db.uow(readonly=True), ben.id) == (2, 1)  # the open one does not count
    assert queries.homework_counts(school.db.uow(readonly=True), school.late_joiner.id) == (0, 0)  # no data


def test_reminders_go_once_to_students_with_nothing_handed_in(school):
    ann, ben = school.students
    hid = school.set(hours=30)
    services.hand_in(school.db.uow(), Actor.telegram(ann.id), school.item_of(hid, ann), "early")
    assert reminders.scan(school.db.uow()) == 0  # due in 30 h: not yet (rule: 18 h before)
    school.clock.advance(hours=13)
    assert reminders.scan(school.db.uow()) == 1
    assert [r for r, _ in school.outbox("homework_reminder")] == [ben.id]
    assert reminders.scan(school.db.uow()) == 0  # once


def test_briefs_say_homework_due_soon_with_counts(school):
    ann = school.students[0]
    hid = school.set(hours=20)
    school.set(hours=100, title="Far away")
    services.hand_in(school.db.uow(), Actor.telegram(ann.id), school.item_of(hid, ann), "done")
    teacher = briefs.compose(school.db.uow(), school.teacher.id, "UTC")
    section = next(s for s in teacher.sections if s["title"] == "Homework due soon")
    assert section["items"] == ["Forces worksheet (Physics 10), due Tue 3 Nov, 05:00: 1 of 2 handed in"]
    ben = briefs.compose(school.db.uow(), school.students[1].id, "UTC")
    assert any(s["title"] == "Homework due soon" and "Forces worksheet" in s["items"][0] for s in ben.sections)
    done = briefs.compose(school.db.uow(), ann.id, "UTC")
    assert not any(s["title"] == "Homework due soon" for s in done.sections)
