"""Email delivery against a real SMTP server (aiosmtpd): what arrives, refusals, a server that is down,
header injection, and a ticket's outside contact kept in one thread."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import schedule
from domain.attendance import sheet as att_sheet
from domain.links import LinkSigner
from domain.mail import channels
from domain.models import Notification, NotificationStatus, Person, PersonStatus, Role
from domain.ops import delivery as delivery_page
from domain.outbox import claim_due
from domain.people import services as people
from domain.teams import services as teams
from domain.teams.services import MemberSpec, TeamSpec
from domain.tickets import services as desk
from domain.tickets.rows import Contact, TicketSpec
from tests.factories import SYSTEM, assign_one, physics_class
from tests.mailer.conftest import BASE_URL, KEYS


def rows(db, person_id: int) -> list[tuple[str, str, NotificationStatus, str | None]]:
    with db.uow(readonly=True) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Notification.kind, Notification.channel, Notification.status, Notification.last_error)
            .where(Notification.recipient_id == person_id).order_by(Notification.id))]


def email_only(db, make_person, name: str = "Pat Parent", address: str = "pat@home.example") -> Person:
    """A person who never linked Telegram, with an address, made active by an admin."""
    person = make_person(Role.MEMBER, name, active=False)
    channels.set_email(db.uow(), SYSTEM, address, person_id=person.id)
    people.set_status(db.uow(), SYSTEM, person.id, PersonStatus.ACTIVE)
    return person


async def test_a_task_to_an_email_only_person_arrives_with_the_dashboard_link(db, make_person, mail, smtp_server):
    boss = make_person(Role.ADMIN, "Boss")
    pat = email_only(db, make_person)
    assign_one(db, boss, pat, "Bring the signed forms", description="Both pages, please.")
    await mail.drain()
    [got] = smtp_server.to("pat@home.example")
    msg = got.message
    assert msg["Subject"] == "New task: Bring the signed forms"
    assert msg["From"] == "Taskbell <bell@school.example>" and got.sender == "bell@school.example"
    text, html = got.text(), got.html()
    assert "Both pages, please." in text and "From: Boss" in text and "Both pages, please." in html
    token = re.search(rf"Open your dashboard: {re.escape(BASE_URL)}/d/(\S+)", text).group(1)
    assert LinkSigner(KEYS).dashboard_person(token, db.clock.now()) == pat.id
    assert f'href="{BASE_URL}/d/{token}"' in html
    assert re.search(rf"Start: {re.escape(BASE_URL)}/e/\S+", text)  # the chat's buttons as links
    settings = re.search(rf"{re.escape(BASE_URL)}/e/settings/\S+", text).group(0)
    assert msg["List-Unsubscribe"].strip() == f"<{settings}>"
    assert [(k, c, s) for k, c, s, _e in rows(db, pat.id)] == [("task_assigned", "email", NotificationStatus.SENT)]


async def test_a_person_who_chose_both_gets_both(db, make_person, mail, smtp_server):
    boss, sam = make_person(Role.ADMIN, "Boss"), make_person(Role.MEMBER, "Sam Both")
    channels.set_email(db.uow(), Actor.web(sam.id, None), "sam@example.org")
    channels.set_channels(db.uow(), Actor.web(sam.id, None), {"tasks": "both"})
    assign_one(db, boss, sam, "Essay")
    await mail.drain()
    assert [r.message["Subject"] for r in smtp_server.to("sam@example.org")] == ["New task: Essay"]
    telegram = claim_due(db.uow(), worker_id="bot")  # the bot's loop takes the Telegram row, untouched by email
    assert [(d.kind, d.channel, d.recipient_id) for d in telegram] == [("task_assigned", "telegram", sam.id)]
    assert telegram[0].chat_id is not None


async def test_a_550_marks_the_address_unreachable_on_the_delivery_page(db, make_person, mail, smtp_server):
    boss = make_person(Role.ADMIN, "Boss")
    pat = email_only(db, make_person)
    smtp_server.handler.refuse["pat@home.example"] = "550 5.1.1 No such mailbox"
    assign_one(db, boss, pat, "Forms")
    await mail.drain()
    assert smtp_server.received == []
    [(_kind, channel, status, error)] = rows(db, pat.id)
    assert (channel, status) == ("email", NotificationStatus.UNREACHABLE) and "550" in error
    me = channels.channel_choices(db.uow(), SYSTEM, pat.id)
    assert me.email_refused_at is not None and me.unreachable
    page = delivery_page.overview(db.uow(), Actor.web(boss.id, None))
    [row] = [r for r in page.rows if r.recipient_id == pat.id]
    assert (row.state, row.channel, row.address) == ("unreachable", "email", "pat@home.example")
    assert "550 5.1.1 No such mailbox" in row.reason
    assign_one(db, boss, pat, "More forms")  # no more email to a refused address
    assert rows(db, pat.id)[-1][1] == "telegram"
    delivery_page.retry(db.uow(), Actor.web(boss.id, None), page.rows[0].id)  # the admin tries again
    assert channels.channel_choices(db.uow(), SYSTEM, pat.id).email_refused_at is None


async def test_a_4xx_and_a_server_that_is_down_are_retried_then_delivered(db, make_person, mail, smtp_server, clock):
    boss = make_person(Role.ADMIN, "Boss")
    pat = email_only(db, make_person)
    kim = email_only(db, make_person, "Kim", "kim@home.example")
    smtp_server.handler.refuse["kim@home.example"] = "451 4.3.0 Try again later"
    smtp_server.down()
    assign_one(db, boss, pat, "Forms")
    await mail.drain()
    [(_k, _c, status, error)] = rows(db, pat.id)
    assert status == NotificationStatus.PENDING and "connect" in error
    smtp_server.up()
    await mail.drain()
    assert smtp_server.received == []  # not due again yet (backoff)
    clock.advance(seconds=6)
    assign_one(db, boss, kim, "Lab")
    await mail.drain()
    assert [r.message["Subject"] for r in smtp_server.to("pat@home.example")] == ["New task: Forms"]
    assert rows(db, pat.id)[0][2] == NotificationStatus.SENT
    assert rows(db, kim.id)[0][2] == NotificationStatus.PENDING and "451" in rows(db, kim.id)[0][3]
    del smtp_server.handler.refuse["kim@home.example"]
    clock.advance(seconds=6)
    await mail.drain()
    assert [r.message["Subject"] for r in smtp_server.to("kim@home.example")] == ["New task: Lab"]


def operations(db, make_person):
    otto = make_person(Role.MEMBER, "Otto Ops")
    team = teams.create_team(db.uow(), SYSTEM, TeamSpec("Operations"), [MemberSpec(otto.id, is_lead=True)])
    return otto, team


async def test_the_contact_gets_the_resolution_in_the_tickets_thread(db, make_person, mail, smtp_server):
    otto, team = operations(db, make_person)
    spec = TicketSpec(team.id, "Wrong room booked", contact=Contact("Mr Client", None, "client@acme.example"))
    tid = desk.file_ticket(db.uow(), Actor.telegram(otto.id), spec).ticket.id
    desk.accept(db.uow(), Actor.telegram(otto.id), tid, [otto.id])
    desk.resolve(db.uow(), Actor.telegram(otto.id), tid, "Moved you to room 12.")
    await mail.drain()
    got = smtp_server.to("client@acme.example")
    assert len(got) == 3  # filed, accepted, resolved: the requester's card, by email
    roots = {r.message["References"] for r in got} | {r.message["In-Reply-To"] for r in got}
    assert roots == {f"<ticket-{tid}@school.example>"}
    assert len({r.message["Message-ID"] for r in got}) == 3 and len({r.message["Subject"] for r in got}) == 1
    last = got[-1]
    assert last.message["To"] == "Mr Client <client@acme.example>"
    assert "Status: resolved" in last.text()  # the chat's words
    assert "Resolution: Moved you to room 12." in last.text() and "Moved you to room 12." in last.html()
    assert last.message["List-Unsubscribe"] is None  # an outsider has no settings page
    assert rows(db, otto.id) and all(ch != "email" for _k, ch, _s, _e in rows(db, otto.id))


async def test_a_bcc_in_a_name_or_subject_is_neutralised(db, make_person, mail, smtp_server):
    otto, team = operations(db, make_person)
    evil = "\r\nBcc: victim@evil.example"
    spec = TicketSpec(team.id, f"Refund{evil}", contact=Contact(f"Mallory{evil}", None, "mallory@evil.example"))
    desk.file_ticket(db.uow(), Actor.telegram(otto.id), spec)
    await mail.drain()
    [got] = smtp_server.received
    assert got.recipients == ["mallory@evil.example"]  # the envelope: nobody else
    msg = got.message
    assert msg["Bcc"] is None and "victim" not in str(msg["To"]).split("<")[-1]
    assert "\n" not in msg["Subject"] and "\n" not in str(msg["To"])
    raw = msg.as_string()
    assert not re.search(r"^Bcc:", raw, flags=re.MULTILINE)


async def test_a_parent_who_chose_email_gets_the_absence_message(db, make_person, mail, smtp_server, clock):
    klass = physics_class(db, make_person, ["Chidi Eze", "Ada Obi"])
    teacher, (_chidi, ada), parent = klass["teacher"], klass["students"], klass["parents"][1]
    channels.set_email(db.uow(), Actor.web(parent.id, None), "parent1@home.example")
    channels.set_channels(db.uow(), Actor.web(parent.id, None), {"attendance": "email"})
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), "Europe/London")
    clock.set(datetime(2026, 11, 2, 15, 46, tzinfo=UTC))
    [session_id] = schedule.open_due(db.uow())
    att_sheet.toggle(db.uow(), Actor.telegram(teacher.id), session_id, ada.id)
    att_sheet.submit(db.uow(), Actor.telegram(teacher.id), session_id)
    await mail.drain()
    [got] = smtp_server.to("parent1@home.example")
    assert got.message["Subject"] == "Absence: Ada Obi, Physics 10"
    assert "Ada Obi was marked absent from Physics 10 on Mon 2 Nov, 16:00." in got.text()
    assert [c for k, c, _s, _e in rows(db, parent.id) if k == "absence"] == ["email"]  # not Telegram too
