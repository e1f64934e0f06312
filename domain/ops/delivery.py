"""The console's Delivery page: notifications that failed, were dead-lettered or found their
recipient unreachable, with the reason; Retry (one or all) puts a row back in the outbox as new.

Admins only; each retry is audited. A retried row is sent by the bot's delivery loop like any other
(a recipient who blocked the bot is tried again: if they still block it, the row comes back here).
A sign-in code is never retried: its secret left the table when the row became final."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from domain import audit, outbox, pii
from domain.actors import Actor
from domain.errors import IllegalTransition, NotFound
from domain.models import Notification, NotificationStatus, Person, Role
from domain.people.reach import Reach, reach_of
from domain.perms.catalogue import DELIVERY_MANAGE
from domain.perms.check import require
from domain.uow import UnitOfWork

LIMIT = 200

KIND_LABELS = {
    "task_assigned": "new task", "task_changed": "task changed", "task_reopened": "task reopened",
    "task_completed": "task completed", "task_reminder": "task reminder", "task_escalated": "task escalated",
    "overdue_digest": "overdue summary", "brief": "morning brief", "login_code": "sign-in code",
    "attendance_sheet": "attendance sheet", "attendance_nag": "attendance reminder",
    "absence": "absence message", "pending_action": "pending action", "admin_alert": "alert",
    "teacher_note": "teacher's note", "family_message": "parent-teacher message", "alert": "alert",
    "mark_result": "test mark", "referral_thanks": "referral thanks",
}


class Trouble:
    """The three states a row shows on the page in."""

    FAILED = "failed"  # a send failed and will be tried again by itself
    DEAD = "dead"  # attempts used up or refused by Telegram: never tried again unless retried
    UNREACHABLE = "unreachable"  # the recipient never linked Telegram, blocked the bot or is disabled


@dataclass(frozen=True)
class FailedDelivery:
    """One notification that did not reach its recipient."""

    id: int
    kind: str
    kind_label: str
    state: str  # a Trouble value
    reason: str
    recipient_id: int
    recipient_name: str
    recipient_role: str
    recipient_reach: Reach
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None  # when a failed row is tried again by itself
    retryable: bool
    channel: str = "telegram"  # telegram, email (the person's address) or contact (a ticket's outsider)
    address: str | None = None  # the email address, for email rows


@dataclass(frozen=True)
class DeliveryOverview:
    rows: list[FailedDelivery]
    counts: dict[str, int]  # per Trouble value, all of them (the list shows the newest LIMIT)
    waiting: int  # rows pending or being sent

    @property
    def total(self) -> int:
        return sum(self.counts.values())


_FAILED = and_(Notification.status == NotificationStatus.PENDING, Notification.last_error.is_not(None))
_TROUBLE = or_(Notification.status.in_([NotificationStatus.DEAD, NotificationStatus.UNREACHABLE]), _FAILED)


def _state(status: NotificationStatus) -> str:
    return {NotificationStatus.DEAD: Trouble.DEAD,
            NotificationStatus.UNREACHABLE: Trouble.UNREACHABLE}.get(status, Trouble.FAILED)


def _reason(status: NotificationStatus, error: str | None, reach: Reach, channel: str = "telegram") -> str:
    if channel != "telegram":  # email: the server's words ("email refused: 550 ...")
        return error or "no reason recorded"
    if status == NotificationStatus.UNREACHABLE and reach != Reach.REACHABLE:
        return reach.reason[0].upper() + reach.reason[1:] + (f" ({error})" if error and reach == Reach.BLOCKED
                                                              else "")
    return error or "no reason recorded"


def _retryable(kind: str) -> bool:
    return kind not in outbox.SENSITIVE_KINDS


def overview(uow: UnitOfWork, actor: Actor, limit: int = LIMIT) -> DeliveryOverview:
    """The failed, dead-lettered and unreachable notifications, newest first (admins only)."""
    with uow:
        me = require(uow.session, actor, DELIVERY_MANAGE)
        r = pii.redactor(uow.session, actor, me, "console.delivery", uow.now)
        rows = uow.session.execute(
            select(Notification, Person.name, Person.role, Person.status, Person.telegram_chat_id,
                   Person.telegram_unreachable_at, Person.email)
            .join(Person, Person.id == Notification.recipient_id)
            .where(_TROUBLE).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
        counts = {Trouble.FAILED: 0, Trouble.DEAD: 0, Trouble.UNREACHABLE: 0}
        for status, n in uow.session.execute(
                select(Notification.status, func.count()).where(_TROUBLE).group_by(Notification.status)):
            counts[_state(status)] += n
        waiting = uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
            Notification.last_error.is_(None))) or 0
        out = []
        for n, name, role, status, chat, blocked_at, email in rows:
            out.append(_failed(n, name, role, reach_of(status, chat, blocked_at), r, email))
        if r.seen:
            r.done()
            uow.commit()
    return DeliveryOverview(out, counts, waiting)


def _failed(n: Notification, name: str, role: Role, reach: Reach, r: pii.Redactor, email: str | None
            ) -> FailedDelivery:
    """One row, its address as the viewer may see it (a contact's address is an outsider's: no id)."""
    if n.channel == "contact":
        to = str(n.data.get("to") or "") or None
        address = to if r.full else pii.mask_email(to)
    else:
        address = r.email(n.recipient_id, email) if n.channel == "email" else None
    return FailedDelivery(
        n.id, n.kind, KIND_LABELS.get(n.kind, n.kind.replace("_", " ")), _state(n.status),
        _reason(n.status, n.last_error, reach, n.channel), n.recipient_id, name, str(role), reach,
        n.created_at, n.attempts, n.next_attempt_at if n.status == NotificationStatus.PENDING else None,
        _retryable(n.kind), n.channel, address)


def _reset(session: Session, rows: list[Notification], now: datetime) -> list[int]:
    """Put rows back in the outbox as if new; a blocked recipient is tried again too."""
    ids = [n.id for n in rows]
    if not ids:
        return []
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, last_error=None, claimed_by=None)
        .execution_options(synchronize_session=False))
    blocked = {n.recipient_id for n in rows if n.status == NotificationStatus.UNREACHABLE and n.channel == "telegram"}
    refused = {n.recipient_id for n in rows if n.status == NotificationStatus.UNREACHABLE and n.channel == "email"}
    if refused:  # an admin retries a refused address: it is tried again
        session.execute(update(Person).where(Person.id.in_(refused), Person.email_unreachable_at.is_not(None))
                        .values(email_unreachable_at=None).execution_options(synchronize_session=False))
    if blocked:
        session.execute(update(Person).where(Person.id.in_(blocked), Person.telegram_unreachable_at.is_not(None))
                        .values(telegram_unreachable_at=None).execution_options(synchronize_session=False))
    outbox.written(session)
    return ids


def retry(uow: UnitOfWork, actor: Actor, notification_id: int) -> None:
    """Send one failed, dead or unreachable notification again (delivery.manage); audited."""
    with uow:
        require(uow.session, actor, DELIVERY_MANAGE)
        row = uow.session.scalar(select(Notification).where(Notification.id == notification_id, _TROUBLE))
        if row is None:
            raise NotFound("That notification is not waiting for a retry (it may have been sent meanwhile).")
        if not _retryable(row.kind):
            raise IllegalTransition("A sign-in code cannot be sent again; ask the person to request a new one.")
        _reset(uow.session, [row], uow.now)
        audit.record(uow.session, actor, "notification.retry", "notification", row.id, uow.now,
                     kind=row.kind, recipient_id=row.recipient_id, was=str(row.status))
        uow.commit()


def retry_all(uow: UnitOfWork, actor: Actor) -> int:
    """Send every failed, dead and unreachable notification again (delivery.manage); audited once."""
    with uow:
        require(uow.session, actor, DELIVERY_MANAGE)
        rows = list(uow.session.scalars(select(Notification).where(
            _TROUBLE, Notification.kind.not_in(outbox.SENSITIVE_KINDS))))
        ids = _reset(uow.session, rows, uow.now)
        if ids:
            audit.record(uow.session, actor, "notification.retry_all", "notification", None, uow.now,
                         count=len(ids), ids=ids[:100])
        uow.commit()
    return len(ids)
