"""A real SMTP server (aiosmtpd) on a free port for the email tests: it keeps what it receives, can
refuse recipients with a 5xx or 4xx, and can be stopped (down: connection refused) and started again."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from domain.links import LinkSigner
from mailer.loop import MailConfig, MailLoop
from mailer.registry import MailContext
from mailer.smtp import SmtpConfig

BASE_URL = "http://127.0.0.1:8220"
KEYS = ("k" * 32,)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()  # type: ignore[union-attr]


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." or "451 ..."

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


class SmtpServer:
    """The server; `down()` stops it (its port then refuses connections), `up()` starts it again."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.handler = Handler()
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.up()
    yield server
    server.down()


class Links:
    """The web app's side as the mail-web slice fills it: signed links under /e/ and the settings page."""

    def __init__(self, signer: LinkSigner) -> None:
        self.signer = signer

    def action_url(self, person_id: int, action: str, target_id: int) -> str | None:
        return f"{BASE_URL}/e/{self.signer.sign('mail-action', [person_id, action, target_id])}"

    def settings_url(self, person_id: int) -> str | None:
        return f"{BASE_URL}/e/settings/{self.signer.sign('mail-settings', person_id)}"


@pytest.fixture
def mail(db, smtp_server) -> MailLoop:
    """The email loop on the test database (email on) and the test server, retrying after 5 s."""
    db.email_enabled = True
    signer = LinkSigner(KEYS)
    ctx = MailContext(db, "Europe/London", signer, BASE_URL, Links(signer))
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "Taskbell <bell@school.example>", tls="none", timeout=5)
    return MailLoop(db, ctx, smtp, MailConfig(backoff_base=5, wake_on_commit=False))
