"""The email side of the outbox (mailer/ drains it): claiming email rows, the pacing rule, and an
address a mail server refused for good.

Claiming, retries, dead letters and quiet hours are the outbox's own (domain.outbox): an email row is
a row like any other, with `channel` "email" (to the person's address) or "contact" (to the outside
contact named in its data, e.g. a ticket's customer)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from domain import outbox
from domain.models import Notification, NotificationStatus, Person
from domain.outbox import Delivery
from domain.rules import DEFAULT_RULES, rule_in
from domain.uow import UnitOfWork

EMAIL_CHANNELS = ("email", "contact")


def claim_email(uow: UnitOfWork, limit: int = 20, lease: timedelta = outbox.LEASE,
                worker_id: str | None = None) -> list[Delivery]:
    """Take up to `limit` due email rows (see domain.outbox.claim_due)."""
    return outbox.claim_due(uow, limit, lease, worker_id, channels=EMAIL_CHANNELS)


def address_of(d: Delivery) -> tuple[str | None, str]:
    """(address, name) an email row goes to: the person's, or the outside contact's from its data."""
    if d.channel == "contact":
        return (str(d.data.get("to") or "") or None, str(d.data.get("to_name") or ""))
    return d.email, d.recipient_name


def per_minute(uow: UnitOfWork) -> int:
    """The rule `email.per_minute`: the provider's limit (at least 1)."""
    with uow:
        value = rule_in(uow.session, "email.per_minute")
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return int(DEFAULT_RULES["email.per_minute"])


def mark_refused(uow: UnitOfWork, d: Delivery, error: str) -> None:
    """A permanent rejection (5xx): the row is unreachable and the person's address is marked refused
    (no more email to it until it changes); a contact's row only is marked."""
    with uow:
        uow.session.execute(update(Notification).where(Notification.id == d.id).values(
            status=NotificationStatus.UNREACHABLE, last_error=f"email refused: {error}"[:500])
            .execution_options(synchronize_session=False))
        if d.channel == "email" and d.email:
            uow.session.execute(update(Person).where(Person.id == d.recipient_id, Person.email == d.email)
                                .values(email_unreachable_at=uow.now).execution_options(synchronize_session=False))
        uow.commit()


def mark_no_address(uow: UnitOfWork, d: Delivery) -> None:
    """The row's address is gone (removed, refused before, the person disabled): unreachable."""
    with uow:
        uow.session.execute(update(Notification).where(Notification.id == d.id).values(
            status=NotificationStatus.UNREACHABLE, last_error="no email address to send to")
            .execution_options(synchronize_session=False))
        uow.commit()
