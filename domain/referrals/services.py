"""Making a referral (referrals.make: students and parents), and the admins' side (referrals.manage):
the list (names and phones masked without pii.full), inviting the person referred, declining or reopening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.models import Person, Referral, ReferralStatus, Role
from domain.people import services as people
from domain.perms.catalogue import REFERRALS_MAKE, REFERRALS_MANAGE
from domain.perms.check import require
from domain.phones import normalise_phone
from domain.pii import redactor
from domain.textinput import check_text
from domain.uow import UnitOfWork

MAX_NOTE = 500
OPEN = (ReferralStatus.NEW, ReferralStatus.INVITED)
INVITE_ROLES = (Role.STUDENT, Role.PARENT)


@dataclass(frozen=True)
class ReferralRow:
    """A referral as the admins' page shows it (name and phone as the viewer may see them)."""

    id: int
    name: str
    phone: str
    note: str
    status: ReferralStatus
    referrer_id: int
    referrer: str
    created_at: datetime
    person_id: int | None
    thanked: bool


def check_name(raw: str) -> str:
    """The referred person's name (1-120 characters, spaces collapsed); InvalidInput otherwise."""
    return people.clean_name(check_text(raw or "", "The name", multiline=False))


def check_phone(raw: str, region: str | None = None) -> str:
    """The phone in E.164 (domain.phones); PhoneError with a message otherwise."""
    return normalise_phone(check_text(raw or "", "The phone", multiline=False), region)


def check_note(raw: str) -> str:
    """The note (up to 500 characters, may be empty)."""
    note = check_text(raw or "", "The note").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is too long ({len(note)} characters; at most {MAX_NOTE}).")
    return note


def may_refer(uow: UnitOfWork, actor: Actor) -> None:
    """Nothing when the actor may refer someone (referrals.make); Forbidden otherwise."""
    with uow:
        require(uow.session, actor, REFERRALS_MAKE)


def refer(uow: UnitOfWork, actor: Actor, *, name: str, phone: str, note: str = "",
          region: str | None = None) -> int:
    """Record a referral by the acting student or parent; returns its id."""
    with uow:
        me = require(uow.session, actor, REFERRALS_MAKE)
        name_, phone_, note_ = check_name(name), check_phone(phone, region), check_note(note)
        if phone_ == me.phone:
            raise InvalidInput("That is your own number; refer someone else.")
        if uow.session.scalar(select(Referral.id).where(Referral.phone == phone_, Referral.status.in_(OPEN))):
            raise InvalidInput("This number has been referred already; the centre will be in touch with them.")
        known = uow.session.scalar(select(Person.id).where(Person.phone == phone_))
        ref = Referral(referrer_id=me.id, name=name_, phone=phone_, note=note_, status=ReferralStatus.NEW,
                       person_id=known, created_at=uow.now, updated_at=uow.now)
        uow.session.add(ref)
        uow.session.flush()
        audit.record(uow.session, actor, "referral.create", "referral", ref.id, uow.now)
        uow.commit()
        return ref.id


def list_referrals(uow: UnitOfWork, actor: Actor, status: ReferralStatus | None = None) -> list[ReferralRow]:
    """Referrals, newest first (one status when given); viewers without pii.full see masked names and
    phones, and a viewer with it leaves a pii.view audit entry."""
    with uow:
        me = require(uow.session, actor, REFERRALS_MANAGE)
        q = (select(Referral, Person.name).join(Person, Person.id == Referral.referrer_id)
             .order_by(Referral.created_at.desc(), Referral.id.desc()))
        if status is not None:
            q = q.where(Referral.status == status)
        r = redactor(uow.session, actor, me, "console.referrals", uow.now)
        rows = [ReferralRow(ref.id, ref.name if r.full else (r.name(None, ref.name) or ""),
                            ref.phone if r.full else (r.phone(None, ref.phone) or ""), ref.note, ref.status,
                            ref.referrer_id, r.name(ref.referrer_id, referrer) or "", ref.created_at,
                            ref.person_id, ref.thanked_at is not None)
                for ref, referrer in uow.session.execute(q)]
        if r.full and rows:
            audit.record(uow.session, actor, "pii.view", "referral", None, uow.now, where="console.referrals",
                         referrals=[row.id for row in rows][:200], count=len(rows))
            uow.commit()
        return rows


def _referral(session: Session, referral_id: int) -> Referral:
    ref = session.get(Referral, referral_id)
    if ref is None:
        raise NotFound("No such referral.")
    return ref


def invite(uow: UnitOfWork, actor: Actor, referral_id: int, role: str | Role = Role.STUDENT,
           region: str | None = None) -> int:
    """Put the person referred on the allowlist (the people service; found if there already) and mark the
    referral invited; returns the person's id, whose invite link the console shows."""
    with uow:
        require(uow.session, actor, REFERRALS_MANAGE)
        ref = _referral(uow.session, referral_id)
        if ref.status not in OPEN:
            raise InvalidInput(f"This referral is {ref.status.value}; there is nobody to invite.")
        role_ = people.parse_role(role)
        if role_ not in INVITE_ROLES:
            raise InvalidInput("Invite them as a student or a parent.")
        name, phone = ref.name, ref.phone
    added = people.add_person(uow.db.uow(), actor, name=name, phone=phone, role=role_, region=region,
                              existing_ok=True)
    with uow.db.uow() as u:
        changed = u.session.execute(
            update(Referral).where(Referral.id == referral_id, Referral.status.in_(OPEN))
            .values(status=ReferralStatus.INVITED, person_id=added.person.id, invited_at=u.now, updated_at=u.now)
        ).rowcount
        if changed:
            audit.record(u.session, actor, "referral.invite", "referral", referral_id, u.now,
                         person_id=added.person.id, created=added.created)
            u.commit()
    return added.person.id


def set_status(uow: UnitOfWork, actor: Actor, referral_id: int, status: ReferralStatus) -> bool:
    """Decline an open referral, or reopen a declined one (as new); False when it was so already."""
    with uow:
        require(uow.session, actor, REFERRALS_MANAGE)
        ref = _referral(uow.session, referral_id)
        if ref.status == status:
            return False
        if status == ReferralStatus.DECLINED and ref.status not in OPEN:
            raise InvalidInput("Only a new or invited referral can be declined.")
        if status == ReferralStatus.NEW and ref.status != ReferralStatus.DECLINED:
            raise InvalidInput("Only a declined referral can be reopened.")
        if status not in (ReferralStatus.DECLINED, ReferralStatus.NEW):
            raise InvalidInput("A referral is invited with Invite and enrolled when its person is enrolled.")
        old, ref.status, ref.updated_at = ref.status, status, uow.now
        audit.record(uow.session, actor, "referral.status", "referral", ref.id, uow.now, old=old.value,
                     new=status.value)
        uow.commit()
        return True
