"""The Delivery page's email part: addresses a mail server refused for good (a 5xx), to correct.

An address stays refused until someone changes it (domain.mail.channels.set_email clears the mark)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain import pii
from domain.actors import Actor
from domain.models import Person
from domain.perms.catalogue import DELIVERY_MANAGE
from domain.perms.check import require
from domain.uow import EMAIL_ON, UnitOfWork

LIMIT = 200


@dataclass(frozen=True)
class RefusedAddress:
    person_id: int
    name: str
    role: str
    email: str
    refused_at: datetime


@dataclass(frozen=True)
class EmailDelivery:
    email_on: bool  # SMTP is configured (else nothing is sent or queued by email)
    refused: list[RefusedAddress]


def email_overview(uow: UnitOfWork, actor: Actor, limit: int = LIMIT) -> EmailDelivery:
    """Whether email is on, and the addresses a mail server refused, newest first (admins only)."""
    with uow:
        me = require(uow.session, actor, DELIVERY_MANAGE)
        r = pii.redactor(uow.session, actor, me, "console.delivery", uow.now)
        rows = uow.session.execute(
            select(Person.id, Person.name, Person.role, Person.email, Person.email_unreachable_at)
            .where(Person.email_unreachable_at.is_not(None), Person.email.is_not(None))
            .order_by(Person.email_unreachable_at.desc(), Person.id).limit(limit)).all()
        on = bool(uow.session.info.get(EMAIL_ON))
        refused = [RefusedAddress(i, n, str(role), r.email(i, e) or "", at) for i, n, role, e, at in rows]
        if r.seen:
            r.done()
            uow.commit()
    return EmailDelivery(on, refused)
