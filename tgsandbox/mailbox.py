"""The sandbox's mail: an SMTP server (aiosmtpd) that keeps every message it accepts in a Mailbox.

The Mailbox is plain data (persisted with the rest of the sandbox when it belongs to a SandboxState); the
SmtpServer listens on its own thread and can be told to refuse recipients (a 550 for one address, a 451
for every one, for a number of times or until cleared) or to go down (connection refused) and up again.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

ANY_ADDRESS = "*"
MAX_KEPT_BYTES = 2_000_000  # a bigger message is kept cut to this many bytes of each part


@dataclass
class Email:
    """One message as received: the envelope, every header, the text and HTML parts."""

    id: int
    date: float  # unix time it arrived
    mail_from: str
    rcpt_tos: list[str]
    headers: list[list[str]] = field(default_factory=list)  # [name, value] in order, decoded
    text: str | None = None
    html: str | None = None
    attachments: list[str] = field(default_factory=list)  # file names (or content types)
    size: int = 0

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive)."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def summary(self) -> dict[str, Any]:
        """What a list shows."""
        return {"id": self.id, "date": self.date, "mail_from": self.mail_from, "rcpt_tos": self.rcpt_tos,
                "from": self.header("From"), "to": self.header("To"), "subject": self.header("Subject"),
                "size": self.size}

    def as_control(self) -> dict[str, Any]:
        """Everything, with the headers most asked about also by name."""
        data = asdict(self)
        data.update(self.summary())
        for name in ("Message-ID", "In-Reply-To", "References", "List-Unsubscribe", "Reply-To", "Cc"):
            data[name.lower().replace("-", "_")] = self.header(name)
        return data


@dataclass
class Refusal:
    """Recipients matching `address` (or every one, `*`) get `code text` at RCPT, `times` times (None: always)."""

    address: str
    code: int
    text: str
    times: int | None = None


def parse_message(raw: bytes) -> tuple[list[list[str]], str | None, str | None, list[str]]:
    """Headers, the first text/plain and text/html bodies, and the attachments' names."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = [[name, str(value)] for name, value in message.items()]
    text = html = None
    attachments: list[str] = []
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if part.get_content_disposition() == "attachment":
            attachments.append(part.get_filename() or kind)
        elif kind == "text/plain" and text is None:
            text = _content(part)
        elif kind == "text/html" and html is None:
            html = _content(part)
    return headers, text, html, attachments


def _content(part: Any) -> str:
    try:
        body = part.get_content()
    except (LookupError, ValueError):
        body = part.get_payload(decode=True).decode("utf-8", "replace")
    body = body if isinstance(body, str) else str(body)
    return body.replace("\r\n", "\n")[:MAX_KEPT_BYTES]


class Mailbox:
    """Received messages and the refusal rules; safe to use from the SMTP thread and the web thread."""

    def __init__(self, persist: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        """`persist(kind, data)` is called for each change to keep ("mail" with the message, "mailclear")."""
        self.persist = persist
        self.server: SmtpServer | None = None  # the SMTP server filling this mailbox, when one runs
        self._lock = threading.Lock()
        self.emails: list[Email] = []
        self.refusals: list[Refusal] = []
        self._ids = itertools.count(1)

    # --- messages ---------------------------------------------------------------------------

    def receive(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> Email:
        """Keep one accepted message."""
        headers, text, html, attachments = parse_message(raw)
        with self._lock:
            email = Email(id=next(self._ids), date=time.time(), mail_from=mail_from, rcpt_tos=list(rcpt_tos),
                          headers=headers, text=text, html=html, attachments=attachments, size=len(raw))
            self.emails.append(email)
            if self.persist is not None:
                self.persist("mail", asdict(email))
        return email

    def restore(self, data: dict[str, Any]) -> None:
        """Take back a message kept before a restart; ids continue after it."""
        names = {f.name for f in fields(Email)}
        email = Email(**{k: v for k, v in data.items() if k in names})
        with self._lock:
            self.emails = [e for e in self.emails if e.id != email.id] + [email]
            self._ids = itertools.count(max(e.id for e in self.emails) + 1)

    def clear(self) -> None:
        """Forget every message and refusal (and keep that)."""
        self.forget()
        if self.persist is not None:
            self.persist("mailclear", {})

    def forget(self) -> None:
        """Forget every message and refusal (a sandbox reset, or replaying a clear)."""
        with self._lock:
            self.emails = []
            self.refusals = []

    def get(self, email_id: int) -> Email:
        for email in self.emails:
            if email.id == email_id:
                return email
        raise LookupError(f"unknown email {email_id}")

    def to(self, address: str) -> list[Email]:
        """The messages whose envelope names this recipient."""
        return [e for e in self.emails if address.lower() in (r.lower() for r in e.rcpt_tos)]

    def records(self) -> list[dict[str, Any]]:
        """The messages as persisted, oldest first."""
        return [asdict(e) for e in self.emails]

    # --- refusals ---------------------------------------------------------------------------

    def refuse(self, address: str = ANY_ADDRESS, code: int = 550, text: str | None = None,
               times: int | None = None) -> Refusal:
        """From now on answer RCPT TO of `address` (or any) with `code` (4xx: try later, 5xx: never)."""
        if not 400 <= code <= 599:
            raise ValueError("code must be a 4xx or 5xx SMTP reply code")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        default = "Requested action aborted: try again later" if code < 500 else "No such user here"
        refusal = Refusal(address.strip().lower() or ANY_ADDRESS, code, (text or default).replace("\r", " ")
                          .replace("\n", " ")[:200], times)
        with self._lock:
            self.refusals = [r for r in self.refusals if r.address != refusal.address] + [refusal]
        return refusal

    def accept(self, address: str | None = None) -> None:
        """Stop refusing `address` (None: every refusal)."""
        with self._lock:
            self.refusals = [] if address is None else [r for r in self.refusals
                                                         if r.address != address.strip().lower()]

    def verdict(self, address: str) -> str | None:
        """The refusal reply for this recipient now (counting it down), or None to accept."""
        with self._lock:
            for refusal in self.refusals:
                if refusal.address in (address.lower(), ANY_ADDRESS):
                    if refusal.times is not None:
                        refusal.times -= 1
                        if refusal.times <= 0:
                            self.refusals.remove(refusal)
                    return f"{refusal.code} {refusal.text}"
        return None

    def status(self) -> dict[str, Any]:
        server = self.server
        return {"count": len(self.emails), "refusals": [asdict(r) for r in self.refusals],
                "smtp": None if server is None else {"host": server.host, "port": server.port,
                                                     "running": server.running}}


class _Handler:
    """aiosmtpd's handler: refusals at RCPT, every accepted message into the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        refused = self.mailbox.verdict(address)
        if refused is not None:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.mailbox.receive(envelope.mail_from or "", envelope.rcpt_tos, raw)
        return "250 Message accepted for delivery"


class _BoundController(Controller):
    """A Controller on a socket bound beforehand (so port 0 gives a free port, known before start)."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class _Login:
    """aiosmtpd's authenticator: only this user name and password (over plain SMTP: a test server)."""

    def __init__(self, username: str, password: str) -> None:
        self.expected = (username.encode(), password.encode())

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == self.expected
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """An SMTP server on host:port (0: a free one) filling `mailbox`; no TLS. With `login` (user, password)
    it requires AUTH with exactly those; without, none is needed."""

    def __init__(self, mailbox: Mailbox | None = None, host: str = "127.0.0.1", port: int = 0,
                 login: tuple[str, str] | None = None) -> None:
        self.mailbox = mailbox if mailbox is not None else Mailbox()
        self.mailbox.server = self
        self.host = host
        self.port = port
        self.login = login
        self._controller: _BoundController | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpServer:
        """Listen (again, on the same port after a stop)."""
        if self._controller is not None:
            return self
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as error:
            sock.close()
            raise RuntimeError(f"the sandbox SMTP server could not listen on {self.host}:{self.port}: "
                               f"{error.strerror}") from None
        self.port = sock.getsockname()[1]
        auth = {} if self.login is None else {"authenticator": _Login(*self.login), "auth_required": True}
        if self.login is not None:  # plain-text AUTH is the point of a test server; aiosmtpd warns each time
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
        controller = _BoundController(_Handler(self.mailbox), sock, loop=asyncio.new_event_loop(),
                                      server_hostname="sandbox.smtp", ready_timeout=10.0,
                                      enable_SMTPUTF8=True, auth_require_tls=False, **auth)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: clients now get 'connection refused'."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
            controller.loop.close()

    down = stop
    up = start

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
