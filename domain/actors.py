"""Who is acting, through which channel, and the checks every service starts with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from domain.errors import Forbidden
from domain.models import Channel, Person, PersonStatus, Role


@dataclass(frozen=True)
class Actor:
    """The acting person as the entry point knows them; services load and check the rest."""

    person_id: int | None
    channel: Channel
    ip: str | None = None
    via: str | None = None  # a finer name for the channel where one is kept (a ticket's timeline: "api")
    user_agent: str | None = None  # the browser's or client's User-Agent (web), kept in the audit log

    @classmethod
    def system(cls) -> Actor:
        return cls(None, Channel.SYSTEM)

    @classmethod
    def telegram(cls, person_id: int) -> Actor:
        return cls(person_id, Channel.TELEGRAM)

    @classmethod
    def web(cls, person_id: int, ip: str | None, user_agent: str | None = None) -> Actor:
        return cls(person_id, Channel.WEB, ip, user_agent=user_agent)

    @classmethod
    def api(cls, person_id: int, ip: str | None, user_agent: str | None = None) -> Actor:
        """The JSON API: the web channel (audit), shown as "api" where the channel is named (tickets)."""
        return cls(person_id, Channel.WEB, ip, "api", user_agent)

    @property
    def channel_name(self) -> str:
        """telegram, web, api or system."""
        return self.via or self.channel.value


def load_active(session: Session, actor: Actor, *roles: Role) -> Person:
    """The actor's current row, refusing anyone not active or not in `roles` (when given)."""
    if actor.person_id is None:
        raise Forbidden("This action needs a signed-in person.")
    person = session.get(Person, actor.person_id)
    if person is None or person.status != PersonStatus.ACTIVE:
        raise Forbidden("Your account is not active; ask an administrator.")
    if roles and person.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(f"Only {allowed} can do this.")
    return person


def load_admin_or_system(session: Session, actor: Actor) -> Person | None:
    """The operator's shell (system actor) or an active admin; None for the system."""
    if actor.channel == Channel.SYSTEM and actor.person_id is None:
        return None
    return load_active(session, actor, Role.ADMIN)
