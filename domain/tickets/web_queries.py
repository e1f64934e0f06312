"""Small reads the web's pages need around the desk (the console's own lists are domain.tickets.search)."""

from __future__ import annotations

from sqlalchemy import select

from domain.models import TeamMember
from domain.uow import UnitOfWork


def on_a_team(uow: UnitOfWork, person_id: int) -> bool:
    """Whether the person is on a desk team (their dashboard offers the console's ticket list)."""
    with uow:
        return uow.session.scalar(select(TeamMember.team_id).where(TeamMember.person_id == person_id)
                                  .limit(1)) is not None
