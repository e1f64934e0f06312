"""Filing and moving tickets: every call takes the Actor, authorises with the one rule (domain.tickets.access),
changes state, writes the timeline entry, the audit entry and the outbox rows in one transaction, and
answers a TicketResult (the ticket as the actor now sees it).

    file_ticket(uow, actor, spec: TicketSpec) -> TicketResult                 new
    edit_before_accept(uow, actor, ticket_id, *, title=None, description=None, fields=None,
                       priority=None, attachments=()) -> TicketResult         requester or leads, while new
    accept(uow, actor, ticket_id, assignee_ids=(), due_at=None, note=None)    new -> accepted (leads/admins)
    reject(uow, actor, ticket_id, reason)                                     new -> rejected (reason required)
    assign(uow, actor, ticket_id, assignee_ids, due_at=None)                  adds assignees (accepts a new one;
                                                                              done -> in progress)
    resolve(uow, actor, ticket_id, note=None)                                 accepted/in progress/done -> resolved
    reopen(uow, actor, ticket_id, reason)                                     done/resolved -> in progress
    cancel(uow, actor, ticket_id, reason=None)                                any open one -> cancelled
    comment(uow, actor, ticket_id, text, internal=False, attachments=())      any visible ticket
    set_watchers(uow, actor, ticket_id, person_ids)                           leads/admins
Tasks: accepting or assigning makes one task per assignee (domain.tickets.work); Start / Complete are
domain.tasks.services.start_task / complete_task, which move the ticket (in progress, done) themselves.
Errors: NotFound (no such ticket, or not visible to the actor), Forbidden, IllegalTransition, InvalidInput.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select

from domain.actors import Actor
from domain.alerts import kinds as alert_kinds
from domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.mail.addresses import optional_email
from domain.models import (
    Person,
    PersonStatus,
    Priority,
    Team,
    TeamMember,
    Ticket,
    TicketStatus,
    TicketWatcher,
)
from domain.teams.queries import fields_of
from domain.tickets import access, notify, work
from domain.tickets.attachments import add_attachments
from domain.tickets.build import detail_for
from domain.tickets.rows import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_FIELD,
    MAX_TITLE,
    Action,
    AttachmentIn,
    EventKind,
    TicketResult,
    TicketSpec,
    status_text,
)
from domain.uow import UnitOfWork
from domain.words import plural


def _title(raw: str) -> str:
    title = " ".join((raw or "").split())
    if not title:
        raise InvalidInput("A request needs a title.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title is too long (at most {MAX_TITLE} characters).")
    return title


def _description(raw: str) -> str:
    text = (raw or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description is too long (at most {MAX_DESCRIPTION} characters).")
    return text


def _fields(team: Team, given: Mapping[str, str], *, partial: bool = False) -> dict[str, str]:
    declared = {f.key: f for f in fields_of(team)}
    unknown = set(given) - set(declared)
    if unknown:
        raise InvalidInput(f"The team {team.name} has no field {sorted(unknown)[0]!r}.")
    out = {k: " ".join(str(v or "").split()) for k, v in given.items()}
    for key, value in out.items():
        if len(value) > MAX_FIELD:
            raise InvalidInput(f"{declared[key].label} is too long (at most {MAX_FIELD} characters).")
    if not partial:
        for f in declared.values():
            if f.required and not out.get(f.key):
                raise InvalidInput(f"{f.label} is required for {team.name}.")
    return {k: v for k, v in out.items() if v}


def _reason(raw: str | None, what: str, required: bool = True) -> str | None:
    text = (raw or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"Say why the ticket is {what}; the requester will read it.")
        return None
    if len(text) > 1000:
        raise InvalidInput("The reason is too long (at most 1000 characters).")
    return text


def _result(uow: UnitOfWork, actor: Actor, ticket: Ticket, changed: bool, message: str,
            event_id: int | None = None) -> TicketResult:
    uow.session.flush()
    v = access.viewer(uow.session, actor)
    result = TicketResult(detail_for(uow.session, v, ticket, access.roles_on(uow.session, v, ticket)),
                          changed, message, event_id)
    if changed:
        uow.commit()
    return result


def _require(roles: frozenset[str], ticket: Ticket, action: Action) -> None:
    if action not in access.actions(roles, ticket.status):
        raise IllegalTransition(f"Ticket #{ticket.number} is {status_text(ticket.status)}; "
                                f"it cannot be {_VERB[action]} now.")


_VERB = {Action.ACCEPT: "accepted", Action.REJECT: "rejected", Action.ASSIGN: "assigned",
         Action.RESOLVE: "resolved", Action.REOPEN: "reopened", Action.CANCEL: "cancelled",
         Action.EDIT: "edited", Action.COMMENT: "commented on", Action.NOTE: "noted"}


def file_ticket(uow: UnitOfWork, actor: Actor, spec: TicketSpec) -> TicketResult:
    """Anyone active files a request to a team; staff may file for another person or an outside contact."""
    with uow:
        session, now = uow.session, uow.now
        v = access.viewer(session, actor)
        team = session.get(Team, spec.team_id)
        if team is None or team.archived_at is not None:
            raise NotFound("No such team.")
        title, description = _title(spec.title), _description(spec.description)
        fields = _fields(team, spec.fields)
        on_behalf = spec.contact is not None or (spec.requester_id not in (None, v.id))
        if on_behalf and not (v.is_admin or team.id in v.team_ids):
            raise Forbidden("Only the team's members or an admin can file a request for someone else.")
        requester_id = None if spec.contact is not None else (spec.requester_id or v.id)
        if requester_id is not None and requester_id != v.id and session.scalar(select(Person.id).where(
                Person.id == requester_id, Person.status != PersonStatus.DISABLED)) is None:
            raise InvalidInput("No such requester.")
        contact = spec.contact
        if contact is not None and not contact.name.strip():
            raise InvalidInput("An outside contact needs a name.")
        ticket = Ticket(
            number=0, title=title, description=description, team_id=team.id, priority=spec.priority,
            status=TicketStatus.NEW, requester_id=requester_id,
            contact_name=contact.name.strip()[:120] if contact else None,
            contact_phone=(contact.phone or "").strip()[:40] or None if contact else None,
            contact_email=optional_email(contact.email, "contact_email") if contact else None,
            fields=fields, created_by_id=v.id, created_at=now, updated_at=now, status_at=now, reopen_count=0)
        session.add(ticket)
        session.flush()
        # Numbers without gaps: the next after the highest. Two filings at once do not clash: the second
        # one's placeholder 0 waits on the unique index until the first commits (BEGIN IMMEDIATE on SQLite).
        ticket.number = int(session.scalar(select(func.max(Ticket.number))) or 0) + 1
        session.flush()
        _watchers(uow, ticket, spec.watcher_ids)
        event_id = work.add_event(uow, actor, ticket, EventKind.CREATED, to=None, number=ticket.number,
                                  team=team.name)
        files = add_attachments(uow, actor, ticket, spec.attachments, event_id)
        notify.on_created(session, ticket, event_id, v.id, now)
        alert_kinds.urgent_ticket(session, ticket, now)
        return _result(uow, actor, ticket, True, f"Request #{ticket.number} filed with {team.name}"
                       + (f" ({plural(files, 'file')})." if files else "."), event_id)


def _watchers(uow: UnitOfWork, ticket: Ticket, person_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(uow.session.scalars(select(Person.id).where(
        Person.id.in_(set(person_ids)), Person.status != PersonStatus.DISABLED))))
    if len(wanted) != len(set(person_ids)):
        raise InvalidInput("Some of the watchers chosen do not exist or are disabled.")
    uow.session.execute(delete(TicketWatcher).where(TicketWatcher.ticket_id == ticket.id))
    uow.session.add_all(TicketWatcher(ticket_id=ticket.id, person_id=pid, added_at=uow.now) for pid in wanted)
    uow.session.flush()
    return wanted


def set_watchers(uow: UnitOfWork, actor: Actor, ticket_id: int, person_ids: Sequence[int]) -> TicketResult:
    """Replace a ticket's notify list (leads and admins)."""
    with uow:
        _v, ticket, _roles = access.authorise(uow.session, actor, ticket_id, Action.WATCH)
        wanted = _watchers(uow, ticket, person_ids)
        event_id = work.add_event(uow, actor, ticket, EventKind.WATCHERS, watchers=wanted)
        return _result(uow, actor, ticket, True, "Watchers saved.", event_id)


def edit_before_accept(uow: UnitOfWork, actor: Actor, ticket_id: int, *, title: str | None = None,
                       description: str | None = None, fields: Mapping[str, str] | None = None,
                       priority: Priority | None = None, attachments: Sequence[AttachmentIn] = ()
                       ) -> TicketResult:
    """The requester (or a lead) changes the request or adds photos until it is accepted."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.EDIT)
        _require(roles, ticket, Action.EDIT)
        changed: dict[str, object] = {}
        if title is not None and _title(title) != ticket.title:
            ticket.title = changed["title"] = _title(title)
        if description is not None and _description(description) != ticket.description:
            ticket.description = changed["description"] = _description(description)
        if fields is not None:
            team = uow.session.get(Team, ticket.team_id)
            assert team is not None
            merged = {**(ticket.fields or {}), **fields}
            new_fields = _fields(team, merged)
            if new_fields != ticket.fields:
                ticket.fields = changed["fields"] = new_fields
        if priority is not None and priority != ticket.priority:
            ticket.priority, changed["priority"] = priority, priority.value
        if not changed and not attachments:
            return _result(uow, actor, ticket, False, "Nothing changed.")
        event_id = work.add_event(uow, actor, ticket, EventKind.EDITED, changed=sorted(changed))
        files = add_attachments(uow, actor, ticket, attachments, event_id)
        return _result(uow, actor, ticket, True, f"Saved ({plural(files, 'file')} added)." if files else "Saved.",
                       event_id)


def accept(uow: UnitOfWork, actor: Actor, ticket_id: int, assignee_ids: Sequence[int] = (),
           due_at: datetime | None = None, note: str | None = None) -> TicketResult:
    """A lead accepts a new ticket, optionally assigning people at once (one task each, due `due_at`)."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.ACCEPT)
        if ticket.status == TicketStatus.ACCEPTED and not assignee_ids:
            return _result(uow, actor, ticket, False, "Already accepted.")
        _require(roles, ticket, Action.ACCEPT)
        _check_due(uow, due_at)
        ticket.accepted_at = uow.now
        event_id = work.add_event(uow, actor, ticket, EventKind.ACCEPTED, to=TicketStatus.ACCEPTED,
                                  text=_reason(note, "accepted", required=False))
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now)
        if assignee_ids:
            _assign(uow, actor, ticket, assignee_ids, due_at)
        return _result(uow, actor, ticket, True, f"Accepted #{ticket.number}.", event_id)


def reject(uow: UnitOfWork, actor: Actor, ticket_id: int, reason: str) -> TicketResult:
    """A lead rejects a new ticket with a reason the requester reads."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.REJECT)
        if ticket.status == TicketStatus.REJECTED:
            return _result(uow, actor, ticket, False, "Already rejected.")
        _require(roles, ticket, Action.REJECT)
        text = _reason(reason, "rejected")
        ticket.reject_reason, ticket.closed_at = text, uow.now
        event_id = work.add_event(uow, actor, ticket, EventKind.REJECTED, to=TicketStatus.REJECTED, text=text)
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now, text=text)
        return _result(uow, actor, ticket, True, f"Rejected #{ticket.number}; the requester is told why.",
                       event_id)


def _check_due(uow: UnitOfWork, due_at: datetime | None) -> None:
    if due_at is not None and (due_at.tzinfo is None or due_at <= uow.now):
        raise InvalidInput("The due time must be in the future.")


def _assign(uow: UnitOfWork, actor: Actor, ticket: Ticket, assignee_ids: Sequence[int],
            due_at: datetime | None) -> int | None:
    if actor.person_id is None:
        raise Forbidden("Assigning needs a signed-in person.")
    added = work.add_assignees(uow, actor, ticket, assignee_ids, due_at)
    if not added:
        return None
    event_id = work.add_event(uow, actor, ticket, EventKind.ASSIGNED, assignees=added,
                              due_at=due_at.isoformat() if due_at else None)
    if ticket.status == TicketStatus.DONE:  # more work on finished work: back in progress
        back = work.add_event(uow, actor, ticket, EventKind.REOPENED, to=TicketStatus.IN_PROGRESS)
        ticket.done_at = None
        notify.on_status(uow.session, ticket, back, actor.person_id, uow.now)
    return event_id


def assign(uow: UnitOfWork, actor: Actor, ticket_id: int, assignee_ids: Sequence[int],
           due_at: datetime | None = None) -> TicketResult:
    """A lead adds assignees (a new ticket is accepted by this); each gets a task linked to the ticket."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.ASSIGN)
        _require(roles, ticket, Action.ASSIGN)
        if not assignee_ids:
            raise InvalidInput("Choose at least one person.")
        _check_due(uow, due_at)
        accepted = None
        if ticket.status == TicketStatus.NEW:
            ticket.accepted_at = uow.now
            accepted = work.add_event(uow, actor, ticket, EventKind.ACCEPTED, to=TicketStatus.ACCEPTED)
            notify.on_status(uow.session, ticket, accepted, actor.person_id, uow.now)
        event_id = _assign(uow, actor, ticket, assignee_ids, due_at)
        if event_id is None:
            return _result(uow, actor, ticket, accepted is not None,
                           "They are already assigned (or not active).", accepted)
        return _result(uow, actor, ticket, True, f"Assigned #{ticket.number}.", event_id)


def resolve(uow: UnitOfWork, actor: Actor, ticket_id: int, note: str | None = None) -> TicketResult:
    """A lead resolves the ticket (work still open is cancelled); the requester and resolution lists hear."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.RESOLVE)
        if ticket.status == TicketStatus.RESOLVED:
            return _result(uow, actor, ticket, False, "Already resolved.")
        _require(roles, ticket, Action.RESOLVE)
        text = _reason(note, "resolved", required=False)
        work.cancel_open_tasks(uow, actor, ticket, "The ticket was resolved.")
        ticket.resolution, ticket.resolved_at, ticket.resolved_by_id = text, uow.now, actor.person_id
        event_id = work.add_event(uow, actor, ticket, EventKind.RESOLVED, to=TicketStatus.RESOLVED, text=text)
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now, text=text)
        return _result(uow, actor, ticket, True, f"Resolved #{ticket.number}.", event_id)


def reopen(uow: UnitOfWork, actor: Actor, ticket_id: int, reason: str) -> TicketResult:
    """Send done work back, or reopen a resolved ticket (the resolution is rejected), with a reason."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.REOPEN)
        _require(roles, ticket, Action.REOPEN)
        text = _reason(reason, "reopened")
        reopened = work.reopen_finished_tasks(uow, actor, ticket, text or "")
        ticket.reopen_count += 1
        ticket.resolved_at = ticket.resolved_by_id = ticket.done_at = None
        to = TicketStatus.IN_PROGRESS if reopened else TicketStatus.ACCEPTED
        event_id = work.add_event(uow, actor, ticket, EventKind.REOPENED, to=to, text=text, tasks=reopened)
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now, text=text)
        return _result(uow, actor, ticket, True, f"Reopened #{ticket.number}.", event_id)


def cancel(uow: UnitOfWork, actor: Actor, ticket_id: int, reason: str | None = None) -> TicketResult:
    """The requester, a lead or an admin cancels an open ticket; its open tasks are cancelled too."""
    with uow:
        _v, ticket, roles = access.authorise(uow.session, actor, ticket_id, Action.CANCEL)
        if ticket.status == TicketStatus.CANCELLED:
            return _result(uow, actor, ticket, False, "Already cancelled.")
        _require(roles, ticket, Action.CANCEL)
        text = _reason(reason, "cancelled", required=False)
        work.cancel_open_tasks(uow, actor, ticket, text or "The ticket was cancelled.")
        ticket.closed_at = uow.now
        event_id = work.add_event(uow, actor, ticket, EventKind.CANCELLED, to=TicketStatus.CANCELLED, text=text)
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now, text=text)
        return _result(uow, actor, ticket, True, f"Cancelled #{ticket.number}.", event_id)


def comment(uow: UnitOfWork, actor: Actor, ticket_id: int, text: str, internal: bool = False,
            attachments: Sequence[AttachmentIn] = ()) -> TicketResult:
    """A comment (text and/or files) on a visible ticket; internal notes are staff-only and never reach
    the requester. The other side is told (domain.tickets.notify.on_comment)."""
    with uow:
        _v, ticket, _roles = access.authorise(uow.session, actor, ticket_id,
                                             Action.NOTE if internal else Action.COMMENT)
        body = (text or "").strip()
        if not body and not attachments:
            raise InvalidInput("A comment needs text or a file.")
        if len(body) > MAX_COMMENT:
            raise InvalidInput(f"The comment is too long (at most {MAX_COMMENT} characters).")
        event_id = work.add_event(uow, actor, ticket, EventKind.COMMENT, text=body or None, internal=internal)
        files = add_attachments(uow, actor, ticket, attachments, event_id, internal=internal)
        notify.on_comment(uow.session, ticket, event_id, actor.person_id, uow.now, body, internal, files)
        return _result(uow, actor, ticket, True, "Internal note added." if internal else "Comment sent.",
                       event_id)


def is_team_member(uow: UnitOfWork, team_id: int, person_id: int) -> bool:
    """Whether a person is on a team (for pickers: assignees are usually the team's crew)."""
    with uow:
        return uow.session.get(TeamMember, (team_id, person_id)) is not None
