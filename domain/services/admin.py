"""Reads and writes behind the web console. Every function takes the acting person and authorises:
admins see everything; teachers see the groups they run, their batches and their assignments.

Reads return plain snapshots (no ORM objects leave a unit of work) and run a fixed number of
queries whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import aliased

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import (
    OPEN_STATUSES,
    Assignment,
    AuditEntry,
    Batch,
    BatchTeacher,
    Channel,
    Enrolment,
    Group,
    GroupMember,
    ParentLink,
    Person,
    PersonStatus,
    Role,
    Task,
    TaskStatus,
)
from domain.phones import PhoneError, mask_phone, normalise_phone
from domain.services.dashboard import TaskPage, TaskRow
from domain.tokens import Signer
from domain.uow import UnitOfWork

INVITE_PURPOSE = "invite"  # the bot's /start <token> checks this purpose
INVITE_TTL = timedelta(days=7)
CONSOLE_ROLES = (Role.ADMIN, Role.TEACHER)
MAX_PEOPLE_LISTED = 1000
MAX_EXPORT_ROWS = 50_000


@dataclass(frozen=True)
class Viewer:
    id: int
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def load_viewer(uow: UnitOfWork, actor: Actor, *roles: Role) -> Person:
    """The acting person, active and in `roles` (default: admins and teachers), within an open uow."""
    return load_active(uow.session, actor, *(roles or CONSOLE_ROLES))


def console_viewer(uow: UnitOfWork, actor: Actor) -> Viewer:
    """The signed-in person if they may use the console (admins and teachers), else Forbidden."""
    with uow:
        me = load_viewer(uow, actor)
        return Viewer(me.id, me.name, me.role)


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: list[str], rows: Iterable[list[object]], raw_columns: Iterable[int] = ()) -> str:
    raw = set(raw_columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([("" if v is None else str(v)) if i in raw else csv_safe(v)
                         for i, v in enumerate(row)])
    return out.getvalue()


# --- people --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    phone: str
    role: Role
    status: PersonStatus
    linked: bool
    timezone: str | None
    parents: tuple[str, ...] = ()
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeopleFilter:
    search: str = ""
    role: Role | None = None
    status: PersonStatus | None = None


def _people_conditions(f: PeopleFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.role is not None:
        conditions.append(Person.role == f.role)
    if f.status is not None:
        conditions.append(Person.status == f.status)
    text = " ".join((f.search or "").split())
    if text:
        digits = re.sub(r"\D", "", text)
        like = f"%{text}%"
        match = [Person.name.ilike(like)]
        if len(digits) >= 3:
            match.append(Person.phone.contains(digits))
        conditions.append(or_(*match))
    return conditions


def list_people(uow: UnitOfWork, actor: Actor, f: PeopleFilter = PeopleFilter(),
                limit: int = MAX_PEOPLE_LISTED) -> list[PersonRow]:
    """The allowlist (admins only), with each person's parents and children."""
    with uow:
        load_viewer(uow, actor, Role.ADMIN)
        people = list(uow.session.scalars(
            select(Person).where(*_people_conditions(f)).order_by(Person.name, Person.id).limit(limit)))
        ids = [p.id for p in people]
        parent, child = aliased(Person), aliased(Person)
        links = uow.session.execute(
            select(ParentLink.parent_id, parent.name, ParentLink.child_id, child.name)
            .join(parent, parent.id == ParentLink.parent_id).join(child, child.id == ParentLink.child_id)
            .where(or_(ParentLink.parent_id.in_(ids), ParentLink.child_id.in_(ids)))).all() if ids else []
    parents_of: dict[int, list[str]] = defaultdict(list)
    children_of: dict[int, list[str]] = defaultdict(list)
    for parent_id, parent_name, child_id, child_name in links:
        parents_of[child_id].append(parent_name)
        children_of[parent_id].append(child_name)
    return [PersonRow(p.id, p.name, p.phone, p.role, p.status, p.telegram_user_id is not None, p.timezone,
                      tuple(sorted(parents_of[p.id])), tuple(sorted(children_of[p.id])))
            for p in people]


def person_choices(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str, Role]]:
    """(id, name, role) of everyone not disabled, for pickers on admin pages."""
    with uow:
        load_viewer(uow, actor, Role.ADMIN)
        return [(i, n, r) for i, n, r in uow.session.execute(
            select(Person.id, Person.name, Person.role).where(Person.status != PersonStatus.DISABLED)
            .order_by(Person.name, Person.id))]


def invite_token(uow: UnitOfWork, actor: Actor, person_id: int, keys: tuple[str, ...]) -> str:
    """A signed /start token (7 days) for an invited person; admins only."""
    with uow:
        load_viewer(uow, actor, Role.ADMIN)
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        if person.status == PersonStatus.DISABLED:
            raise InvalidInput(f"{person.name} is disabled; activate them before inviting.")
        if person.telegram_user_id is not None:
            raise InvalidInput(f"{person.name} has already linked Telegram.")
        return Signer(keys).sign_id(INVITE_PURPOSE, person.id, uow.now, INVITE_TTL)


def export_people_csv(uow: UnitOfWork, actor: Actor) -> str:
    rows = list_people(uow, actor, limit=MAX_EXPORT_ROWS)
    return _csv(["name", "phone", "role", "timezone", "status", "telegram_linked", "parents", "children"],
                ([p.name, p.phone, p.role.value, p.timezone or "", p.status.value,
                  "yes" if p.linked else "no", "; ".join(p.parents), "; ".join(p.children)]
                 for p in rows), raw_columns=[1])


# --- groups --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    owner_id: int | None
    owner_name: str | None
    member_count: int


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    phone: str
    role: Role
    status: PersonStatus


@dataclass(frozen=True)
class GroupDetail:
    id: int
    name: str
    owner_name: str | None
    members: list[Member]


def _group_scope(me: Person) -> list[ColumnElement[bool]]:
    return [] if me.role == Role.ADMIN else [Group.owner_id == me.id]


def list_groups(uow: UnitOfWork, actor: Actor) -> list[GroupRow]:
    """Admins: every group; teachers: the groups they run."""
    with uow:
        me = load_viewer(uow, actor)
        owner = aliased(Person)
        rows = uow.session.execute(
            select(Group.id, Group.name, Group.owner_id, owner.name, func.count(GroupMember.person_id))
            .outerjoin(owner, owner.id == Group.owner_id)
            .outerjoin(GroupMember, GroupMember.group_id == Group.id)
            .where(*_group_scope(me))
            .group_by(Group.id, Group.name, Group.owner_id, owner.name).order_by(Group.name)).all()
    return [GroupRow(i, n, o, on, int(c)) for i, n, o, on, c in rows]


def _load_group_for(uow: UnitOfWork, me: Person, group_id: int) -> Group:
    group = uow.session.get(Group, group_id)
    if group is None:
        raise NotFound("No such group.")
    if me.role != Role.ADMIN and group.owner_id != me.id:
        raise Forbidden("You can see only the groups you run.")
    return group


def _phone_for(viewer: Person) -> Callable[[str], str]:
    """Admins see phone numbers; teachers see them masked (+44******0123)."""
    return (lambda phone: phone) if viewer.role == Role.ADMIN else mask_phone


def group_detail(uow: UnitOfWork, actor: Actor, group_id: int) -> GroupDetail:
    with uow:
        me = load_viewer(uow, actor)
        group = _load_group_for(uow, me, group_id)
        owner = uow.session.get(Person, group.owner_id) if group.owner_id else None
        show = _phone_for(me)
        members = [Member(p.id, p.name, show(p.phone), p.role, p.status) for p in uow.session.scalars(
            select(Person).join(GroupMember, GroupMember.person_id == Person.id)
            .where(GroupMember.group_id == group_id).order_by(Person.name, Person.id))]
        return GroupDetail(group.id, group.name, owner.name if owner else None, members)


def delete_group(uow: UnitOfWork, actor: Actor, group_id: int) -> str:
    """Delete a group (its memberships go with it; tasks already assigned stay). Returns its name."""
    with uow:
        me = load_viewer(uow, actor)
        group = _load_group_for(uow, me, group_id)
        name = group.name
        uow.session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
        uow.session.delete(group)
        audit.record(uow.session, actor, "group.delete", "group", group_id, uow.now, name=name)
        uow.commit()
        return name


ENTRY_SPLIT = re.compile(r"[,;\n\r]+")


def split_entries(text: str) -> list[str]:
    """Comma, semicolon or new-line separated entries, trimmed, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for raw in ENTRY_SPLIT.split(text or ""):
        entry = " ".join(raw.split())
        if entry and entry.lower() not in {s.lower() for s in seen}:
            seen[entry] = None
    return list(seen)


@dataclass(frozen=True)
class Unmatched:
    entry: str
    reason: str


@dataclass(frozen=True)
class MatchResult:
    matched: list[tuple[str, Member]]
    unmatched: list[Unmatched]

    @property
    def ids(self) -> list[int]:
        return list(dict.fromkeys(m.id for _e, m in self.matched))


MAX_ENTRIES = 500


def match_people(uow: UnitOfWork, actor: Actor, text: str, region: str | None = None) -> MatchResult:
    """Match pasted phones or names to people who are not disabled (exact name, any case)."""
    entries = split_entries(text)
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"Paste at most {MAX_ENTRIES} entries at a time.")
    phones: dict[str, str] = {}
    names: list[str] = []
    for entry in entries:
        if re.fullmatch(r"[+0-9 ()\-.]{6,}", entry) and sum(ch.isdigit() for ch in entry) >= 6:
            try:
                phones[entry] = normalise_phone(entry, region)
            except PhoneError:
                phones[entry] = ""
        else:
            names.append(entry)
    with uow:
        viewer = load_viewer(uow, actor)
        live = Person.status != PersonStatus.DISABLED
        by_phone = {p.phone: p for p in uow.session.scalars(
            select(Person).where(Person.phone.in_([e for e in phones.values() if e]), live))}
        lowered = [n.lower() for n in names]
        by_name: dict[str, list[Person]] = defaultdict(list)
        if lowered:
            for p in uow.session.scalars(select(Person).where(func.lower(Person.name).in_(lowered), live)
                                         .order_by(Person.id)):
                by_name[p.name.lower()].append(p)
    matched: list[tuple[str, Member]] = []
    unmatched: list[Unmatched] = []
    for entry in entries:
        if entry in phones:
            person = by_phone.get(phones[entry]) if phones[entry] else None
            if person is None:
                unmatched.append(Unmatched(entry, "not a valid phone number" if not phones[entry]
                                           else "no one on the allowlist has this phone"))
                continue
        else:
            found = by_name.get(entry.lower(), [])
            if not found:
                unmatched.append(Unmatched(entry, "no one has this name"))
                continue
            if len(found) > 1:
                unmatched.append(Unmatched(entry, f"{len(found)} people have this name; use a phone"))
                continue
            person = found[0]
        matched.append((entry, Member(person.id, person.name, _phone_for(viewer)(person.phone), person.role,
                                      person.status)))
    return MatchResult(matched, unmatched)


# --- batches -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchRow:
    id: int
    name: str
    subject: str
    level: str
    active: bool
    teachers: tuple[str, ...]
    students: int


def list_batches(uow: UnitOfWork, actor: Actor) -> list[BatchRow]:
    """Admins: every batch; teachers: the batches they teach."""
    with uow:
        me = load_viewer(uow, actor)
        scope = [] if me.role == Role.ADMIN else [
            Batch.id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id))]
        batches = list(uow.session.scalars(select(Batch).where(*scope).order_by(Batch.name)))
        ids = [b.id for b in batches]
        teachers: dict[int, list[str]] = defaultdict(list)
        counts: dict[int, int] = {}
        if ids:
            for batch_id, name in uow.session.execute(
                    select(BatchTeacher.batch_id, Person.name).join(Person, Person.id == BatchTeacher.person_id)
                    .where(BatchTeacher.batch_id.in_(ids)).order_by(Person.name)):
                teachers[batch_id].append(name)
            counts = dict(uow.session.execute(
                select(Enrolment.batch_id, func.count()).where(
                    Enrolment.batch_id.in_(ids), Enrolment.left_on.is_(None))
                .group_by(Enrolment.batch_id)).all())
    return [BatchRow(b.id, b.name, b.subject, b.level, b.active, tuple(teachers[b.id]), counts.get(b.id, 0))
            for b in batches]


# --- tasks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskQuery:
    status: TaskStatus | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    assignment_id: int | None = None
    overdue: bool = False
    text: str = ""


def task_scope(me: Person) -> list[ColumnElement[bool]]:
    if me.role == Role.ADMIN:
        return []
    members = (select(GroupMember.person_id).join(Group, Group.id == GroupMember.group_id)
               .where(Group.owner_id == me.id))
    return [or_(Task.assigner_id == me.id, Task.assignee_id.in_(members))]


def _task_conditions(q: TaskQuery, now: datetime) -> list[ColumnElement[bool]]:
    c: list[ColumnElement[bool]] = []
    if q.status is not None:
        c.append(Task.status == q.status)
    if q.group_id is not None:
        c.append(Task.assignee_id.in_(select(GroupMember.person_id).where(GroupMember.group_id == q.group_id)))
    if q.assignee_id is not None:
        c.append(Task.assignee_id == q.assignee_id)
    if q.assignment_id is not None:
        c.append(Task.assignment_id == q.assignment_id)
    if q.overdue:
        c.append(and_(Task.status.in_(OPEN_STATUSES), Task.due_at.is_not(None), Task.due_at < now))
    text = " ".join((q.text or "").split())
    if text:
        c.append(or_(Task.title.ilike(f"%{text}%"), Task.description.ilike(f"%{text}%")))
    return c


def _task_rows(uow: UnitOfWork, conditions: list[ColumnElement[bool]], limit: int, offset: int
               ) -> list[TaskRow]:
    assignee, assigner = aliased(Person), aliased(Person)
    rows = uow.session.execute(
        select(Task, assignee.name, assigner.name)
        .join(assignee, assignee.id == Task.assignee_id).join(assigner, assigner.id == Task.assigner_id)
        .where(*conditions).order_by(Task.created_at.desc(), Task.id.desc()).limit(limit).offset(offset)).all()
    return [TaskRow(t.id, t.assignment_id, t.title, t.description, t.priority, t.status, t.due_at,
                    t.requires_review, t.assignee_id, a, t.assigner_id, b, t.created_at, t.updated_at,
                    t.started_at, t.completed_at, t.resolved_at, t.cancelled_at, t.reopen_count, t.last_note)
            for t, a, b in rows]


def search_tasks(uow: UnitOfWork, actor: Actor, q: TaskQuery = TaskQuery(), *, limit: int = 50,
                 offset: int = 0) -> TaskPage:
    """Tasks the viewer may see (admins: all; teachers: assigned by them or to their groups' people)."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("The page is out of range.")
    with uow:
        me = load_viewer(uow, actor)
        conditions = task_scope(me) + _task_conditions(q, uow.now)
        total = uow.session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0
        return TaskPage(int(total), limit, offset, _task_rows(uow, conditions, limit, offset))


def tasks_csv(uow: UnitOfWork, actor: Actor, q: TaskQuery = TaskQuery()) -> str:
    with uow:
        me = load_viewer(uow, actor)
        rows = _task_rows(uow, task_scope(me) + _task_conditions(q, uow.now), MAX_EXPORT_ROWS, 0)

    def t(value: datetime | None) -> str:
        return value.isoformat() if value else ""

    return _csv(["task_id", "assignment_id", "title", "assignee", "assigner", "status", "priority", "due_at",
                 "created_at", "started_at", "completed_at", "cancelled_at", "requires_review"],
                ([r.id, r.assignment_id, r.title, r.assignee_name, r.assigner_name, r.status.value,
                  r.priority.value, t(r.due_at), t(r.created_at), t(r.started_at), t(r.completed_at),
                  t(r.cancelled_at), "yes" if r.requires_review else "no"] for r in rows),
                raw_columns=[0, 1, 7, 8, 9, 10, 11])


@dataclass(frozen=True)
class TaskFilterOptions:
    groups: list[tuple[int, str]]
    people: list[tuple[int, str]]
    assignments: list[tuple[int, str]]


def task_filter_options(uow: UnitOfWork, actor: Actor, recent: int = 100) -> TaskFilterOptions:
    """What the filter drop-downs on the tasks page offer this viewer."""
    with uow:
        me = load_viewer(uow, actor)
        groups = [(i, n) for i, n in uow.session.execute(
            select(Group.id, Group.name).where(*_group_scope(me)).order_by(Group.name))]
        scope = task_scope(me)
        people = [(i, n) for i, n in uow.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(select(Task.assignee_id).where(*scope)))
            .order_by(Person.name))]
        a_scope = [] if me.role == Role.ADMIN else [Assignment.id.in_(select(Task.assignment_id).where(*scope))]
        assignments = [(i, f"#{i} {title}") for i, title in uow.session.execute(
            select(Assignment.id, Assignment.title).where(*a_scope)
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()).limit(recent))]
    return TaskFilterOptions(groups, people, assignments)


# --- audit log -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditQuery:
    actor_id: int | None = None
    action: str = ""  # a prefix such as "task." or an exact action
    channel: Channel | None = None
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    object_type: str
    object_id: str | None
    channel: Channel
    ip: str | None
    details: dict[str, object]


@dataclass(frozen=True)
class AuditPage:
    total: int
    limit: int
    offset: int
    rows: list[AuditRow]
    actions: list[str]  # every action seen, for the filter
    actors: list[tuple[int, str]]


def audit_log(uow: UnitOfWork, actor: Actor, q: AuditQuery = AuditQuery(), *, limit: int = 100,
              offset: int = 0) -> AuditPage:
    """Who did what, when, through which channel (admins only), newest first."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("The page is out of range.")
    c: list[ColumnElement[bool]] = []
    if q.actor_id is not None:
        c.append(AuditEntry.actor_id == q.actor_id)
    if q.action:
        c.append(or_(AuditEntry.action == q.action, AuditEntry.action.startswith(q.action.rstrip(".") + ".")))
    if q.channel is not None:
        c.append(AuditEntry.channel == q.channel)
    if q.object_type:
        c.append(AuditEntry.object_type == q.object_type)
    if q.since is not None:
        c.append(AuditEntry.at >= q.since)
    if q.until is not None:
        c.append(AuditEntry.at < q.until)
    with uow:
        load_viewer(uow, actor, Role.ADMIN)
        total = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(*c)) or 0
        rows = uow.session.execute(
            select(AuditEntry, Person.name).outerjoin(Person, Person.id == AuditEntry.actor_id).where(*c)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)).all()
        actions = list(uow.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
        actors = [(i, n) for i, n in uow.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(select(AuditEntry.actor_id)))
            .order_by(Person.name))]
    return AuditPage(int(total), limit, offset, [
        AuditRow(e.id, e.at, e.actor_id, name, e.action, e.object_type, e.object_id, e.channel, e.ip,
                 dict(e.details or {})) for e, name in rows], actions, actors)
