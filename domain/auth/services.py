"""Web sign-in: one-time codes sent through Telegram, sessions, one-time sign-in links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.auth import limits
from domain.errors import DomainError, InvalidInput
from domain.models import Channel, Person, PersonStatus, Role
from domain.models.auth import OneTimeToken, OtpChallenge, WebSession
from domain.outbox import Intent, NotificationKind, enqueue
from domain.perms.check import effective
from domain.phones import PhoneError, mask_phone, normalise_phone
from domain.uow import UnitOfWork

CODE_TTL = timedelta(minutes=10)
MAX_GUESSES = 5
PER_BROWSER_PER_HOUR = limits.PER_BROWSER_PER_HOUR
PER_PHONE_PER_HOUR = limits.PER_PHONE_PER_HOUR
PER_PHONE_ALL_PER_HOUR = limits.PER_PHONE_ALL_PER_HOUR
PER_IP_PER_HOUR = limits.PER_IP_PER_HOUR
SESSION_ABSOLUTE = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
SIGNIN_LINK_TTL = timedelta(minutes=10)
SIGNIN = "signin"


class TooManyRequests(DomainError):
    code = "too_many_requests"


class TokenInvalid(InvalidInput):
    """Forged, unknown, or made for another purpose."""


class TokenUsed(InvalidInput):
    """Genuine, but already consumed."""


class TokenExpired(InvalidInput):
    """Genuine, but too old."""


ATTENDANCE = "attendance"  # one-time links to the web attendance sheet


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _code_hash(key: str, attempt_id: str, code: str) -> str:
    return hmac.new(key.encode(), f"{attempt_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodeRequest:
    attempt_id: str  # kept by the browser; the code is bound to it


def request_code(uow: UnitOfWork, *, phone: str, ip: str | None, key: str, region: str | None = None,
                 browser: str | None = None, trusted_person_id: int | None = None) -> CodeRequest:
    """Start a login attempt. Answers alike whether or not the phone is on the allowlist.

    `browser` names the asking browser (a hash of its sign-in cookie); `trusted_person_id` is the
    person a signed device cookie says this browser signed in as before. Refused requests change
    nothing: earlier codes stay valid (each is bound to its own attempt, so one never replaces another).
    """
    try:
        e164 = normalise_phone(phone, region)
    except PhoneError:
        raise InvalidInput("Enter your phone number with its country code, e.g. +44 7700 900123.") from None
    limits.prune(uow)
    with uow:
        now = uow.now
        person = uow.session.scalar(select(Person).where(
            Person.phone == e164, Person.status == PersonStatus.ACTIVE, Person.telegram_chat_id.is_not(None)))
        trusted = person is not None and trusted_person_id == person.id
        if not limits.spend(uow, limits.budgets(phone=e164, ip=ip, browser=browser, trusted=trusted)):
            raise TooManyRequests("Too many codes were asked for. Wait an hour, then try again. If the "
                                  "number is yours, you can also send /web to the Taskbell bot in "
                                  "Telegram for a sign-in link.")
        attempt_id = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(1_000_000):06d}"
        challenge = OtpChallenge(
            id=_sha(attempt_id), phone=e164, person_id=person.id if person else None,
            code_hash=_code_hash(key, attempt_id, code), ip=ip, attempts=0, created_at=now,
            expires_at=now + CODE_TTL)
        uow.session.add(challenge)
        uow.session.flush()
        if person is not None:
            enqueue(uow.session, [Intent(NotificationKind.LOGIN_CODE, person.id, f"login_code:{challenge.id}",
                                         {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)},
                                         "otp", None)], now)
        audit.record(uow.session, Actor(person.id if person else None, Channel.WEB, ip), "login.code_requested",
                     "person", person.id if person else None, now, phone=mask_phone(e164))
        uow.commit()
    return CodeRequest(attempt_id)


WRONG = "That code is not right, or it has expired. Ask for a new code."


def _take_code(uow: UnitOfWork, *, attempt_id: str, code: str, ip: str | None, key: str) -> Person:
    """Within an open uow: consume the attempt's code exactly once; a wrong guess is committed, then refused.

    A guess is first claimed by one conditional UPDATE (attempts + 1 while below the limit), and only a
    claimed guess is compared, so concurrent guesses never get more than MAX_GUESSES comparisons."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = uow.now
    attempt_hash = _sha(attempt_id or "")
    claimed = uow.session.execute(
        update(OtpChallenge).where(OtpChallenge.id == attempt_hash, OtpChallenge.consumed_at.is_(None),
                                   OtpChallenge.expires_at > now, OtpChallenge.attempts < MAX_GUESSES)
        .values(attempts=OtpChallenge.attempts + 1).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise InvalidInput(WRONG)
    challenge = uow.session.get(OtpChallenge, attempt_hash)
    assert challenge is not None
    good = hmac.compare_digest(challenge.code_hash, _code_hash(key, attempt_id, code))
    if not good or challenge.person_id is None:
        audit.record(uow.session, Actor(challenge.person_id, Channel.WEB, ip), "login.code_wrong",
                     "person", challenge.person_id, now)
        uow.commit()
        raise InvalidInput(WRONG)
    taken = uow.session.execute(
        update(OtpChallenge).where(OtpChallenge.id == challenge.id, OtpChallenge.consumed_at.is_(None))
        .values(consumed_at=now).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise InvalidInput(WRONG)
    person = uow.session.get(Person, challenge.person_id)
    if person is None or person.status != PersonStatus.ACTIVE:
        raise InvalidInput(WRONG)
    audit.record(uow.session, Actor(person.id, Channel.WEB, ip), "login.code_ok", "person", person.id, now)
    return person


def verify_code(uow: UnitOfWork, *, attempt_id: str, code: str, ip: str | None, key: str) -> SignedIn:
    """Consume the attempt's code exactly once; five wrong guesses kill it."""
    with uow:
        person = _take_code(uow, attempt_id=attempt_id, code=code, ip=ip, key=key)
        uow.commit()
        return signed_in(person)


def sign_in_with_code(uow: UnitOfWork, *, attempt_id: str, code: str, ip: str | None, key: str
                      ) -> SessionInfo:
    """The code form's POST: consume the code and open a session, in one transaction."""
    with uow:
        person = _take_code(uow, attempt_id=attempt_id, code=code, ip=ip, key=key)
        info = _open_session(uow, person, ip)
        uow.commit()
        return info


# --- sessions -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedIn:
    """The signed-in person as the web sees them (re-read on every request)."""
    id: int
    name: str
    role: Role
    timezone: str | None
    link_generation: int
    # held now (role defaults and own grants), read with the session on every request; derived, so not
    # part of the read model's equality
    permissions: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def holds(self, permission: str) -> bool:
        """Whether the person held `permission` when the session was read (the console's page gates, nav)."""
        return permission in self.permissions


def signed_in(person: Person, session: Session | None = None) -> SignedIn:
    """The read model of a loaded person; with a `session`, with the permissions they hold."""
    held = effective(session, person) if session is not None else frozenset()
    return SignedIn(person.id, person.name, person.role, person.timezone, person.link_generation, held)


@dataclass(frozen=True)
class SessionInfo:
    session_id: str  # the cookie value (only its hash is stored)
    person: SignedIn
    csrf_secret: str
    expires_at: datetime


def _open_session(uow: UnitOfWork, person: Person, ip: str | None, **audit_details: object) -> SessionInfo:
    """Within an open uow: a new session for an active person (the caller commits)."""
    now = uow.now
    sid = secrets.token_urlsafe(32)
    row = WebSession(id=_sha(sid), person_id=person.id, csrf_secret=secrets.token_hex(16), ip=ip,
                     created_at=now, last_seen_at=now, expires_at=now + SESSION_ABSOLUTE)
    uow.session.add(row)
    audit.record(uow.session, Actor(person.id, Channel.WEB, ip), "session.start", "person", person.id, now,
                 **audit_details)
    return SessionInfo(sid, signed_in(person, uow.session), row.csrf_secret, row.expires_at)


def create_session(uow: UnitOfWork, person_id: int, ip: str | None) -> SessionInfo:
    """Open a session for an active person."""
    with uow:
        person = uow.session.get(Person, person_id)
        if person is None or person.status != PersonStatus.ACTIVE:
            raise InvalidInput("This account cannot sign in.")
        info = _open_session(uow, person, ip)
        uow.commit()
        return info


def load_session(uow: UnitOfWork, session_id: str) -> SessionInfo | None:
    """The live session and its person (re-read every request: role and status changes apply now)."""
    if not session_id:
        return None
    with uow:
        now = uow.now
        row = uow.session.get(WebSession, _sha(session_id))
        if row is None or row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
            return None
        person = uow.session.get(Person, row.person_id)
        if person is None or person.status != PersonStatus.ACTIVE:
            return None
        if now - row.last_seen_at > timedelta(minutes=1):
            row.last_seen_at = now
            uow.commit()
        return SessionInfo(session_id, signed_in(person, uow.session), row.csrf_secret, row.expires_at)


def end_session(uow: UnitOfWork, session_id: str) -> None:
    """Sign out: delete the web session (audited) and any sessions already expired."""
    with uow:
        row = uow.session.get(WebSession, _sha(session_id))
        if row is not None:
            uow.session.delete(row)
            audit.record(uow.session, Actor(row.person_id, Channel.WEB), "session.end", "person",
                         row.person_id, uow.now)
        uow.session.execute(delete(WebSession).where(WebSession.expires_at <= uow.now))
        uow.commit()


# --- one-time tokens (sign-in links, attendance sheets) -----------------------------------

def issue_one_time(uow: UnitOfWork, *, purpose: str, person_id: int, ttl: timedelta,
                   object_id: int | None = None) -> str:
    """A new single-use token for `purpose` (only its hash is stored), valid for `ttl`."""
    with uow:
        token = secrets.token_urlsafe(32)
        uow.session.add(OneTimeToken(id=_sha(token), purpose=purpose, person_id=person_id, object_id=object_id,
                                     created_at=uow.now, expires_at=uow.now + ttl))
        uow.commit()
        return token


def peek_one_time(uow: UnitOfWork, *, purpose: str, token: str) -> OneTimeToken:
    """Check a token without consuming it (a GET shows a confirm button)."""
    with uow:
        return peek_one_time_in(uow, purpose=purpose, token=token)


def peek_one_time_in(uow: UnitOfWork, *, purpose: str, token: str) -> OneTimeToken:
    """Check a token within the caller's open unit of work, without consuming it."""
    row = uow.session.get(OneTimeToken, _sha(token or ""))
    if row is None or row.purpose != purpose:
        raise TokenInvalid("This link is not valid.")
    if row.consumed_at is not None:
        raise TokenUsed("This link was already used; ask the bot for a new one.")
    if row.expires_at <= uow.now:
        raise TokenExpired("This link has expired; ask the bot for a new one.")
    return row


def consume_one_time_in(uow: UnitOfWork, *, purpose: str, token: str) -> OneTimeToken:
    """Consume within the caller's open unit of work (verify-act-consume in one transaction)."""
    row = uow.session.get(OneTimeToken, _sha(token or ""))
    if row is None or row.purpose != purpose:
        raise TokenInvalid("This link is not valid.")
    if row.expires_at <= uow.now:
        raise TokenExpired("This link has expired; ask the bot for a new one.")
    taken = uow.session.execute(
        update(OneTimeToken).where(OneTimeToken.id == row.id, OneTimeToken.consumed_at.is_(None))
        .values(consumed_at=uow.now).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise TokenUsed("This link was already used; ask the bot for a new one.")
    return row


def sign_in_with_link(uow: UnitOfWork, *, token: str, ip: str | None) -> SessionInfo:
    """The POST behind a /web sign-in link: consume the token and open a session, atomically."""
    with uow:
        row = consume_one_time_in(uow, purpose=SIGNIN, token=token)
        person = uow.session.get(Person, row.person_id)
        if person is None or person.status != PersonStatus.ACTIVE:
            raise InvalidInput("This account cannot sign in.")
        info = _open_session(uow, person, ip, via="link")
        uow.commit()
        return info
