"""Who hears of what, by rule; one message per person per event (the dedupe key is event + person).

- created: the team's leads (TICKET_NEW with triage buttons), its new-ticket recipients, the watchers, the
  organisation CC list and any assignees (TICKET_NEW); the requester gets their card (TICKET_CARD).
- every status change: the requester's card (TICKET_CARD); done: the leads (TICKET_WORK_DONE);
  resolved: the team's resolution recipients, the watchers and the assignees (TICKET_RESOLVED).
- a comment: the other side (TICKET_COMMENT): from the requester to the assignees (or the leads while
  nobody is assigned); from staff to the requester (never for internal notes) and the other assignees.
A person on several lists is told once, by the first rule that names them; the actor is never told of
their own action, except on their own requester card.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import (
    DeskCc,
    Person,
    PersonStatus,
    Team,
    TeamMember,
    Ticket,
    TicketAssignee,
    TicketStatus,
    TicketWatcher,
)
from domain.outbox import Intent, NotificationKind, enqueue

K = NotificationKind


class Plan:
    """An ordered set of recipients for one event, each with one kind: the first rule naming them wins."""

    def __init__(self, actor_id: int | None) -> None:
        self.actor_id = actor_id
        self.chosen: dict[int, tuple[NotificationKind, dict[str, Any]]] = {}

    def add(self, kind: NotificationKind, person_ids: Iterable[int | None], *, to_actor: bool = False,
            **extra: Any) -> None:
        for pid in person_ids:
            if pid is None or pid in self.chosen or (pid == self.actor_id and not to_actor):
                continue
            self.chosen[pid] = (kind, extra)

    def write(self, session: Session, ticket: Ticket, event_id: int, now: Any, **data: Any) -> list[int]:
        """Enqueue the plan (active people only); returns who was told, in order."""
        if not self.chosen:
            return []
        active = set(session.scalars(select(Person.id).where(
            Person.id.in_(self.chosen), Person.status == PersonStatus.ACTIVE)))
        base = {**base_data(session, ticket), "event_id": event_id, **data}
        told = [pid for pid in self.chosen if pid in active]
        enqueue(session, [Intent(self.chosen[pid][0], pid, f"ticket:{event_id}:{pid}",
                                 {**base, **self.chosen[pid][1]}, "ticket", ticket.id) for pid in told], now)
        return told


def base_data(session: Session, ticket: Ticket) -> dict[str, Any]:
    """What every ticket message carries (renderers need no query for the headline)."""
    who = (session.scalar(select(Person.name).where(Person.id == ticket.requester_id))
           if ticket.requester_id else None) or ticket.contact_name or ""
    return {"ticket_id": ticket.id, "number": ticket.number, "title": ticket.title,
            "team": session.scalar(select(Team.name).where(Team.id == ticket.team_id)) or "",
            "status": ticket.status.value, "priority": ticket.priority.value, "who": who}


def tell_contact(session: Session, ticket: Ticket, event_id: int, now: Any, **data: Any) -> None:
    """An outside contact with an address (a ticket filed for them) gets the requester's card by email,
    in the ticket's thread; the row is the filer's (who is answerable for it) with channel "contact"."""
    if ticket.requester_id is not None or not ticket.contact_email or ticket.created_by_id is None:
        return
    enqueue(session, [Intent(K.TICKET_CARD, ticket.created_by_id, f"ticket:{event_id}:contact",
                             {**base_data(session, ticket), "event_id": event_id, **data,
                              "to": ticket.contact_email, "to_name": ticket.contact_name or ""},
                             "ticket", ticket.id, channels=("contact",))], now)


def leads(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.person_id).where(
        TeamMember.team_id == team_id, TeamMember.is_lead.is_(True)).order_by(TeamMember.person_id)))


def _recipients(session: Session, team_id: int, flag: Any) -> list[int]:
    return list(session.scalars(select(TeamMember.person_id).where(
        TeamMember.team_id == team_id, flag.is_(True)).order_by(TeamMember.person_id)))


def watchers(session: Session, ticket_id: int) -> list[int]:
    return list(session.scalars(select(TicketWatcher.person_id).where(TicketWatcher.ticket_id == ticket_id)
                                .order_by(TicketWatcher.person_id)))


def assignees(session: Session, ticket_id: int) -> list[int]:
    return list(session.scalars(select(TicketAssignee.person_id).where(TicketAssignee.ticket_id == ticket_id)
                                .order_by(TicketAssignee.person_id)))


def on_created(session: Session, ticket: Ticket, event_id: int, actor_id: int | None, now: Any) -> list[int]:
    """A new ticket: requester's card, then leads, new-ticket recipients, watchers, CC, assignees."""
    plan = Plan(actor_id)
    plan.add(K.TICKET_CARD, [ticket.requester_id], to_actor=True)
    plan.add(K.TICKET_NEW, leads(session, ticket.team_id), lead=True)
    plan.add(K.TICKET_NEW, _recipients(session, ticket.team_id, TeamMember.notify_new))
    plan.add(K.TICKET_NEW, watchers(session, ticket.id))
    plan.add(K.TICKET_NEW, session.scalars(select(DeskCc.person_id).order_by(DeskCc.person_id)))
    plan.add(K.TICKET_NEW, assignees(session, ticket.id))
    told = plan.write(session, ticket, event_id, now, description=ticket.description[:500])
    tell_contact(session, ticket, event_id, now)
    return told


def on_status(session: Session, ticket: Ticket, event_id: int, actor_id: int | None, now: Any,
              text: str | None = None) -> list[int]:
    """A status change: the requester's card; the leads when the work is done; the resolution lists."""
    plan = Plan(actor_id)
    plan.add(K.TICKET_CARD, [ticket.requester_id], to_actor=True, text=text)
    if ticket.status == TicketStatus.DONE:
        plan.add(K.TICKET_WORK_DONE, leads(session, ticket.team_id), lead=True)
    if ticket.status == TicketStatus.RESOLVED:
        plan.add(K.TICKET_RESOLVED, _recipients(session, ticket.team_id, TeamMember.notify_resolved), text=text)
        plan.add(K.TICKET_RESOLVED, watchers(session, ticket.id), text=text)
        plan.add(K.TICKET_RESOLVED, assignees(session, ticket.id), text=text)
    told = plan.write(session, ticket, event_id, now)
    tell_contact(session, ticket, event_id, now, text=text)
    return told


def on_comment(session: Session, ticket: Ticket, event_id: int, author_id: int | None, now: Any, text: str,
               internal: bool, attachments: int = 0) -> list[int]:
    """A comment goes to the other side (internal notes only to staff)."""
    plan = Plan(author_id)
    working = assignees(session, ticket.id) or leads(session, ticket.team_id)
    author_is_requester = author_id is not None and author_id == ticket.requester_id
    if author_is_requester:
        plan.add(K.TICKET_COMMENT, working)
    else:
        if not internal:
            plan.add(K.TICKET_COMMENT, [ticket.requester_id], to_requester=True)
        plan.add(K.TICKET_COMMENT, working)
    author = session.scalar(select(Person.name).where(Person.id == author_id)) if author_id else None
    return plan.write(session, ticket, event_id, now, text=text[:1500], internal=internal,
                      attachments=attachments, author=author or "")


def reminder(session: Session, ticket: Ticket, event_key: str, people: Iterable[int], now: Any,
             why: str) -> list[int]:
    """A reminder rule fired for these people (key: the ticket and when, so a rerun repeats nothing)."""
    plan = Plan(None)
    plan.add(K.TICKET_REMINDER, people, why=why, lead=why == "untriaged")
    if not plan.chosen:
        return []
    base = {**base_data(session, ticket), "why": why}
    told = list(plan.chosen)
    enqueue(session, [Intent(K.TICKET_REMINDER, pid, f"ticket_reminder:{event_key}:{pid}",
                             {**base, **plan.chosen[pid][1]}, "ticket", ticket.id) for pid in told], now)
    return told
