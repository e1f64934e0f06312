"""Channel choices: per kind group (tasks, reminders, briefs, attendance, tickets, alerts) a person
chooses Telegram, email or both. No choice keeps today's behaviour (Telegram); someone with no
Telegram chat but an address gets email; someone with neither is unreachable (as for a blocked chat).

Services: `channel_choices` (a person's own, or anyone's for an admin), `set_channels`, `set_email`,
and `mark_email_verified` (inside a service: a code sent to the address came back)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import Forbidden, InvalidField, NotFound
from domain.mail.addresses import optional_email
from domain.models import Channel as ActorChannel
from domain.models import Person, PersonStatus
from domain.perms.catalogue import PEOPLE_MANAGE
from domain.perms.check import require
from domain.uow import EMAIL_ON, UnitOfWork


class Channel(StrEnum):
    """What a person may choose for a kind group."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    BOTH = "both"


GROUPS = ("tasks", "reminders", "briefs", "attendance", "tickets", "alerts")
GROUP_LABELS = {"tasks": "Tasks", "reminders": "Reminders", "briefs": "Morning briefs",
                "attendance": "Attendance and absences", "tickets": "Requests (tickets)", "alerts": "Alerts"}
KIND_GROUP = {
    "task_assigned": "tasks", "task_changed": "tasks", "task_reopened": "tasks", "task_completed": "tasks",
    "task_declined": "tasks", "task_escalated": "tasks",
    "task_reminder": "reminders", "overdue_digest": "reminders", "ticket_reminder": "reminders",
    "fee_reminder": "reminders",
    "brief": "briefs",
    "attendance_nag": "attendance", "absence": "attendance", "teacher_note": "attendance",
    "family_message": "attendance", "mark_result": "attendance", "fee_receipt": "attendance",
    "ticket_new": "tickets", "ticket_card": "tickets", "ticket_work_done": "tickets",
    "ticket_resolved": "tickets", "ticket_comment": "tickets",
    "admin_alert": "alerts", "pending_action": "alerts", "alert": "alerts", "announcement": "alerts",
    "referral_thanks": "alerts",
    "homework_set": "tasks", "homework_handed_in": "tasks", "homework_reviewed": "tasks",
    "homework_reminder": "reminders",
}
# Kinds that live in the chat only: the interactive sheet (and its mend) and the Telegram sign-in code.
TELEGRAM_ONLY = frozenset({"attendance_sheet", "attendance_sheet_done", "login_code"})


def group_of(kind: str) -> str | None:
    """The kind group a notification kind belongs to; None for Telegram-only kinds."""
    return None if kind in TELEGRAM_ONLY else KIND_GROUP.get(kind, "alerts")


def route(kind: str, chosen: Channel | str | None, *, telegram: bool, email: bool,
          email_on: bool) -> tuple[str, ...]:
    """The outbox channels for one notification to one person (never empty: a "telegram" row for someone
    with neither becomes unreachable at delivery, as today). `telegram`/`email`: reachable that way."""
    if not email_on or not email or group_of(kind) is None:
        return ("telegram",)
    if not telegram:
        return ("email",)
    if chosen == Channel.EMAIL:
        return ("email",)
    if chosen == Channel.BOTH:
        return ("telegram", "email")
    return ("telegram",)


def telegram_ok(status: PersonStatus, chat_id: int | None, unreachable_at: datetime | None) -> bool:
    return status != PersonStatus.DISABLED and chat_id is not None and unreachable_at is None


def email_ok(status: PersonStatus, email: str | None, unreachable_at: datetime | None) -> bool:
    return status != PersonStatus.DISABLED and bool(email) and unreachable_at is None


@dataclass(frozen=True)
class ChannelChoices:
    """A person's address, choices and what each group goes by right now."""

    person_id: int
    name: str
    email: str | None
    email_verified: bool
    email_refused_at: datetime | None  # a mail server refused the address for good
    telegram_linked: bool
    email_on: bool  # the organisation can send email (SMTP configured)
    chosen: dict[str, str]  # group -> telegram / email / both (defaults filled in)
    effective: dict[str, tuple[str, ...]]  # group -> the channels messages go by now ((): nobody)

    @property
    def unreachable(self) -> bool:
        return all(not ch for ch in self.effective.values())


def _choices_of(session: Session, p: Person) -> ChannelChoices:
    stored = dict(p.channels or {})
    chosen = {g: str(stored.get(g) or Channel.TELEGRAM) for g in GROUPS}
    tg = telegram_ok(p.status, p.telegram_chat_id, p.telegram_unreachable_at)
    em = email_ok(p.status, p.email, p.email_unreachable_at)
    on = bool(session.info.get(EMAIL_ON))
    effective = {}
    for g in GROUPS:
        chans = route(next(k for k, v in KIND_GROUP.items() if v == g), chosen[g], telegram=tg, email=em,
                      email_on=on)
        effective[g] = tuple(c for c in chans if (c == "email" and em) or (c == "telegram" and tg))
    return ChannelChoices(p.id, p.name, p.email, p.email_verified_at is not None, p.email_unreachable_at,
                          p.telegram_chat_id is not None, on, chosen, effective)


def _subject(uow: UnitOfWork, actor: Actor, person_id: int | None) -> Person:
    """Whose choices: the actor's own (invited people too: an email-only parent never links Telegram),
    another person's for an admin, anyone's for the system."""
    if actor.person_id is None:
        if actor.channel != ActorChannel.SYSTEM or person_id is None:
            raise Forbidden("This action needs a signed-in person.")
        me = None
    else:
        me = uow.session.get(Person, actor.person_id)
        if me is None or me.status == PersonStatus.DISABLED:
            raise Forbidden("Your account is not active; ask an administrator.")
        if person_id is None or person_id == me.id:
            return me
        require(uow.session, actor, PEOPLE_MANAGE)  # someone else's: who manages people
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.")
    return person


def channel_choices(uow: UnitOfWork, actor: Actor, person_id: int | None = None) -> ChannelChoices:
    """A person's channel choices (their own; an admin or the system: anyone's)."""
    with uow:
        return _choices_of(uow.session, _subject(uow, actor, person_id))


def set_channels(uow: UnitOfWork, actor: Actor, choices: Mapping[str, str],
                 person_id: int | None = None) -> ChannelChoices:
    """Set channels per kind group (groups not named keep theirs); an unknown group or value is refused."""
    with uow:
        person = _subject(uow, actor, person_id)
        stored = dict(person.channels or {})
        for group, value in choices.items():
            if group not in GROUPS:
                raise InvalidField(group, f"No such kind of message: {group!r}.")
            if value not in {c.value for c in Channel}:
                raise InvalidField(group, "Choose telegram, email or both.")
            stored[group] = value
        if stored != (person.channels or {}):
            person.channels, person.updated_at = stored, uow.now
            audit.record(uow.session, actor, "person.channels", "person", person.id, uow.now, channels=stored)
        uow.commit()
        return _choices_of(uow.session, person)


def set_email(uow: UnitOfWork, actor: Actor, raw: str | None, person_id: int | None = None) -> ChannelChoices:
    """Set (or clear, with a blank) a person's address; a new address is unverified and not refused."""
    with uow:
        person = _subject(uow, actor, person_id)
        address = optional_email(raw)
        if address != person.email:
            old = person.email
            person.email, person.email_verified_at, person.email_unreachable_at = address, None, None
            person.updated_at = uow.now
            audit.record(uow.session, actor, "person.email", "person", person.id, uow.now,
                         old=old, new=address)
        uow.commit()
        return _choices_of(uow.session, person)


def mark_email_verified(session: Session, person_id: int, address: str, now: datetime) -> bool:
    """Inside a service: a code sent to `address` came back, so it is the person's (if it still is)."""
    n = session.execute(update(Person).where(Person.id == person_id, Person.email == address)
                        .values(email_verified_at=now).execution_options(synchronize_session=False)).rowcount
    return bool(n)
