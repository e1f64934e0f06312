"""Small reads the web's pages need around the desk (the console's own lists are domain.tickets.search)."""

from __future__ import annotations

from sqlalchemy import select

from domain.actors import Actor
from domain.models import TeamMember
from domain.teams.queries import team_row
from domain.tickets import access
from domain.uow import UnitOfWork


def on_a_team(uow: UnitOfWork, person_id: int) -> bool:
    """Whether the person is on a desk team (their dashboard offers the console's ticket list)."""
    with uow:
        return uow.session.scalar(select(TeamMember.team_id).where(TeamMember.person_id == person_id)
                                  .limit(1)) is not None


def file_kinds(uow: UnitOfWork, actor: Actor, ticket_id: int) -> frozenset[str]:
    """The file kinds a comment on this ticket may carry (its team's); NotFound when it is not visible."""
    with uow:
        _v, ticket, _roles = access.authorise(uow.session, actor, ticket_id)
        return team_row(uow.session, ticket.team_id).file_kinds
