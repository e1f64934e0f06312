"""Who sees what in the queue: ops.full_access (admins) everything, team leads their teams' tickets, everyone their own items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.models import TeamMember
from domain.perms.catalogue import OPS_FULL_ACCESS
from domain.perms.check import can


@dataclass(frozen=True)
class QueueScope:
    """The viewer and what they may see: everything, or their own items plus their led teams' tickets."""

    person_id: int
    everything: bool
    led_teams: tuple[int, ...]

    @property
    def may_use_queue(self) -> bool:
        """Admins and team leads get the organisation queue (console, /queue)."""
        return self.everything or bool(self.led_teams)


def queue_scope(session: Session, actor: Actor) -> QueueScope:
    """The one scope rule of the queue and the metrics, for an active person."""
    person = load_active(session, actor)
    led = tuple(session.scalars(select(TeamMember.team_id).where(
        TeamMember.person_id == person.id, TeamMember.is_lead.is_(True)).order_by(TeamMember.team_id)))
    return QueueScope(person.id, can(session, person, OPS_FULL_ACCESS), led)
