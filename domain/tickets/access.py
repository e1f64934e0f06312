"""Who may see and do what with a ticket: the ONE visibility rule, written once.

Visibility: admins see every ticket; team members (leads included) their teams' tickets; assignees the
tickets they work on; requesters (and whoever filed them) their own; watchers the ones they watch.
An outside contact's phone and e-mail are masked for everyone but admins and the team's members.
`visible(viewer)` is the rule as SQL (for lists); `roles_on` the same rule for one ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden, NotFound
from domain.models import (
    Person,
    TeamMember,
    Ticket,
    TicketAssignee,
    TicketStatus,
    TicketWatcher,
)
from domain.perms.catalogue import DESK_TRIAGE, PII_FULL
from domain.perms.check import can
from domain.tickets.rows import Action

STAFF_ROLES = frozenset({"admin", "lead", "member", "assignee"})
TRIAGE_ROLES = frozenset({"admin", "lead"})


@dataclass(frozen=True)
class Viewer:
    """The acting person with what the rule needs (their teams and where they lead)."""

    person: Person
    team_ids: frozenset[int]
    lead_team_ids: frozenset[int]
    is_admin: bool = False  # holds desk.triage (admins by default): every ticket, as an admin
    pii_full: bool = False  # holds pii.full (admins by default): contacts unmasked

    @property
    def id(self) -> int:
        return self.person.id


def viewer(session: Session, actor: Actor) -> Viewer:
    """Load the actor (active) with their team memberships."""
    person = load_active(session, actor)
    rows = session.execute(select(TeamMember.team_id, TeamMember.is_lead)
                           .where(TeamMember.person_id == person.id)).all()
    return Viewer(person, frozenset(t for t, _ in rows), frozenset(t for t, lead in rows if lead),
                  can(session, person, DESK_TRIAGE), can(session, person, PII_FULL))


def visible(v: Viewer) -> ColumnElement[bool]:
    """The tickets this viewer may see, as a condition on Ticket."""
    if v.is_admin:
        return true()
    return or_(
        Ticket.team_id.in_(v.team_ids) if v.team_ids else false(),
        Ticket.requester_id == v.id,
        Ticket.created_by_id == v.id,
        Ticket.id.in_(select(TicketAssignee.ticket_id).where(TicketAssignee.person_id == v.id)),
        Ticket.id.in_(select(TicketWatcher.ticket_id).where(TicketWatcher.person_id == v.id)),
    )


def roles_on(session: Session, v: Viewer, ticket: Ticket) -> frozenset[str]:
    """The viewer's roles on this ticket (empty: they may not see it)."""
    roles: set[str] = set()
    if v.is_admin:
        roles.add("admin")
    if ticket.team_id in v.lead_team_ids:
        roles.add("lead")
    if ticket.team_id in v.team_ids:
        roles.add("member")
    if ticket.requester_id == v.id or (ticket.requester_id is None and ticket.created_by_id == v.id):
        roles.add("requester")
    if ticket.created_by_id == v.id:
        roles.add("filer")
    if session.get(TicketAssignee, (ticket.id, v.id)) is not None:
        roles.add("assignee")
    if session.get(TicketWatcher, (ticket.id, v.id)) is not None:
        roles.add("watcher")
    return frozenset(roles)


def sees_contact(roles: frozenset[str]) -> bool:
    """Whether an outside contact's phone and e-mail show unmasked to these roles."""
    return bool(roles & {"admin", "member", "lead"})


def actions(roles: frozenset[str], status: TicketStatus) -> frozenset[Action]:
    """What these roles may do with a ticket in this status (the one table; services check it)."""
    can: set[Action] = set()
    if not roles:
        return frozenset()
    triage = bool(roles & TRIAGE_ROLES)
    staff = bool(roles & STAFF_ROLES)
    requester = bool(roles & {"requester", "filer"})
    can.add(Action.COMMENT)
    if staff:
        can.add(Action.NOTE)
    if triage and status == TicketStatus.NEW:
        can |= {Action.ACCEPT, Action.REJECT}
    if triage and status in (TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.DONE):
        can.add(Action.ASSIGN)  # at done: more work puts it back in progress
    if triage and status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.DONE):
        can.add(Action.RESOLVE)
    if (triage and status in (TicketStatus.DONE, TicketStatus.RESOLVED)) or (
            requester and status == TicketStatus.RESOLVED):
        can.add(Action.REOPEN)
    if (triage or requester) and status in (TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS,
                                            TicketStatus.DONE):
        can.add(Action.CANCEL)
    if (triage or requester) and status == TicketStatus.NEW:
        can.add(Action.EDIT)
    if triage:
        can.add(Action.WATCH)
    return frozenset(can)


def load_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


def ticket_id_by_number(session: Session, number: int) -> int:
    """The id of ticket #number (NotFound if none)."""
    tid = session.scalar(select(Ticket.id).where(Ticket.number == number))
    if tid is None:
        raise NotFound(f"No ticket #{number}.")
    return tid


def authorise(session: Session, actor: Actor, ticket_id: int, action: Action | None = None
              ) -> tuple[Viewer, Ticket, frozenset[str]]:
    """The viewer, the ticket and their roles; NotFound when they may not see it (never revealing that it
    exists), Forbidden when they see it but may not take `action` in any status."""
    v = viewer(session, actor)
    ticket = session.get(Ticket, ticket_id)
    roles = roles_on(session, v, ticket) if ticket is not None else frozenset()
    if ticket is None or not roles:
        raise NotFound("No such ticket.")
    if action is not None and action not in _ever(roles):
        raise Forbidden(_FORBIDDEN.get(action, "You may not do that with this ticket."))
    return v, ticket, roles


def _ever(roles: frozenset[str]) -> frozenset[Action]:
    out: set[Action] = set()
    for status in TicketStatus:
        out |= actions(roles, status)
    return frozenset(out)


_FORBIDDEN = {
    Action.ACCEPT: "Only the team's leads or an admin can accept a ticket.",
    Action.REJECT: "Only the team's leads or an admin can reject a ticket.",
    Action.ASSIGN: "Only the team's leads or an admin can assign a ticket.",
    Action.RESOLVE: "Only the team's leads or an admin can resolve a ticket.",
    Action.REOPEN: "Only the team's leads, an admin or the requester can reopen a ticket.",
    Action.CANCEL: "Only the requester, the team's leads or an admin can cancel a ticket.",
    Action.NOTE: "Only staff working the ticket can write internal notes.",
    Action.EDIT: "Only the requester or the team's leads can edit a ticket.",
    Action.WATCH: "Only the team's leads or an admin can change the watchers.",
}
