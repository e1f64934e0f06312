"""Sandbox mode's email: SMTP_* point at the sandbox's SMTP server unless SMTP_HOST is set, its port
steps aside when taken, and the demo has an email-only parent and a teacher who chose both channels."""

from __future__ import annotations

import socket

from sqlalchemy import select

from adapters.settings import Settings
from domain.models import Notification, NotificationStatus, ParentLink, Person
from taskbell import demo
from taskbell.container import Container
from taskbell.sandbox_mail import SANDBOX_FROM, pointed_at_sandbox, smtp_port
from tests.auxil import databases

KEY = "k" * 32


def test_smtp_settings_point_at_the_sandbox_unless_smtp_host_is_set():
    sandbox = Settings(secret_keys=(KEY,))
    pointed = pointed_at_sandbox(sandbox, 8242)
    assert (pointed.smtp_host, pointed.smtp_port, pointed.smtp_from, pointed.smtp_tls) == \
        ("127.0.0.1", 8242, SANDBOX_FROM, "none")
    assert pointed.email_enabled and not sandbox.email_enabled
    assert Settings.model_validate(pointed.model_dump()).smtp_from == SANDBOX_FROM  # valid as if typed in
    own = Settings(secret_keys=(KEY,), smtp_host="mail.example.org", smtp_from="bell@example.org")
    assert pointed_at_sandbox(own, 8242) is own


def test_the_smtp_port_is_sandbox_port_plus_one_or_a_free_one_when_taken():
    with socket.socket() as a:
        a.bind(("127.0.0.1", 0))
        base = a.getsockname()[1]
    settings = Settings(secret_keys=(KEY,), sandbox_port=base)
    wanted = smtp_port(settings)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", wanted))
        taken.listen()
        other = smtp_port(settings)
    assert other != wanted and other > 0


def test_the_demo_has_an_email_only_parent_and_a_teacher_on_both_channels(tmp_path, sqlite_template):
    url = databases.sqlite_copy(sqlite_template, tmp_path / "taskbell.db")
    settings = pointed_at_sandbox(Settings(secret_keys=(KEY,), database_url=url, timezone="Europe/London",
                                           attachments_dir=str(tmp_path / "attachments")), 8242)
    container = Container.build(settings)
    try:
        demo.seed(container)
        with container.db.uow(readonly=True) as uow:
            deniz = uow.session.scalar(select(Person).where(Person.name == "Deniz Kaya"))
            meera = uow.session.scalar(select(Person).where(Person.name == "Meera Shah"))
            emre = uow.session.scalar(select(Person).where(Person.name == "Emre Kaya"))
            rows = list(uow.session.scalars(select(Notification).where(Notification.recipient_id == meera.id,
                                                                       Notification.status == NotificationStatus.PENDING)))
            children = list(uow.session.scalars(select(ParentLink.child_id).where(ParentLink.parent_id == deniz.id)))
    finally:
        container.close()
    assert deniz.email == "deniz.kaya@example.org" and deniz.telegram_chat_id is None
    assert children == [emre.id]
    assert meera.email == "meera.shah@example.org" and meera.channels["tasks"] == "both"
    # Her task made now goes both ways: the chat and the sandbox's Mailbox tab.
    assert {r.channel for r in rows if r.kind == "task_assigned"} == {"telegram", "email"}, \
        [(r.kind, r.channel) for r in rows]
    hints = demo.sandbox_hints()
    assert sum("Mailbox tab" in h for h in hints.values()) >= 2
