"""Ticket rows and details built from the tables for one viewer (batched: no query per ticket per field)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import pii
from domain.models import (
    FINISHED_STATUSES,
    Person,
    Task,
    TaskStatus,
    Team,
    TeamMember,
    Ticket,
    TicketAssignee,
    TicketAttachment,
    TicketEvent,
    TicketStatus,
    TicketWatcher,
)
from domain.tickets import access
from domain.tickets.access import Viewer
from domain.tickets.contact_audit import contact_unmasked
from domain.tickets.rows import (
    MASK,
    AttachmentRow,
    Contact,
    EventKind,
    EventRow,
    Progress,
    TicketDetail,
    TicketRow,
)


def progress_of(session: Session, assignment_ids: Sequence[int]) -> dict[int, Progress]:
    """Finished and counted (not cancelled) tasks per assignment."""
    if not assignment_ids:
        return {}
    rows = session.execute(
        select(Task.assignment_id, Task.status, func.count()).where(Task.assignment_id.in_(assignment_ids))
        .group_by(Task.assignment_id, Task.status)).all()
    done: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for aid, status, n in rows:
        if status != TaskStatus.CANCELLED:
            total[aid] += n
        if status in FINISHED_STATUSES:
            done[aid] += n
    return {aid: Progress(done[aid], total[aid]) for aid in assignment_ids}


def _contact(ticket: Ticket, unmasked: bool, partly: bool = False) -> Contact | None:
    """The outside contact: whole, redacted as domain.pii does (`partly`), or hidden."""
    if not ticket.contact_name:
        return None
    if unmasked:
        return Contact(ticket.contact_name, ticket.contact_phone, ticket.contact_email)
    if partly:
        return Contact(pii.mask_name(ticket.contact_name) or "", pii.mask_phone(ticket.contact_phone),
                       pii.mask_email(ticket.contact_email))
    return Contact(ticket.contact_name, MASK if ticket.contact_phone else None,
                   MASK if ticket.contact_email else None)


def rows_for(session: Session, v: Viewer | None, tickets: Sequence[Ticket]) -> list[TicketRow]:
    """List rows for these tickets as this viewer sees them (None: the system, unmasked)."""
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    teams = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_({t.team_id for t in tickets}))).all())
    people_ids = {t.requester_id for t in tickets if t.requester_id}
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(people_ids))).all())
    assignees: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for tid, pid, name in session.execute(
            select(TicketAssignee.ticket_id, TicketAssignee.person_id, Person.name)
            .join(Person, Person.id == TicketAssignee.person_id)
            .where(TicketAssignee.ticket_id.in_(ids)).order_by(Person.name)):
        assignees[tid].append((pid, name))
    progress = progress_of(session, [t.assignment_id for t in tickets if t.assignment_id])
    out = []
    for t in tickets:
        unmasked = contact_unmasked(v, t)
        people = assignees[t.id]
        out.append(TicketRow(
            t.id, t.number, t.title, t.team_id, teams.get(t.team_id, ""), t.priority, t.status, t.requester_id,
            names.get(t.requester_id) if t.requester_id else None, _contact(t, unmasked, v is not None and v.is_admin), dict(t.fields or {}),
            tuple(p for p, _ in people), tuple(n for _, n in people),
            progress.get(t.assignment_id, Progress()) if t.assignment_id else Progress(),
            t.created_at, t.updated_at, t.due_at))
    return out


def detail_for(session: Session, v: Viewer | None, ticket: Ticket, roles: frozenset[str]) -> TicketDetail:
    """The whole ticket for this viewer: internal notes and their files only for staff; IPs only for staff."""
    row = rows_for(session, v, [ticket])[0]
    staff = v is None or bool(roles & access.STAFF_ROLES)
    watchers = tuple((int(a), str(b)) for a, b in session.execute(
        select(Person.id, Person.name).join(TicketWatcher, TicketWatcher.person_id == Person.id)
        .where(TicketWatcher.ticket_id == ticket.id).order_by(Person.name)))
    assignees = tuple((int(a), str(b), c) for a, b, c in session.execute(
        select(Person.id, Person.name, TicketAssignee.task_id)
        .join(TicketAssignee, TicketAssignee.person_id == Person.id)
        .where(TicketAssignee.ticket_id == ticket.id).order_by(Person.name)))
    leads = tuple(session.scalars(select(TeamMember.person_id).where(
        TeamMember.team_id == ticket.team_id, TeamMember.is_lead.is_(True)).order_by(TeamMember.person_id)))
    files = [a for a in session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
                                        .order_by(TicketAttachment.id)) if staff or not a.internal]
    by_event: dict[int, list[int]] = defaultdict(list)
    for a in files:
        if a.event_id is not None:
            by_event[a.event_id].append(a.id)
    events = session.execute(
        select(TicketEvent, Person.name).outerjoin(Person, Person.id == TicketEvent.actor_id)
        .where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at, TicketEvent.id)).all()
    timeline = tuple(
        EventRow(e.id, e.at, EventKind(e.kind), e.actor_id, name, e.channel, e.ip if staff else None,
                 TicketStatus(e.from_status) if e.from_status else None,
                 TicketStatus(e.to_status) if e.to_status else None, e.text, e.internal, dict(e.data or {}),
                 tuple(by_event.get(e.id, ())))
        for e, name in events if staff or not e.internal)
    return TicketDetail(
        row, ticket.description, ticket.reject_reason, ticket.resolution, ticket.reopen_count, watchers,
        assignees, leads, timeline,
        tuple(AttachmentRow(a.id, a.kind, a.telegram_file_id, a.file_key, a.filename, a.content_type, a.size,
                            a.event_id, a.internal, a.created_at) for a in files),
        access.actions(roles, ticket.status) if v is not None else frozenset(), roles,
        ticket.created_by_id, ticket.resolved_at)
