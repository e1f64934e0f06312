"""The portal page's read model. The viewer comes from a signed link or a session, never from a parameter;
a parent chooses among their own linked children by position (1, 2, ...), never by an id. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.announcements.services import AnnouncementItem, received_by
from domain.errors import Forbidden, NotFound
from domain.models import Batch, BatchTeacher, Enrolment, ParentLink, Person, PersonStatus, Role
from domain.pii import mask_name, mask_phone
from domain.portal.sections import Shown, shown_for
from domain.uow import UnitOfWork

PORTAL_ROLES = (Role.STUDENT, Role.PARENT)


@dataclass(frozen=True)
class ChildChoice:
    """One of a parent's children in the picker: their position (1-based) and name."""

    position: int
    name: str
    chosen: bool


@dataclass(frozen=True)
class ClassLine:
    """A batch the student is in, with its teachers (names as the portal shows others)."""

    name: str
    subject: str
    teachers: list[str]


@dataclass(frozen=True)
class Profile:
    """The student looked at: their own data; others (teachers, family) with masked names and phones."""

    name: str
    phone: str | None
    email: str | None
    classes: list[ClassLine]
    family: list[str]  # the student's parents (the viewer in full, others as "First L.")


@dataclass(frozen=True)
class PortalView:
    viewer_name: str
    is_parent: bool
    timezone: str | None
    children: list[ChildChoice]  # a parent's picker (empty for a student)
    profile: Profile | None  # None: a parent with no linked child yet
    sections: list[Shown]
    mine: list[AnnouncementItem]  # a parent's own announcements (to all parents, ...)
    now: datetime


def _viewer(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("This link belongs to nobody we know.")
    if person.status != PersonStatus.ACTIVE:
        raise Forbidden("This account is not active; ask an administrator.")
    if person.role not in PORTAL_ROLES:
        raise Forbidden("This page is for students and parents. Staff use the console.")
    return person


def children_of(uow: UnitOfWork, parent_id: int) -> list[tuple[int, str]]:
    """A parent's linked children (id, name), in the picker's fixed order (name, then id)."""
    return [(i, n) for i, n in uow.session.execute(
        select(Person.id, Person.name).join(ParentLink, ParentLink.child_id == Person.id)
        .where(ParentLink.parent_id == parent_id).order_by(Person.name, Person.id))]


def _profile(uow: UnitOfWork, viewer: Person, student_id: int) -> Profile:
    student = uow.session.get(Person, student_id)
    assert student is not None
    own = student.id == viewer.id
    rows = uow.session.execute(
        select(Batch.id, Batch.name, Batch.subject).join(Enrolment, Enrolment.batch_id == Batch.id)
        .where(Enrolment.student_id == student_id, Enrolment.left_on.is_(None), Batch.active.is_(True))
        .order_by(Batch.name)).all()
    teachers: dict[int, list[str]] = {}
    for batch_id, name in uow.session.execute(
            select(BatchTeacher.batch_id, Person.name).join(Person, Person.id == BatchTeacher.person_id)
            .where(BatchTeacher.batch_id.in_([r[0] for r in rows])).order_by(Person.name)):
        teachers.setdefault(batch_id, []).append(mask_name(name) or "")
    classes = [ClassLine(name, subject, teachers.get(bid, [])) for bid, name, subject in rows]
    parents = [n for (n,) in uow.session.execute(
        select(Person.name).join(ParentLink, ParentLink.parent_id == Person.id)
        .where(ParentLink.child_id == student_id).order_by(Person.name))]
    family = [n if viewer.role == Role.PARENT and n == viewer.name else mask_name(n) or "" for n in parents]
    return Profile(student.name, student.phone if own else mask_phone(student.phone),
                   student.email if own else None, classes, family)


def portal(uow: UnitOfWork, viewer_id: int, position: int | None = None) -> PortalView:
    """The portal for the viewer: a student sees themselves; a parent one of their own children, the
    first unless `position` (1-based among their children) says otherwise. Anything else is refused."""
    with uow:
        viewer = _viewer(uow, viewer_id)
        if viewer.role == Role.STUDENT:
            if position not in (None, 1):
                raise NotFound("There is no such page.")
            return PortalView(viewer.name, False, viewer.timezone, [], _profile(uow, viewer, viewer.id),
                              shown_for(uow, viewer.id), [], uow.now)
        kids = children_of(uow, viewer.id)
        mine = received_by(uow, viewer.id, direct_only=True)
        if not kids:
            if position not in (None, 1):
                raise NotFound("There is no such child.")
            return PortalView(viewer.name, True, viewer.timezone, [], None, [], mine, uow.now)
        chosen = 1 if position is None else position
        if not 1 <= chosen <= len(kids):
            raise NotFound("There is no such child.")
        child_id = kids[chosen - 1][0]
        picker = [ChildChoice(n, name, n == chosen) for n, (_, name) in enumerate(kids, start=1)]
        return PortalView(viewer.name, True, viewer.timezone, picker, _profile(uow, viewer, child_id),
                          shown_for(uow, child_id), mine, uow.now)
