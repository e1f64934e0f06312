"""Who may announce to what, and who an announcement reaches.

A target is named by a key, "batch:3", "group:5", "team:2" or "role:parent": the key comes from a client
(a button, a form), so it is only ever looked up among the targets the actor may use, never trusted.
Holders of `announcements.post` announce to the batches they teach; holders of `alerts.broadcast` too
(admins by default) to any active batch, any group, team or role. A student reached is followed by their
linked parents (told as that student's parents); only active people are reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.errors import Forbidden, InvalidInput
from domain.models import (
    Batch,
    BatchTeacher,
    Enrolment,
    Group,
    GroupMember,
    ParentLink,
    Person,
    PersonStatus,
    Role,
    Team,
    TeamMember,
)
from domain.perms.catalogue import ALERTS_BROADCAST
from domain.perms.check import can

KINDS = ("batch", "group", "team", "role")
ROLE_LABELS = {Role.STUDENT: "All students", Role.PARENT: "All parents", Role.TEACHER: "All teachers",
               Role.MEMBER: "All members", Role.ADMIN: "All admins"}
KIND_LABELS = {"batch": "Batch", "group": "Group", "team": "Team", "role": "Everyone who is"}


@dataclass(frozen=True)
class Target:
    """Something one may announce to: its kind, its id (or role) and its name."""

    kind: str
    ref: str
    label: str

    @property
    def key(self) -> str:
        """The target as a button or a form names it."""
        return f"{self.kind}:{self.ref}"


def targets_for(session: Session, person: Person) -> list[Target]:
    """The targets `person` may announce to: their batches first, then (for broadcasters) everything else."""
    everything = can(session, person, ALERTS_BROADCAST)
    batches = select(Batch.id, Batch.name).where(Batch.active.is_(True)).order_by(Batch.name)
    if not everything:
        batches = batches.where(Batch.id.in_(select(BatchTeacher.batch_id).where(
            BatchTeacher.person_id == person.id)))
    out = [Target("batch", str(i), n) for i, n in session.execute(batches)]
    if not everything:
        return out
    out += [Target("role", r.value, label) for r, label in ROLE_LABELS.items()]
    out += [Target("group", str(i), n) for i, n in session.execute(select(Group.id, Group.name).order_by(Group.name))]
    out += [Target("team", str(i), n) for i, n in session.execute(
        select(Team.id, Team.name).where(Team.archived_at.is_(None)).order_by(Team.name))]
    return out


def resolve(session: Session, person: Person, key: str) -> Target:
    """The target named by `key`, if `person` may announce to it (else Forbidden; nonsense is InvalidInput)."""
    kind, _, ref = (key or "").strip().partition(":")
    if kind not in KINDS or not ref or len(ref) > 20:
        raise InvalidInput("Choose who the announcement is for.")
    for target in targets_for(session, person):
        if target.kind == kind and target.ref == ref:
            return target
    raise Forbidden("You can announce only to your own batches." if not can(session, person, ALERTS_BROADCAST)
                    else "There is no such batch, group, team or role.")


def recipients(session: Session, target: Target, today: date) -> tuple[dict[int, int | None], set[int]]:
    """Everyone the target reaches now: person id -> None (reached directly) or the student they are told
    about (a parent of a student reached); and which of them are students or parents (they have a portal)."""
    if target.kind == "batch":
        base = select(Enrolment.student_id).where(
            Enrolment.batch_id == int(target.ref), Enrolment.enrolled_on <= today,
            or_(Enrolment.left_on.is_(None), Enrolment.left_on > today))
    elif target.kind == "group":
        base = select(GroupMember.person_id).where(GroupMember.group_id == int(target.ref))
    elif target.kind == "team":
        base = select(TeamMember.person_id).where(TeamMember.team_id == int(target.ref))
    else:
        base = select(Person.id).where(Person.role == Role(target.ref))
    direct = list(session.execute(select(Person.id, Person.role).where(
        Person.id.in_(base), Person.status == PersonStatus.ACTIVE)))
    reached: dict[int, int | None] = {pid: None for pid, _ in direct}
    portal = {pid for pid, role in direct if role in (Role.STUDENT, Role.PARENT)}
    students = [pid for pid, role in direct if role == Role.STUDENT]
    if students:
        for parent_id, child_id in session.execute(
                select(ParentLink.parent_id, ParentLink.child_id)
                .join(Person, Person.id == ParentLink.parent_id)
                .where(ParentLink.child_id.in_(students), Person.status == PersonStatus.ACTIVE)
                .order_by(ParentLink.child_id)):
            reached.setdefault(parent_id, child_id)
            portal.add(parent_id)
    return reached, portal
