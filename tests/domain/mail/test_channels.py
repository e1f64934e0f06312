"""Email as a channel: addresses checked at entry, choices per kind group, one outbox row per channel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.errors import Forbidden, InvalidField
from domain.mail import channels
from domain.models import Notification, Role
from domain.outbox import Intent, NotificationKind, enqueue
from tests.factories import SYSTEM, assign_one


def rows(db, person_id: int) -> list[tuple[str, str, str]]:
    with db.uow(readonly=True) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Notification.kind, Notification.channel, Notification.dedupe_key)
            .where(Notification.recipient_id == person_id).order_by(Notification.id))]


@pytest.fixture
def email_on(db):
    db.email_enabled = True
    return db


def test_an_invalid_address_is_refused_with_a_message(db, make_person):
    sam = make_person(Role.MEMBER, "Sam")
    with pytest.raises(InvalidField, match="not a valid email address"):
        channels.set_email(db.uow(), Actor.web(sam.id, None), "sam at example")
    with pytest.raises(InvalidField, match="line breaks"):
        channels.set_email(db.uow(), Actor.web(sam.id, None), "sam@example.org\r\nBcc: x@evil.test")
    got = channels.set_email(db.uow(), Actor.web(sam.id, None), "  Sam@Example.ORG ")
    assert got.email == "Sam@example.org" and not got.email_verified


def test_no_smtp_means_no_email_row_whatever_the_choice(db, make_person):
    boss, sam = make_person(Role.ADMIN, "Boss"), make_person(Role.MEMBER, "Sam")
    channels.set_email(db.uow(), SYSTEM, "sam@example.org", person_id=sam.id)
    channels.set_channels(db.uow(), Actor.web(sam.id, None), {"tasks": "both"})
    assign_one(db, boss, sam, "Essay")
    assert [c for _k, c, _d in rows(db, sam.id)] == ["telegram"]
    enqueue_contact(db, boss.id)
    assert [c for _k, c, _d in rows(db, boss.id)] == []


def enqueue_contact(db, person_id: int) -> None:
    with db.uow() as uow:
        enqueue(uow.session, [Intent(NotificationKind.TICKET_RESOLVED, person_id, "ticket:1:contact",
                                     {"to": "cust@example.org"}, channels=("contact",))], uow.now)
        uow.commit()


def test_defaults_keep_telegram_and_both_writes_two_rows(email_on, make_person):
    db = email_on
    boss, sam, kim = make_person(Role.ADMIN, "Boss"), make_person(Role.MEMBER, "Sam"), make_person(Role.MEMBER)
    for p in (sam, kim):
        channels.set_email(db.uow(), SYSTEM, f"p{p.id}@example.org", person_id=p.id)
    channels.set_channels(db.uow(), Actor.web(sam.id, None), {"tasks": "both", "reminders": "email"})
    assign_one(db, boss, sam, "Essay")
    assign_one(db, boss, kim, "Lab")
    sent = rows(db, sam.id)
    assert [(k, c) for k, c, _d in sent] == [("task_assigned", "telegram"), ("task_assigned", "email")]
    assert sent[1][2] == sent[0][2] + ":email"  # deduplicated per channel
    assert [c for _k, c, _d in rows(db, kim.id)] == ["telegram"]  # the default: as before email
    enqueue_contact(db, boss.id)
    enqueue_contact(db, boss.id)  # the same key again: skipped
    assert [c for _k, c, _d in rows(db, boss.id)] == ["contact"]


def test_no_telegram_link_gets_email_and_neither_is_unreachable(email_on, make_person):
    db = email_on
    boss = make_person(Role.ADMIN, "Boss")
    pat = make_person(Role.PARENT, "Pat", active=False)  # never linked Telegram
    nobody = make_person(Role.PARENT, "Nobody", active=False)
    channels.set_email(db.uow(), SYSTEM, "pat@example.org", person_id=pat.id)
    with db.uow() as uow:
        enqueue(uow.session, [Intent(NotificationKind.ABSENCE, pid, f"absence:{pid}", {"text": "x"})
                              for pid in (pat.id, nobody.id)], uow.now)
        uow.commit()
    assert [c for _k, c, _d in rows(db, pat.id)] == ["email"]
    assert [c for _k, c, _d in rows(db, nobody.id)] == ["telegram"]  # unreachable when delivered, as today
    mine = channels.channel_choices(db.uow(), Actor.web(pat.id, None))
    assert mine.effective["attendance"] == ("email",) and not mine.unreachable
    assert channels.channel_choices(db.uow(), SYSTEM, nobody.id).unreachable
    assert channels.channel_choices(db.uow(), Actor.web(boss.id, None), pat.id).email == "pat@example.org"


def test_choices_are_checked_and_only_admins_set_anothers(email_on, make_person):
    db = email_on
    sam, kim = make_person(Role.MEMBER, "Sam"), make_person(Role.MEMBER, "Kim")
    with pytest.raises(InvalidField, match="telegram, email or both"):
        channels.set_channels(db.uow(), Actor.web(sam.id, None), {"tasks": "pigeon"})
    with pytest.raises(InvalidField, match="No such kind"):
        channels.set_channels(db.uow(), Actor.web(sam.id, None), {"weather": "email"})
    with pytest.raises(Forbidden):
        channels.set_channels(db.uow(), Actor.web(kim.id, None), {"tasks": "email"}, person_id=sam.id)
    got = channels.set_channels(db.uow(), Actor.web(sam.id, None), {"briefs": "email"})
    assert got.chosen["briefs"] == "email" and got.chosen["tasks"] == "telegram"
    assert got.effective["briefs"] == ("telegram",)  # no address yet: Telegram still


def test_routing_of_telegram_only_kinds_and_disabled_email():
    assert channels.route("attendance_sheet", "email", telegram=True, email=True, email_on=True) == ("telegram",)
    assert channels.route("login_code", "both", telegram=False, email=True, email_on=True) == ("telegram",)
    assert channels.route("brief", "both", telegram=True, email=True, email_on=True) == ("telegram", "email")
    assert channels.route("brief", "email", telegram=True, email=False, email_on=True) == ("telegram",)


def test_a_parent_reached_by_email_is_not_flagged_on_the_roster(db, make_person):
    from domain.people import services as people
    from domain.people.reach import family_reach_of

    admin, kid = make_person(Role.ADMIN, "Ada"), make_person(Role.STUDENT, "Kid")
    pat = make_person(Role.PARENT, "Pat", active=False)
    people.link_parent(db.uow(), SYSTEM, pat.id, kid.id)
    channels.set_email(db.uow(), SYSTEM, "pat@home.example", person_id=pat.id)
    assert family_reach_of(db.uow(), Actor.web(admin.id, None), [kid.id])[kid.id].notes == (
        "Pat (parent): never linked Telegram",)  # no SMTP: email reaches nobody
    db.email_enabled = True
    assert family_reach_of(db.uow(), Actor.web(admin.id, None), [kid.id])[kid.id].all_reachable
