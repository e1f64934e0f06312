"""The portal's read model: a student sees themselves, a parent their own children by position, nobody else
gets one; sections are one registry whose absent features stay absent."""

from __future__ import annotations

import pytest

from domain.actors import Actor
from domain.announcements import services as announcements
from domain.errors import Forbidden, NotFound
from domain.models import Role
from domain.people import services as people
from domain.portal import sections, views
from tests.factories import SYSTEM, physics_class


@pytest.fixture
def family(db, make_person):
    world = physics_class(db, make_person, ["Zoe Zed", "Abe Able"])  # Parent 1 has both; Parent 0 only Zoe
    admin = make_person(Role.ADMIN, "Asha Admin")
    announcements.post(db.uow(), Actor.telegram(world["teacher"].id), f"batch:{world['batch'].id}",
                       "Lab on Friday", "Bring goggles.")
    announcements.post(db.uow(), Actor.web(admin.id, None), "role:parent", "Parents' evening", "Thursday.")
    return world


def test_a_student_sees_their_own_profile_attendance_and_announcements(db, family):
    zoe = family["students"][0]
    view = views.portal(db.uow(readonly=True), zoe.id)
    assert not view.is_parent and view.children == [] and view.mine == []
    assert view.profile.name == "Zoe Zed" and view.profile.phone == zoe.phone  # their own: unmasked
    assert [c.name for c in view.profile.classes] == ["Physics 10"]
    assert view.profile.classes[0].teachers == ["Tina T."]
    assert view.profile.family == ["Parent 0.", "Parent 1."]  # others as "First L."
    keys = [s.key for s in view.sections]
    assert keys == ["attendance", "announcements"]  # homework, marks, fees: none yet, so absent, not empty
    news = next(s.model for s in view.sections if s.key == "announcements")
    assert [a.title for a in news] == ["Lab on Friday"]
    with pytest.raises(NotFound):
        views.portal(db.uow(readonly=True), zoe.id, 2)


def test_a_parent_picks_among_their_own_children_by_position_only(db, family, make_person):
    p0, p1 = family["parents"]
    view = views.portal(db.uow(readonly=True), p1.id)
    assert [(c.position, c.name, c.chosen) for c in view.children] == [(1, "Abe Able", True), (2, "Zoe Zed", False)]
    assert view.profile.name == "Abe Able" and view.profile.phone != family["students"][1].phone  # masked
    assert [a.title for a in view.mine] == ["Parents' evening"]  # their own; the child's are with the child
    second = views.portal(db.uow(readonly=True), p1.id, 2)
    assert second.profile.name == "Zoe Zed" and second.children[1].chosen
    with pytest.raises(NotFound):
        views.portal(db.uow(readonly=True), p1.id, 3)
    only = views.portal(db.uow(readonly=True), p0.id)
    assert [c.name for c in only.children] == ["Zoe Zed"]
    stranger = make_person(Role.PARENT, "Nora None")
    empty = views.portal(db.uow(readonly=True), stranger.id)
    assert empty.profile is None and empty.sections == [] and empty.mine == []  # came after the announcement
    people.link_parent(db.uow(), SYSTEM, stranger.id, family["students"][0].id)
    assert views.portal(db.uow(readonly=True), stranger.id).profile.name == "Zoe Zed"


def test_staff_and_inactive_people_get_no_portal(db, family, make_person):
    for who in (family["teacher"], make_person(Role.ADMIN), make_person(Role.MEMBER)):
        with pytest.raises(Forbidden):
            views.portal(db.uow(readonly=True), who.id)
    invited = make_person(Role.STUDENT, "Ivy Invited", active=False)
    with pytest.raises(Forbidden):
        views.portal(db.uow(readonly=True), invited.id)
    with pytest.raises(NotFound):
        views.portal(db.uow(readonly=True), 999_999)


def test_a_section_plugs_in_with_one_line_and_none_keeps_it_absent(db, family):
    zoe, abe = family["students"]
    sections.register("lockers", "Lockers", lambda uow, sid: ["Locker 12"] if sid == zoe.id else None)
    try:
        assert [s.key for s in views.portal(db.uow(readonly=True), zoe.id).sections][-1] == "lockers"
        assert "lockers" not in [s.key for s in views.portal(db.uow(readonly=True), abe.id).sections]
        with pytest.raises(RuntimeError):
            sections.register("lockers", "Again", lambda uow, sid: None)
        with pytest.raises(RuntimeError):  # the real sections are registered once each
            sections.register("homework", "Homework again", lambda uow, sid: None)
    finally:
        sections.SECTIONS[:] = [s for s in sections.SECTIONS if s.key != "lockers"]


def test_a_student_in_no_batch_has_no_attendance_section(db, make_person):
    loner = make_person(Role.STUDENT, "Lone Student")
    view = views.portal(db.uow(readonly=True), loner.id)
    assert [s.key for s in view.sections] == ["announcements"] and view.profile.classes == []
