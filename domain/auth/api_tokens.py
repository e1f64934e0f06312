"""Per-person API tokens: issue (the plaintext is shown once), authenticate, revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from domain import audit
from domain.actors import Actor, load_active
from domain.auth.services import SignedIn, signed_in
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import ApiToken, Channel, Person, PersonStatus, Role
from domain.phones import normalise_phone
from domain.uow import UnitOfWork

TOKEN_PREFIX = "tb_"
MAX_NAME = 80
MAX_TOKEN_LENGTH = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per token per minute


def hash_token(plaintext: str) -> str:
    """The SHA-256 hex digest under which a token is stored (never the token itself)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _authorise_owner(uow: UnitOfWork, actor: Actor, person_id: int) -> None:
    """The operator's shell, an active admin, or the person themself."""
    if actor.channel == Channel.SYSTEM and actor.person_id is None:
        return
    me = load_active(uow.session, actor)
    if me.role != Role.ADMIN and me.id != person_id:
        raise Forbidden("Only an admin or the person themself can manage their API tokens.")


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner sees it: never the plaintext, never the hash."""

    id: int
    person_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, t: ApiToken) -> TokenInfo:
        """The snapshot of an ORM row, taken inside its unit of work."""
        return cls(t.id, t.person_id, t.name, t.created_at, t.last_used_at, t.revoked_at)


def create_token(uow: UnitOfWork, actor: Actor, person_id: int, name: str) -> tuple[TokenInfo, str]:
    """Issue a token for `person_id`; the plaintext is returned once and never stored."""
    with uow:
        _authorise_owner(uow, actor, person_id)
        name = " ".join((name or "").split())
        if not name or len(name) > MAX_NAME:
            raise InvalidInput(f"A token needs a name of 1 to {MAX_NAME} characters.")
        if uow.session.get(Person, person_id) is None:
            raise NotFound("No such person.")
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(person_id=person_id, name=name, token_hash=hash_token(plaintext),
                         created_at=uow.now)
        uow.session.add(token)
        uow.session.flush()
        audit.record(uow.session, actor, "api_token.create", "api_token", token.id, uow.now,
                     person_id=person_id, name=name)
        uow.commit()
        return TokenInfo.of(token), plaintext


def authenticate(uow: UnitOfWork, plaintext: str) -> SignedIn | None:
    """The active person a live token belongs to (a read model), else None.

    Reads in `uow` (pass a readonly one); notes the use in a short write of its own, at most
    once a minute per token, so requests do not queue on SQLite's write lock.
    """
    if not plaintext or len(plaintext) > MAX_TOKEN_LENGTH:
        return None
    with uow:
        row = uow.session.execute(
            select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, Person)
            .join(Person, Person.id == ApiToken.person_id)
            .where(ApiToken.token_hash == hash_token(plaintext))).first()
    if row is None:
        return None
    token_id, revoked_at, last_used_at, person = row
    if revoked_at is not None or person.status != PersonStatus.ACTIVE:
        return None
    if last_used_at is None or uow.now - last_used_at >= LAST_USED_RESOLUTION:
        with uow.db.uow() as write:
            write.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                                  .values(last_used_at=write.now)
                                  .execution_options(synchronize_session=False))
            write.commit()
    return signed_in(person)


def revoke(uow: UnitOfWork, actor: Actor, token_id: int) -> bool:
    """Revoke a token; False when it was already revoked."""
    with uow:
        token = uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("No such API token.")
        _authorise_owner(uow, actor, token.person_id)
        if token.revoked_at is not None:
            return False
        token.revoked_at = uow.now
        audit.record(uow.session, actor, "api_token.revoke", "api_token", token.id, uow.now,
                     person_id=token.person_id)
        uow.commit()
        return True


def person_id_for_phone(uow: UnitOfWork, phone: str, region: str | None = None) -> int:
    """The id of the person with this phone (for the operator's `taskbell api-token`)."""
    e164 = normalise_phone(phone, region)
    with uow:
        person_id = uow.session.scalar(select(Person.id).where(Person.phone == e164))
    if person_id is None:
        raise NotFound(f"Nobody with the phone {e164} is on the allowlist.")
    return person_id


def list_tokens(uow: UnitOfWork, actor: Actor, person_id: int) -> list[TokenInfo]:
    """A person's tokens, newest first (hashes included; never the plaintext)."""
    with uow:
        _authorise_owner(uow, actor, person_id)
        return [TokenInfo.of(t) for t in uow.session.scalars(
            select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id.desc()))]
