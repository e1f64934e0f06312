"""Sign-in codes by email, and proving an address is the person's.

A sign-in code goes only to a verified address of an active person; it is an ordinary login attempt
(the same table, the same code form, the same five guesses) sent by email instead of Telegram, and it
spends the same budgets as a Telegram code (domain.auth.limits, the address standing for the phone).
An address is verified by a code sent to it that the person types back while signed in or through their
settings link; such an attempt names no person to sign in as, so it can never open a session.
Answers alike whether or not the address is known."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import func, select, update

from domain import audit
from domain.actors import Actor
from domain.auth import limits
from domain.auth.services import (
    CODE_TTL,
    MAX_GUESSES,
    WRONG,
    CodeRequest,
    TooManyRequests,
    _code_hash,
    _sha,
)
from domain.errors import DomainError, InvalidInput
from domain.mail.addresses import normalise_email
from domain.mail.channels import mark_email_verified
from domain.models import Channel, Person, PersonStatus
from domain.models.auth import OtpChallenge
from domain.outbox import Intent, NotificationKind, enqueue
from domain.uow import EMAIL_ON, UnitOfWork

TOO_MANY = "Too many codes were asked for. Wait an hour, then try again."


class EmailOff(DomainError):
    """Email is not configured here (no SMTP settings), so no code can go by email."""

    code = "email_off"


def _tag(address: str) -> str:
    """What the attempt row keeps instead of a phone: a short hash of the address (20 characters)."""
    return "@" + hashlib.sha256(address.lower().encode()).hexdigest()[:19]


def _verify_tag(person_id: int, address: str) -> str:
    return f"v{person_id}:" + hashlib.sha256(address.lower().encode()).hexdigest()[:18 - len(str(person_id))]


def _send(uow: UnitOfWork, person: Person, challenge: OtpChallenge, code: str, purpose: str) -> None:
    """Queue the code to the person's address (never to Telegram)."""
    enqueue(uow.session, [Intent(NotificationKind.LOGIN_CODE, person.id, f"{purpose}:{challenge.id}",
                                 {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60),
                                  "purpose": purpose}, "otp", None, ("email",))], uow.now)


def _new_attempt(uow: UnitOfWork, tag: str, person_id: int | None, ip: str | None, key: str
                 ) -> tuple[str, str, OtpChallenge]:
    attempt_id = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = OtpChallenge(id=_sha(attempt_id), phone=tag, person_id=person_id,
                             code_hash=_code_hash(key, attempt_id, code), ip=ip, attempts=0,
                             created_at=uow.now, expires_at=uow.now + CODE_TTL)
    uow.session.add(challenge)
    uow.session.flush()
    return attempt_id, code, challenge


def request_email_code(uow: UnitOfWork, *, address: str, ip: str | None, key: str, browser: str | None = None,
                       trusted_person_id: int | None = None) -> CodeRequest:
    """Start a sign-in by email: a code to the address if an active person has it verified."""
    try:
        email = normalise_email(address)
    except InvalidInput:
        raise InvalidInput("Enter your email address, e.g. name@example.org.") from None
    limits.prune(uow)
    with uow:
        if not uow.session.info.get(EMAIL_ON):
            raise EmailOff("Codes by email are not available here: sign in with your phone number.")
        person = uow.session.scalar(select(Person).where(
            func.lower(Person.email) == email.lower(), Person.email_verified_at.is_not(None), Person.email_unreachable_at.is_(None),
            Person.status == PersonStatus.ACTIVE))
        trusted = person is not None and trusted_person_id == person.id
        if not limits.spend(uow, limits.budgets(phone=email.lower(), ip=ip, browser=browser, trusted=trusted)):
            raise TooManyRequests(TOO_MANY)
        attempt_id, code, challenge = _new_attempt(uow, _tag(email), person.id if person else None, ip, key)
        if person is not None:
            _send(uow, person, challenge, code, "login_email")
        audit.record(uow.session, Actor(person.id if person else None, Channel.WEB, ip), "login.email_code_requested",
                     "person", person.id if person else None, uow.now)
        uow.commit()
    return CodeRequest(attempt_id)


def request_verification(uow: UnitOfWork, actor: Actor, *, key: str, browser: str | None = None) -> CodeRequest:
    """Send a code to the actor's own address, to prove it is theirs (the same budgets as sign-in)."""
    with uow:
        if not uow.session.info.get(EMAIL_ON):
            raise EmailOff("Email is not configured here, so the address cannot be verified yet.")
        person = uow.session.get(Person, actor.person_id) if actor.person_id is not None else None
        if person is None or person.status == PersonStatus.DISABLED:
            raise InvalidInput("This account cannot do that.")
        if not person.email:
            raise InvalidInput("There is no email address to verify; add one first.")
        if not limits.spend(uow, limits.budgets(phone=person.email.lower(), ip=actor.ip, browser=browser,
                                                trusted=False)):
            raise TooManyRequests(TOO_MANY)
        attempt_id, code, challenge = _new_attempt(uow, _verify_tag(person.id, person.email), None, actor.ip, key)
        _send(uow, person, challenge, code, "verify_email")
        audit.record(uow.session, actor, "person.email_code_sent", "person", person.id, uow.now)
        uow.commit()
    return CodeRequest(attempt_id)


def verify_address(uow: UnitOfWork, actor: Actor, *, attempt_id: str, code: str, key: str) -> str:
    """The code typed back: the address is the person's (returns it). Five wrong guesses kill the attempt."""
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    with uow:
        person = uow.session.get(Person, actor.person_id) if actor.person_id is not None else None
        if person is None or not person.email:
            raise InvalidInput(WRONG)
        attempt_hash = _sha(attempt_id or "")
        claimed = uow.session.execute(
            update(OtpChallenge).where(OtpChallenge.id == attempt_hash, OtpChallenge.consumed_at.is_(None),
                                       OtpChallenge.expires_at > uow.now, OtpChallenge.attempts < MAX_GUESSES,
                                       OtpChallenge.phone == _verify_tag(person.id, person.email))
            .values(attempts=OtpChallenge.attempts + 1).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            raise InvalidInput(WRONG)
        challenge = uow.session.get(OtpChallenge, attempt_hash)
        assert challenge is not None
        if not hmac.compare_digest(challenge.code_hash, _code_hash(key, attempt_id, digits)):
            uow.commit()  # the guess counts
            raise InvalidInput(WRONG)
        challenge.consumed_at = uow.now
        mark_email_verified(uow.session, person.id, person.email, uow.now)
        audit.record(uow.session, actor, "person.email_verified", "person", person.id, uow.now)
        uow.commit()
        return person.email
