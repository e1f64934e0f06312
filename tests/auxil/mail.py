"""A real SMTP server for tests (the sandbox's own aiosmtpd server): it keeps what it receives and can
refuse (550 for an address, 451 for a while) or be down. The `smtp` fixture in tests/conftest.py gives one.

    smtp.mailbox.refuse("gone@example.org", 550)       # a permanent rejection at RCPT TO
    smtp.mailbox.refuse("*", 451, times=2)              # temporary, twice, then accepted
    smtp.down(); ...; smtp.up()                          # connection refused, then listening again
    yield from running_smtp(login=("bell", "secret"))   # a server that requires AUTH (SMTP_USERNAME/PASSWORD)
    email = await wait_for_email(smtp, "ann@example.org")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from tgsandbox.mailbox import Email, SmtpServer


def running_smtp(login: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    """An SMTP server on a free port for as long as the fixture lives (`yield from` it); with `login`
    (user, password) it requires AUTH with exactly those."""
    server = SmtpServer(login=login).start()
    yield server
    server.stop()


def smtp_settings(server: SmtpServer, sender: str = "taskbell@school.test") -> dict[str, object]:
    """The SMTP_* settings (as Settings fields) that point at this server: no TLS, no login."""
    return {"smtp_host": server.host, "smtp_port": server.port, "smtp_from": sender, "smtp_tls": "none"}


async def wait_for_email(server: SmtpServer, to: str, count: int = 1, timeout: float = 10) -> Email:
    """The newest email to `to` once `count` have arrived; TimeoutError if they do not in time."""
    deadline = time.monotonic() + timeout
    while len(found := server.mailbox.to(to)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(found)} of {count} emails to {to} arrived within {timeout}s")
        await asyncio.sleep(0.05)
    return found[-1]
