"""Announcements: who each target reaches (students with their linked parents), who may post to what,
quiet hours against urgent, and the console's list with delivered counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain import outbox
from domain.actors import Actor
from domain.announcements import services as announcements
from domain.attendance import batches
from domain.errors import Forbidden, InvalidInput
from domain.groups import services as groups
from domain.models import AuditEntry, Notification, Role
from domain.teams import services as teams
from tests.factories import SYSTEM, physics_class


@pytest.fixture
def school(db, make_person):
    """Physics 10 (Tina; Ann and Ben, Ann's parents P0 and P1, Ben's P1), plus Chemistry with its own teacher
    and student, a student who left Physics, and an admin."""
    world = physics_class(db, make_person, ["Ann", "Ben"])
    left = make_person(Role.STUDENT, "Lea Left")
    batches.enrol(db.uow(), SYSTEM, world["batch"].id, left.id, date(2026, 10, 1))
    batches.unenrol(db.uow(), SYSTEM, world["batch"].id, left.id, date(2026, 10, 20))
    chem_teacher, chem_student = make_person(Role.TEACHER, "Carl Chem"), make_person(Role.STUDENT, "Cid")
    chem = batches.create_batch(db.uow(), SYSTEM, name="Chemistry 10", subject="Chemistry",
                                teacher_ids=[chem_teacher.id])
    batches.enrol(db.uow(), SYSTEM, chem.id, chem_student.id, date(2026, 10, 1))
    world.update(left=left, chem=chem, chem_teacher=chem_teacher, chem_student=chem_student,
                 admin=make_person(Role.ADMIN, "Asha Admin"))
    return world


def _told(db, announcement_id: int) -> dict[int, dict]:
    with db.uow(readonly=True) as uow:
        return {n.recipient_id: n.data for n in uow.session.scalars(select(Notification).where(
            Notification.subject_type == "announcement", Notification.subject_id == announcement_id))}


def test_a_batch_reaches_its_students_and_their_parents_once_each(db, school):
    teacher = school["teacher"]
    ann, ben = school["students"]
    p0, p1 = school["parents"]
    posted = announcements.post(db.uow(), Actor.telegram(teacher.id), f"batch:{school['batch'].id}",
                                "  Lab  on Friday ", "Bring goggles.\nAnd a pen.")
    told = _told(db, posted.announcement_id)
    assert posted.recipients == 4 and set(told) == {ann.id, ben.id, p0.id, p1.id}
    assert school["left"].id not in told and school["chem_student"].id not in told
    assert told[ann.id]["about"] is None and told[p0.id]["about"] == "Ann"
    assert told[p1.id]["about"] in {"Ann", "Ben"}  # one message for a parent of two, not two
    assert told[ann.id]["title"] == "Lab on Friday" and told[ann.id]["author"] == "Tina Teacher"
    assert all(d["portal"] for d in told.values())  # students and parents: the message links their page
    with db.uow(readonly=True) as uow:
        kinds = set(uow.session.scalars(select(Notification.kind).where(
            Notification.subject_id == posted.announcement_id)))
        audit = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.posted"))
    assert kinds == {"announcement"} and audit.details["recipients"] == 4


def test_groups_teams_and_roles_reach_their_people_and_students_bring_their_parents(db, school, make_person):
    admin = Actor.web(school["admin"].id, None)
    ann, ben = school["students"]
    p0, p1 = school["parents"]
    member = make_person(Role.MEMBER, "Mo Member")
    group = groups.create_group(db.uow(), SYSTEM, "Trip", [ben.id, member.id])
    team = teams.create_team(db.uow(), SYSTEM, teams.TeamSpec("Facilities"), [teams.MemberSpec(member.id)])
    by_group = announcements.post(db.uow(), admin, f"group:{group.id}", "Trip", "Bus at 8.")
    assert set(_told(db, by_group.announcement_id)) == {ben.id, member.id, p1.id}
    by_team = announcements.post(db.uow(), admin, f"team:{team.id}", "Keys", "New keys.")
    assert set(_told(db, by_team.announcement_id)) == {member.id}
    assert _told(db, by_team.announcement_id)[member.id]["portal"] is False  # a member has no portal
    parents = announcements.post(db.uow(), admin, "role:parent", "Parents' evening", "Thursday 18:00.")
    assert set(_told(db, parents.announcement_id)) == {p0.id, p1.id}
    assert all(d["about"] is None for d in _told(db, parents.announcement_id).values())
    students = announcements.post(db.uow(), admin, "role:student", "Holiday", "No classes Monday.")
    everyone = {ann.id, ben.id, school["left"].id, school["chem_student"].id, p0.id, p1.id}
    assert set(_told(db, students.announcement_id)) == everyone


def test_a_teacher_announces_only_to_their_own_batches_and_others_not_at_all(db, school):
    teacher = Actor.telegram(school["teacher"].id)
    keys = [t.key for t in announcements.my_targets(db.uow(), teacher)]
    assert keys == [f"batch:{school['batch'].id}"]
    for key in (f"batch:{school['chem'].id}", "role:parent", "group:1"):
        with pytest.raises(Forbidden):
            announcements.post(db.uow(), teacher, key, "Hi", "Hello")
    with pytest.raises(InvalidInput):
        announcements.post(db.uow(), teacher, "person:1", "Hi", "Hello")
    for who in (school["students"][0], school["parents"][0]):
        with pytest.raises(Forbidden):
            announcements.post(db.uow(), Actor.telegram(who.id), f"batch:{school['batch'].id}", "Hi", "Hello")
    admin_keys = {t.key for t in announcements.my_targets(db.uow(), Actor.web(school["admin"].id, None))}
    assert {f"batch:{school['chem'].id}", "role:parent", "role:student"} <= admin_keys
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(Notification.id)) is None  # nothing refused was sent


def test_limits_are_checked_before_anything_is_written(db, school):
    teacher = Actor.telegram(school["teacher"].id)
    key = f"batch:{school['batch'].id}"
    for title, text in (("", "x"), ("x" * 121, "x"), ("t", ""), ("t", "x" * 3501), ("t\x00", "x")):
        with pytest.raises(InvalidInput):
            announcements.post(db.uow(), teacher, key, title, text)
    empty = batches.create_batch(db.uow(), SYSTEM, name="Empty", teacher_ids=[school["teacher"].id])
    with pytest.raises(InvalidInput, match="Nobody"):
        announcements.post(db.uow(), teacher, f"batch:{empty.id}", "t", "x")


def test_quiet_hours_hold_an_announcement_until_morning_unless_it_is_urgent(db, school, clock):
    clock.set(datetime(2026, 11, 2, 22, 30, tzinfo=UTC))  # the organisation's quiet hours: 21:00-07:00
    teacher = Actor.telegram(school["teacher"].id)
    key = f"batch:{school['batch'].id}"
    calm = announcements.post(db.uow(), teacher, key, "Homework", "Page 12.")
    urgent = announcements.post(db.uow(), teacher, key, "No class tomorrow", "The room is flooded.", urgent=True)
    with db.uow(readonly=True) as uow:
        due = {(n.subject_id, n.next_attempt_at) for n in uow.session.scalars(select(Notification))}
    assert {t for i, t in due if i == calm.announcement_id} == {datetime(2026, 11, 3, 7, 0, tzinfo=UTC)}
    assert {t for i, t in due if i == urgent.announcement_id} == {clock.now()}
    claimed = outbox.claim_due(db.uow())
    assert {d.subject_id for d in claimed} == {urgent.announcement_id}


def test_the_list_counts_recipients_and_deliveries_and_follows_the_scope(db, school):
    teacher, chem = Actor.telegram(school["teacher"].id), Actor.telegram(school["chem_teacher"].id)
    mine = announcements.post(db.uow(), teacher, f"batch:{school['batch'].id}", "Lab", "Goggles.")
    announcements.post(db.uow(), chem, f"batch:{school['chem'].id}", "Quiz", "Friday.")
    to_parents = announcements.post(db.uow(), Actor.web(school["admin"].id, None), "role:parent", "Fees", "Due.")
    claimed = [d for d in outbox.claim_due(db.uow()) if d.subject_id == mine.announcement_id]
    for d in claimed[:3]:
        outbox.mark_sent(db.uow(), d.id, d.chat_id, 1)
    rows = {r.id: r for r in announcements.list_posted(db.uow(), teacher)}
    assert set(rows) == {mine.announcement_id}  # not the chemistry one, not the admin's to parents
    assert (rows[mine.announcement_id].recipients, rows[mine.announcement_id].delivered) == (4, 3)
    every = [r.id for r in announcements.list_posted(db.uow(), Actor.web(school["admin"].id, None))]
    assert every[0] == to_parents.announcement_id and len(every) == 3
    with pytest.raises(Forbidden):
        announcements.list_posted(db.uow(), Actor.telegram(school["students"][0].id))
