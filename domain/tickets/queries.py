"""Ticket reads through the one visibility rule (domain.tickets.access).

    list_tickets(uow, actor, filters=TicketFilter(), *, limit=20, offset=0) -> TicketPage   newest first
    get_ticket(uow, actor, ticket_id) -> TicketDetail        NotFound when not visible
    get_ticket_by_number(uow, actor, number) -> TicketDetail
    ticket_for_system(uow, ticket_id) -> TicketDetail        renderers and jobs (no viewer, nothing masked)
    ticket_of_message(uow, person_id, chat_id, message_id) -> int | None
                                        the ticket a bot message sent to this person belongs to (a ticket
                                        message, or the card of one of its tasks): replies become comments
    visible_conditions(session, actor, filters) -> (Viewer, [conditions])   for other read modules (FTS, CSV)
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.models import OPEN_TICKET_STATUSES, Notification, Task, Ticket, TicketAssignee
from domain.tickets import access, contact_audit
from domain.tickets.access import Viewer
from domain.tickets.build import detail_for, rows_for
from domain.tickets.rows import MAX_PAGE, TicketDetail, TicketFilter, TicketPage, TicketScope
from domain.uow import UnitOfWork

ALL = TicketFilter()


def _assigned_to(pid: int) -> ColumnElement[bool]:
    return Ticket.id.in_(select(TicketAssignee.ticket_id).where(TicketAssignee.person_id == pid))


def filter_conditions(v: Viewer, f: TicketFilter) -> list[ColumnElement[bool]]:
    """The filter as conditions on Ticket (visibility not included)."""
    for bound in (f.created_from, f.created_to):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInput("created_from and created_to need a time zone.")
    c: list[ColumnElement[bool]] = []
    if f.scope == TicketScope.REQUESTED:
        c.append(or_(Ticket.requester_id == v.id, Ticket.created_by_id == v.id))
    elif f.scope == TicketScope.ASSIGNED:
        c.append(_assigned_to(v.id))
    elif f.scope == TicketScope.TEAM:
        c.append(Ticket.team_id.in_(v.team_ids))
        c.append(Ticket.status.in_(OPEN_TICKET_STATUSES))
    if f.team_id is not None:
        c.append(Ticket.team_id == f.team_id)
    if f.statuses:
        c.append(Ticket.status.in_(f.statuses))
    if f.open_only:
        c.append(Ticket.status.in_(OPEN_TICKET_STATUSES))
    if f.priority is not None:
        c.append(Ticket.priority == f.priority)
    if f.assignee_id is not None:
        c.append(_assigned_to(f.assignee_id))
    if f.requester_id is not None:
        c.append(Ticket.requester_id == f.requester_id)
    if f.created_from is not None:
        c.append(Ticket.created_at >= f.created_from)
    if f.created_to is not None:
        c.append(Ticket.created_at <= f.created_to)
    text = " ".join((f.text or "").split())
    if text:
        like = f"%{text.lower()}%"
        c.append(or_(func.lower(Ticket.title).like(like), func.lower(Ticket.description).like(like),
                     func.lower(cast(Ticket.fields, String)).like(like),
                     *([Ticket.number == int(text.lstrip("#"))] if text.lstrip("#").isdigit() else [])))
    return c


def visible_conditions(session: Session, actor: Actor, f: TicketFilter = ALL
                       ) -> tuple[Viewer, list[ColumnElement[bool]]]:
    """The viewer and the conditions (visibility + filter) other read modules build on."""
    v = access.viewer(session, actor)
    return v, [access.visible(v), *filter_conditions(v, f)]


def list_tickets(uow: UnitOfWork, actor: Actor, filters: TicketFilter = ALL, *, limit: int = 20,
                 offset: int = 0) -> TicketPage:
    """One page of the tickets this person may see that match the filter, newest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    if offset < 0:
        raise InvalidInput("offset must not be negative.")
    with uow:
        v, where = visible_conditions(uow.session, actor, filters)
        total = int(uow.session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)
        tickets = list(uow.session.scalars(select(Ticket).where(*where)
                                           .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                           .limit(limit).offset(offset)))
        page = TicketPage(total, limit, offset, rows_for(uow.session, v, tickets))
        contact_audit.record_views(uow, actor, v, tickets, contact_audit.surface(actor, "tickets"))
        return page


def get_ticket(uow: UnitOfWork, actor: Actor, ticket_id: int) -> TicketDetail:
    """One ticket with its timeline and the actions this person may take (NotFound when not visible)."""
    with uow:
        v, ticket, roles = access.authorise(uow.session, actor, ticket_id)
        detail = detail_for(uow.session, v, ticket, roles)
        contact_audit.record_views(uow, actor, v, [ticket], contact_audit.surface(actor, "ticket"))
        return detail


def get_ticket_by_number(uow: UnitOfWork, actor: Actor, number: int) -> TicketDetail:
    """Ticket #number, as get_ticket."""
    with uow:
        tid = access.ticket_id_by_number(uow.session, number)
        v, ticket, roles = access.authorise(uow.session, actor, tid)
        detail = detail_for(uow.session, v, ticket, roles)
        contact_audit.record_views(uow, actor, v, [ticket], contact_audit.surface(actor, "ticket"))
        return detail


def ticket_for_system(uow: UnitOfWork, ticket_id: int) -> TicketDetail:
    """The whole ticket, unmasked, with no viewer's actions (renderers and scheduled jobs)."""
    with uow:
        ticket = access.load_ticket(uow.session, ticket_id)
        return detail_for(uow.session, None, ticket, frozenset())




def ticket_of_message(uow: UnitOfWork, person_id: int, chat_id: int, message_id: int) -> int | None:
    """The ticket of a message the bot sent this person (about the ticket, or one of its tasks), or None."""
    with uow:
        row = uow.session.execute(select(Notification.subject_type, Notification.subject_id).where(
            Notification.recipient_id == person_id, Notification.telegram_chat_id == chat_id,
            Notification.telegram_message_id == message_id).order_by(Notification.id.desc()).limit(1)).first()
        if row is None or row.subject_id is None:
            return None
        if row.subject_type == "ticket":
            return int(row.subject_id)
        if row.subject_type == "task":
            return uow.session.scalar(select(Ticket.id).join(Task, Task.assignment_id == Ticket.assignment_id)
                                      .where(Task.id == row.subject_id))
        return None
