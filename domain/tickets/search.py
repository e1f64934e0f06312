"""Full-text search over tickets: title, description, the extra fields' values and the comments
(internal notes are not searched, so a match never hints at one).

SQLite: the FTS5 table `ticket_search`, kept by triggers (migration 0014_desk_search): one row per ticket
(rowid = -ticket id) and one per comment (rowid = event id). PostgreSQL: `to_tsvector('simple', ...)`
at query time, matched with `websearch_to_tsquery`. `matching(session, text)` is the condition on Ticket.

    search_tickets(uow, actor, filters, *, limit, offset) -> TicketPage   filters.text searched in full text
    tickets_csv(uow, actor, filters) -> str                               the same tickets as CSV (formula guard)
    filter_options(uow, actor) -> FilterOptions                           teams and people to filter by
Visibility is domain.tickets.queries.visible_conditions, always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import (
    ColumnElement,
    Text,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.csv_export import write_csv
from domain.errors import InvalidInput
from domain.models import Person, Team, Ticket, TicketAssignee, TicketEvent
from domain.tickets import contact_audit
from domain.tickets.build import rows_for
from domain.tickets.queries import ALL, visible_conditions
from domain.tickets.rows import MAX_PAGE, TicketFilter, TicketPage
from domain.uow import UnitOfWork

CONFIG = "simple"  # no stemming: ids, names and mixed languages match as written
MAX_WORDS = 12
FTS_TABLE = "ticket_search"
_WORD = re.compile(r"\w", re.UNICODE)
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
PG_PUNCT = "[^[:alnum:]]+"


def fts5_query(text: str) -> str:
    """`text` as an FTS5 query: every word a quoted phrase (so no character is syntax), all required.
    '' when nothing searchable is left."""
    words = [w for w in text.split() if _WORD.search(w)][:MAX_WORDS]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _sqlite(text: str) -> ColumnElement[bool]:
    query = fts5_query(text)
    if not query:
        return false()
    fts = table(FTS_TABLE, column("ticket_id"))
    hits = select(fts.c.ticket_id).where(literal_column(FTS_TABLE).op("MATCH")(bindparam("fts", query)))
    return Ticket.id.in_(hits)


def pg_query(text: str) -> str:
    """`text` for websearch_to_tsquery: every word a quoted phrase of its letters and digits (so 'BK-4471'
    is 'bk' followed by '4471' and nothing is syntax), all required."""
    words = [" ".join(_PUNCT.sub(" ", w).split()) for w in text.split()][:MAX_WORDS]
    return " ".join(f'"{w}"' for w in words if w)


def _pg_words(value: ColumnElement[str]) -> ColumnElement[object]:
    """A column's text as a tsvector, punctuation read as spaces (as pg_query reads the query)."""
    return func.to_tsvector(cast(literal(CONFIG), REGCONFIG), func.regexp_replace(value, PG_PUNCT, " ", "g"))


def _postgresql(text: str) -> ColumnElement[bool]:
    query = func.websearch_to_tsquery(cast(literal(CONFIG), REGCONFIG), pg_query(text))
    document = _pg_words(func.concat_ws(" ", Ticket.title, Ticket.description, cast(Ticket.fields, Text)))
    comment = exists(select(TicketEvent.id).where(
        TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "comment", TicketEvent.internal.is_(False),
        _pg_words(func.coalesce(TicketEvent.text, "")).op("@@")(query)))
    return or_(document.op("@@")(query), comment)


def matching(session: Session, text: str) -> ColumnElement[bool]:
    """The tickets whose words match `text` (every word, in any of the searched places)."""
    if not fts5_query(text):
        return false()
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(text)
    return _sqlite(text)


def _conditions(session: Session, actor: Actor, filters: TicketFilter) -> tuple[object, list[ColumnElement[bool]]]:
    """Visibility and the filter, with the text searched in full (or as a ticket number: '#12', '12')."""
    text = " ".join((filters.text or "").split())[:200]
    v, where = visible_conditions(session, actor, replace(filters, text=""))
    if text:
        number = text.lstrip("#")
        found = matching(session, text)
        where.append(or_(found, Ticket.number == int(number)) if number.isdigit() and len(number) < 10 else found)
    return v, where


def search_tickets(uow: UnitOfWork, actor: Actor, filters: TicketFilter = ALL, *, limit: int = 20,
                   offset: int = 0) -> TicketPage:
    """One page of the visible tickets matching the filter and the full-text query, newest first."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}, offset not negative.")
    with uow:
        v, where = _conditions(uow.session, actor, filters)
        total = int(uow.session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)
        tickets = list(uow.session.scalars(select(Ticket).where(*where).order_by(
            Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)))
        page = TicketPage(total, limit, offset, rows_for(uow.session, v, tickets))  # type: ignore[arg-type]
        contact_audit.record_views(uow, actor, v, tickets, contact_audit.surface(actor, "tickets"))  # type: ignore[arg-type]
        return page


MAX_EXPORT_ROWS = 10_000
CSV_HEADER = ["number", "title", "team", "status", "priority", "requester", "contact", "assignees", "progress",
              "created_at", "updated_at", "fields"]


def tickets_csv(uow: UnitOfWork, actor: Actor, filters: TicketFilter = ALL) -> str:
    """The tickets search_tickets would list, newest first, as CSV (every cell formula-guarded)."""
    with uow:
        v, where = _conditions(uow.session, actor, filters)
        tickets = list(uow.session.scalars(select(Ticket).where(*where).order_by(
            Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_EXPORT_ROWS)))
        rows = rows_for(uow.session, v, tickets)  # type: ignore[arg-type]
        contact_audit.record_views(uow, actor, v, tickets, "csv.tickets")  # type: ignore[arg-type]
    return write_csv(CSV_HEADER, ([
        r.number, r.title, r.team_name, r.status.value, r.priority.value, r.requester_name,
        " ".join(x for x in (r.contact.name, r.contact.phone, r.contact.email) if x) if r.contact else None,
        ", ".join(r.assignee_names), str(r.progress), r.created_at.isoformat(), r.updated_at.isoformat(),
        "; ".join(f"{k}={val}" for k, val in sorted(r.fields.items()))] for r in rows))


@dataclass(frozen=True)
class FilterOptions:
    """What the ticket list's filters offer: teams, and the people on the visible tickets."""

    teams: list[tuple[int, str]]
    assignees: list[tuple[int, str]]
    requesters: list[tuple[int, str]]


def filter_options(uow: UnitOfWork, actor: Actor) -> FilterOptions:
    """The teams and people this viewer's tickets involve (nothing they could not see)."""
    with uow:
        _v, where = visible_conditions(uow.session, actor)
        seen = select(Ticket.id).where(*where)
        teams = uow.session.execute(select(Team.id, Team.name).where(
            Team.id.in_(select(Ticket.team_id).where(*where))).order_by(Team.name)).all()
        assignees = uow.session.execute(select(Person.id, Person.name).where(Person.id.in_(
            select(TicketAssignee.person_id).where(TicketAssignee.ticket_id.in_(seen)))).order_by(Person.name))
        requesters = uow.session.execute(select(Person.id, Person.name).where(Person.id.in_(
            select(Ticket.requester_id).where(*where))).order_by(Person.name))
        return FilterOptions([(i, n) for i, n in teams], [(i, n) for i, n in assignees],
                             [(i, n) for i, n in requesters])
