"""The email loop keeps the organisation's pace (`email.per_minute`) and its quiet hours, and sends a
sign-in code by email when one is asked for that way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from domain.models import Notification, NotificationStatus, Role
from domain.outbox import Intent, NotificationKind, enqueue
from domain.settings import services as rules
from tests.factories import SYSTEM, assign_one
from tests.mailer.test_email_delivery import email_only


def statuses(db) -> list[NotificationStatus]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Notification.status).where(Notification.channel == "email")
                                        .order_by(Notification.id)))


async def test_no_more_than_the_per_minute_rule_go_in_a_minute(db, make_person, mail, smtp_server):
    rules.save(db.uow(), SYSTEM, {"email.per_minute": "2"})
    boss = make_person(Role.ADMIN, "Boss")
    people = [email_only(db, make_person, f"P{n}", f"p{n}@home.example") for n in range(3)]
    for p in people:
        assign_one(db, boss, p, "Forms")
    with pytest.raises(TimeoutError):  # the minute's two are gone: the third waits for the next minute
        await asyncio.wait_for(mail.drain(), 1.5)
    assert len(smtp_server.received) == 2
    assert sorted(statuses(db)) == sorted([NotificationStatus.SENT, NotificationStatus.SENT,
                                           NotificationStatus.PENDING])


async def test_quiet_hours_hold_email_until_morning(db, make_person, mail, smtp_server, clock):
    clock.set(datetime(2026, 11, 2, 22, 30, tzinfo=UTC))  # quiet hours: 21:00 to 07:00
    boss = make_person(Role.ADMIN, "Boss")
    pat = email_only(db, make_person)
    assign_one(db, boss, pat, "Forms")
    await mail.drain()
    assert smtp_server.received == [] and statuses(db) == [NotificationStatus.PENDING]
    clock.set(datetime(2026, 11, 3, 7, 1, tzinfo=UTC))
    await mail.drain()
    assert [r.message["Subject"] for r in smtp_server.to("pat@home.example")] == ["New task: Forms"]


async def test_a_sign_in_code_by_email_arrives_and_leaves_no_secret(db, make_person, mail, smtp_server, clock):
    clock.set(datetime(2026, 11, 2, 23, 0, tzinfo=UTC))  # never held for quiet hours
    pat = email_only(db, make_person)
    with db.uow() as uow:
        enqueue(uow.session, [Intent(NotificationKind.LOGIN_CODE, pat.id, "login_code:9",
                                     {"code": "493817", "minutes": 10}, channels=("email",))], uow.now)
        uow.commit()
    await mail.drain()
    [got] = smtp_server.to("pat@home.example")
    assert "Your Taskbell sign-in code is 493817." in got.text()
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(Notification.data)) == {"scrubbed": True}
