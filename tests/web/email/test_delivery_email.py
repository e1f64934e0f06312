"""The Delivery page's email part (both databases): each row's channel, and the addresses a mail server
refused for good, with a way to correct them."""

from __future__ import annotations

import re

from domain.actors import Actor
from domain.mail import channels
from domain.models import Notification, NotificationStatus, Person, Role
from domain.outbox import Intent, NotificationKind, enqueue
from tests.auxil.console import sign_in
from tests.auxil.web import client, make_deps


async def test_rows_show_their_channel_and_refused_addresses_are_listed(db, make_person, monkeypatch):
    monkeypatch.setattr(db, "email_enabled", True)
    admin = make_person(Role.ADMIN, "Ada Admin")
    parent = make_person(Role.PARENT, "Pat Parent", active=False)
    channels.set_email(db.uow(), Actor.system(), "pat@example.org", parent.id)
    with db.uow() as uow:
        enqueue(uow.session, [Intent(NotificationKind.ABSENCE, parent.id, "a:1", {}, channels=("email",)),
                              Intent(NotificationKind.ABSENCE, parent.id, "a:2", {}, channels=("telegram",))],
                uow.now)
        for n in uow.session.query(Notification).filter(Notification.recipient_id == parent.id):
            n.status = NotificationStatus.UNREACHABLE
            n.last_error = "550 5.1.1 no such mailbox" if n.channel == "email" else None
        uow.session.get(Person, parent.id).email_unreachable_at = uow.now
        uow.commit()
        ids = {n.channel: n.id for n in uow.session.query(Notification).filter(Notification.recipient_id == parent.id)}
    async with client(make_deps(db)) as http:
        await sign_in(http, db, admin)
        page = await http.get("/admin/delivery")
    assert page.status_code == 200
    row = re.search(rf'<tr id="notification-{ids["email"]}".*?</tr>', page.text, re.S)[0]
    assert ">email<" in row and "550 5.1.1 no such mailbox" in row
    row = re.search(rf'<tr id="notification-{ids["telegram"]}".*?</tr>', page.text, re.S)[0]
    assert ">telegram<" in row and "Never linked Telegram" in row
    refused = re.search(rf'<tr id="refused-{parent.id}".*?</tr>', page.text, re.S)[0]
    assert "pat@example.org" in refused and f"/admin/people/{parent.id}/email" in refused
    assert 'id="email-off"' not in page.text
    channels.set_email(db.uow(), Actor.system(), "pat@example.net", parent.id)  # corrected: no longer refused
    async with client(make_deps(db)) as http:
        await sign_in(http, db, admin)
        page = await http.get("/admin/delivery")
    assert f'id="refused-{parent.id}"' not in page.text and "No mail server has refused" in page.text
