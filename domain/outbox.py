"""The transactional outbox: notification intents written with the change that causes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain import quiet, workers
from domain.mail import routing
from domain.models import Notification, Person, PersonStatus
from domain.models.records import NotificationStatus
from domain.rules import rule_in
from domain.uow import UnitOfWork, outbox_written


class NotificationKind(StrEnum):
    """What a notification is about; the stored `notifications.kind` is this value (a plain string).

    The bot registers one renderer per kind and refuses to start if one is missing.
    """

    TASK_ASSIGNED = "task_assigned"
    TASK_CHANGED = "task_changed"
    TASK_REOPENED = "task_reopened"
    TASK_COMPLETED = "task_completed"
    TASK_DECLINED = "task_declined"  # to the assigner: who declined, why, and a Reassign button
    TASK_REMINDER = "task_reminder"
    TASK_ESCALATED = "task_escalated"
    OVERDUE_DIGEST = "overdue_digest"
    BRIEF = "brief"
    LOGIN_CODE = "login_code"
    ATTENDANCE_SHEET = "attendance_sheet"
    ATTENDANCE_NAG = "attendance_nag"
    ABSENCE = "absence"
    PENDING_ACTION = "pending_action"
    ADMIN_ALERT = "admin_alert"
    TEACHER_NOTE = "teacher_note"
    ATTENDANCE_SHEET_DONE = "attendance_sheet_done"  # mends the sheet message once the class is submitted
    # The service desk (domain.tickets.notify decides who gets which; one message per person per event).
    TICKET_NEW = "ticket_new"  # a new ticket: leads (with Accept/Reject/Assign), recipients, watchers, CC
    TICKET_CARD = "ticket_card"  # the requester's card: filed, and every status change (edited in place)
    TICKET_WORK_DONE = "ticket_work_done"  # every task finished: the leads get Resolve / Reopen
    TICKET_RESOLVED = "ticket_resolved"  # resolution recipients, watchers, assignees
    TICKET_COMMENT = "ticket_comment"  # a comment for the other side (reply to it to answer)
    TICKET_REMINDER = "ticket_reminder"  # untriaged (leads) or in progress too long (assignees)
    FAMILY_MESSAGE = "family_message"  # a parent's reply to an absence or a teacher's note, and the answers
    ALERT = "alert"  # an alert (domain.alerts) to one recipient, with Open / Dismiss
    ANNOUNCEMENT = "announcement"  # an announcement (domain.announcements) to a student, parent, ...
    MARK_RESULT = "mark_result"  # to a parent: their child's mark in a test (rule marks.notify_parents)
    REFERRAL_THANKS = "referral_thanks"  # to a referrer: the person they referred has enrolled (once)
    # Homework (domain.homework): set (to each student, Hand in / Mark done), a reminder before the due time
    # (students with nothing handed in), a hand-in (to whoever set it, with Open), the review comment.
    HOMEWORK_SET = "homework_set"
    HOMEWORK_REMINDER = "homework_reminder"
    HOMEWORK_HANDED_IN = "homework_handed_in"
    HOMEWORK_REVIEWED = "homework_reviewed"
    FEE_RECEIPT = "fee_receipt"  # to a student's parents: a payment (or refund) recorded (domain.fees)
    FEE_REMINDER = "fee_reminder"  # to a student's parents: a due coming up or overdue, one per stage


# Messages that carry a task's card and its buttons: a person has one live card per task (the newest).
CARD_KINDS = (NotificationKind.TASK_ASSIGNED, NotificationKind.TASK_REOPENED, NotificationKind.TASK_REMINDER)


@dataclass(frozen=True)
class Intent:
    kind: NotificationKind
    recipient_id: int
    dedupe_key: str
    data: dict[str, Any] = field(default_factory=dict)
    subject_type: str | None = None
    subject_id: int | None = None
    # None: by the recipient's channels (domain.mail.routing); else exactly these ("contact": the outside
    # contact named in `data` by email, e.g. a ticket's customer; "email": the person's address).
    channels: tuple[str, ...] | None = None


def enqueue(session: Session, intents: Iterable[Intent], now: datetime) -> int:
    """Insert notification rows in bulk, one per intent per channel (Telegram, email or both, by the
    recipient's choices); a dedupe key seen before is skipped, not an error."""
    given = list(intents)
    chosen = routing.channels_of(session, [(str(i.kind), i.recipient_id, i.channels) for i in given])
    pairs = [(i, ch) for i, chans in zip(given, chosen, strict=True) for ch in chans]
    intents = [i for i, _ in pairs]
    if not intents:
        return 0
    # Quiet hours decided now (and again at the claim): a held row is due when they end.
    held = quiet.held_until(session, (quiet.Row(n, str(i.kind), i.recipient_id, i.subject_type, i.subject_id)
                                      for n, i in enumerate(intents)), now)
    rows = [
        {
            "kind": str(i.kind),  # the plain stored string, whatever the driver makes of enums
            "recipient_id": i.recipient_id,
            "dedupe_key": routing.dedupe_key(i.dedupe_key, pairs[n][1]),
            "channel": pairs[n][1],
            "data": i.data,
            "subject_type": i.subject_type,
            "subject_id": i.subject_id,
            "next_attempt_at": held.get(n, now),
            "created_at": now,
        }
        for n, i in enumerate(intents)
    ]
    dialect = session.get_bind().dialect.name
    table = Notification.__table__  # a Core insert: executemany, no per-row ORM bookkeeping (bench row 1)
    if dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # pragma: no cover - only the two supported databases
        stmt = insert(table)
    session.execute(stmt, rows)
    outbox_written(session)
    return len(rows)


def written(session: Session) -> None:
    """Rows were put (back) in the outbox by this transaction: wake the delivery loop at commit."""
    outbox_written(session)


def is_broadcast(kind: str, data: dict[str, Any]) -> bool:
    """An announcement to many (a broadcast alert, or a posted announcement): the only kinds Telegram's paid
    broadcasts are used for."""
    if kind == NotificationKind.ANNOUNCEMENT.value:
        return True
    return kind == NotificationKind.ALERT.value and data.get("type") == "announcement"


def paid_broadcasts(uow: UnitOfWork) -> bool:
    """The rule `delivery.paid_broadcast`: announcements go as paid broadcasts (up to 1000 messages/s)."""
    with uow:
        return rule_in(uow.session, "delivery.paid_broadcast") is True


# --- the delivery side: claim, then record what happened ----------------------------------

MAX_ATTEMPTS = 8
# Kinds whose data must not outlive delivery (a sign-in code is a secret).
SENSITIVE_KINDS = frozenset({NotificationKind.LOGIN_CODE.value})
# A claim's lease outlives the longest wait in hand (a 429's retry_after, then the queue), so a
# row being sent is not handed out again. A claim made by a worker (with its id) is due again as
# soon as that worker is known dead (domain.workers); the lease is the backstop for the rest.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Delivery:
    """A claimed outbox row with what the sender needs to know about its recipient."""

    id: int
    kind: str
    recipient_id: int
    chat_id: int | None
    data: dict[str, Any]
    attempts: int
    subject_type: str | None
    subject_id: int | None
    recipient_tz: str | None = None  # the recipient's own time zone, when they set one
    channel: str = "telegram"
    email: str | None = None  # the recipient's address, unless refused for good or the person is disabled
    recipient_name: str = ""


def claim_due(uow: UnitOfWork, limit: int = 100, lease: timedelta = LEASE,
              worker_id: str | None = None, channels: tuple[str, ...] = ("telegram",)) -> list[Delivery]:
    """Take up to `limit` due rows for worker `worker_id`: pending, or sending with a lapsed lease,
    or sending for a worker that is no longer alive (its heartbeat lapsed, it stopped or was found dead).

    A row held by a live worker is never taken, however slow its send. On PostgreSQL rows are locked
    with FOR UPDATE SKIP LOCKED, so several workers never take the same row; on SQLite BEGIN
    IMMEDIATE serialises the claim. Only rows of `channels` are taken (each loop drains its own).
    """
    with uow:
        now = uow.now
        # Rows whose attempts are used up (e.g. a crash after each claim) are dead, not retried forever.
        uow.session.execute(
            update(Notification).where(
                Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
                Notification.next_attempt_at <= now, Notification.attempts >= MAX_ATTEMPTS)
            .values(status=NotificationStatus.DEAD, last_error="attempts used up")
            .execution_options(synchronize_session=False))
        _scrub_final(uow)
        # Held by a worker no longer alive; never our own rows (they are in our hands).
        orphaned = and_(Notification.status == NotificationStatus.SENDING,
                        Notification.claimed_by.is_not(None),
                        Notification.claimed_by.not_in(workers.live_ids(now)),
                        *([Notification.claimed_by != worker_id] if worker_id is not None else []))
        due = (
            select(Notification.id)
            .where(Notification.channel.in_(channels), or_(
                and_(Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
                     Notification.next_attempt_at <= now),
                orphaned))
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(uow.session.scalars(due))
        if not ids:
            return []
        ids = _hold_quiet(uow, ids)
        if not ids:
            uow.commit()
            return []
        uow.session.execute(
            update(Notification).where(Notification.id.in_(ids))
            .values(status=NotificationStatus.SENDING, next_attempt_at=now + lease,
                    attempts=Notification.attempts + 1, claimed_by=worker_id)
            .execution_options(synchronize_session=False))
        rows = uow.session.execute(
            select(Notification, Person.telegram_chat_id, Person.status, Person.telegram_unreachable_at,
                   Person.timezone, Person.email, Person.email_unreachable_at, Person.name)
            .join(Person, Person.id == Notification.recipient_id)
            .where(Notification.id.in_(ids)).order_by(Notification.id)
        ).all()
        uow.commit()
    return [
        Delivery(n.id, n.kind, n.recipient_id,
                 chat if status != PersonStatus.DISABLED and unreachable is None else None,
                 n.data, n.attempts, n.subject_type, n.subject_id, tz, n.channel,
                 email if status != PersonStatus.DISABLED and refused is None else None, name)
        for n, chat, status, unreachable, tz, email, refused, name in rows
    ]


def _hold_quiet(uow: UnitOfWork, ids: list[int]) -> list[int]:
    """Put back the rows whose recipient is in quiet hours now (due when they end); the rest go on."""
    rows = [quiet.Row(*r) for r in uow.session.execute(
        select(Notification.id, Notification.kind, Notification.recipient_id, Notification.subject_type,
               Notification.subject_id).where(Notification.id.in_(ids)))]
    held = quiet.held_until(uow.session, rows, uow.now)
    if held:
        uow.session.execute(update(Notification), [  # by primary key: one executemany
            {"id": nid, "status": NotificationStatus.PENDING, "next_attempt_at": until}
            for nid, until in held.items()])
    return [i for i in ids if i not in held]


def _scrub_final(uow: UnitOfWork, notification_id: int | None = None) -> None:
    """Secrets (sign-in codes) leave the table once their row is final, whatever the outcome."""
    where = [Notification.kind.in_(SENSITIVE_KINDS),
             Notification.status.in_([NotificationStatus.SENT, NotificationStatus.DEAD,
                                      NotificationStatus.UNREACHABLE])]
    if notification_id is not None:
        where.append(Notification.id == notification_id)
    uow.session.execute(update(Notification).where(*where).values(data={"scrubbed": True})
                        .execution_options(synchronize_session=False))


def _set(uow: UnitOfWork, notification_id: int, **values: Any) -> None:
    with uow:
        uow.session.execute(update(Notification).where(Notification.id == notification_id).values(**values)
                            .execution_options(synchronize_session=False))
        _scrub_final(uow, notification_id)
        uow.commit()


def mark_sent(uow: UnitOfWork, notification_id: int, chat_id: int | None, message_id: int | None,
              *, scrub: bool = False) -> None:
    extra: dict[str, Any] = {"data": {"scrubbed": True}} if scrub else {}
    _set(uow, notification_id, status=NotificationStatus.SENT, sent_at=uow.clock.now(),
         telegram_chat_id=chat_id, telegram_message_id=message_id, last_error=None, **extra)


def mark_sent_many(uow: UnitOfWork, sent: list[tuple[int, int | None, int | None, bool]]) -> None:
    """Record many sends in one transaction: (notification id, chat id, message id, scrub)."""
    if not sent:
        return
    with uow:
        now = uow.now
        for notification_id, chat_id, message_id, scrub in sent:
            extra: dict[str, Any] = {"data": {"scrubbed": True}} if scrub else {}
            uow.session.execute(update(Notification).where(Notification.id == notification_id).values(
                status=NotificationStatus.SENT, sent_at=now, telegram_chat_id=chat_id,
                telegram_message_id=message_id, last_error=None, **extra)
                .execution_options(synchronize_session=False))
        uow.commit()


def mark_retry(uow: UnitOfWork, notification_id: int, error: str, delay: timedelta,
               attempts: int) -> NotificationStatus:
    """Try again after `delay`, or dead-letter once the attempts are used up."""
    if attempts >= MAX_ATTEMPTS:
        mark_dead(uow, notification_id, error, scrub=True)
        return NotificationStatus.DEAD
    _set(uow, notification_id, status=NotificationStatus.PENDING,
         next_attempt_at=uow.clock.now() + delay, last_error=error[:500])
    return NotificationStatus.PENDING


def mark_dead(uow: UnitOfWork, notification_id: int, error: str, *, scrub: bool = False) -> None:
    extra: dict[str, Any] = {"data": {"scrubbed": True}} if scrub else {}
    _set(uow, notification_id, status=NotificationStatus.DEAD, last_error=error[:500], **extra)


def mark_unreachable(uow: UnitOfWork, delivery: Delivery, error: str) -> None:
    """The recipient blocked the bot or has no chat: stop trying them until they come back."""
    with uow:
        now = uow.now
        uow.session.execute(update(Notification).where(Notification.id == delivery.id).values(
            status=NotificationStatus.UNREACHABLE, last_error=error[:500]))
        _scrub_final(uow, delivery.id)
        if delivery.chat_id is not None:
            uow.session.execute(update(Person).where(Person.id == delivery.recipient_id).values(
                telegram_unreachable_at=now))
        uow.commit()


def release(uow: UnitOfWork, notification_ids: list[int], worker_id: str | None = None) -> None:
    """Hand claimed rows back untouched (a graceful stop before they were sent); with `worker_id`,
    only those this worker still holds (another may have taken them while it was away)."""
    if not notification_ids:
        return
    held = [Notification.claimed_by == worker_id] if worker_id is not None else []
    with uow:
        uow.session.execute(
            update(Notification)
            .where(Notification.id.in_(notification_ids), Notification.status == NotificationStatus.SENDING,
                   *held)
            .values(status=NotificationStatus.PENDING, next_attempt_at=uow.now,
                    attempts=Notification.attempts - 1)
            .execution_options(synchronize_session=False))
        uow.commit()


def sent_message(uow: UnitOfWork, recipient_id: int, subject_type: str, subject_id: int,
                 kind: NotificationKind | Iterable[NotificationKind]) -> tuple[int, int] | None:
    """(chat id, message id) of the latest message sent about a subject (of these kinds), for editing it."""
    kinds = [str(kind)] if isinstance(kind, NotificationKind) else [str(k) for k in kind]
    with uow:
        row = uow.session.execute(
            select(Notification.telegram_chat_id, Notification.telegram_message_id).where(
                Notification.recipient_id == recipient_id, Notification.subject_type == subject_type,
                Notification.subject_id == subject_id, Notification.kind.in_(kinds),
                Notification.telegram_message_id.is_not(None))
            .order_by(Notification.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def scrub_stale(uow: UnitOfWork, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Scrub secrets from rows older than their use, whatever their status (a crash can strand one)."""
    with uow:
        n = uow.session.execute(update(Notification).where(
            Notification.kind.in_(SENSITIVE_KINDS), Notification.created_at < uow.now - older_than)
            .values(data={"scrubbed": True}, status=case(
                (Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
                 NotificationStatus.DEAD), else_=Notification.status))
            .execution_options(synchronize_session=False)).rowcount
        uow.commit()
        return n
