"""Talking SMTP (aiosmtplib): the settings of one server, and what a server's answer means for a row.

A 5xx refusal of the recipient is permanent (the address is marked refused); any other 5xx (the
sender or the message refused) is a dead letter; a 4xx, a refused connection, a timeout or a dropped
line is temporary (the row is tried again with backoff)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from enum import StrEnum

import aiosmtplib


@dataclass(frozen=True)
class SmtpConfig:
    """One SMTP server (from the SMTP_* settings)."""

    host: str
    port: int
    sender: str  # the From header: "Taskbell <bell@example.org>" or a bare address
    tls: str = "starttls"  # starttls, ssl or none
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1]

    def client(self) -> aiosmtplib.SMTP:
        """A client for one connection (not yet connected)."""
        return aiosmtplib.SMTP(hostname=self.host, port=self.port, username=self.username, password=self.password,
                               use_tls=self.tls == "ssl", start_tls=self.tls == "starttls", timeout=self.timeout)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # temporary: try again later
    REFUSED = "refused"  # the address is refused for good
    DEAD = "dead"  # the message (or our sender) is refused: a dead letter
    LOST = "lost"  # the connection is gone: this one and the rest of the batch are tried again


async def send(client: aiosmtplib.SMTP, config: SmtpConfig, msg: EmailMessage, to: str) -> tuple[Outcome, str]:
    """Send one message on a connected client; the outcome and the server's words."""
    try:
        await client.send_message(msg, sender=config.envelope_sender, recipients=[to])
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refusal = exc.recipients[0] if exc.recipients else None
        code = refusal.code if refusal is not None else 550
        words = f"{code} {refusal.message if refusal is not None else 'recipient refused'}"
        return (Outcome.REFUSED if code >= 500 else Outcome.RETRY), words
    except aiosmtplib.SMTPRecipientRefused as exc:
        return (Outcome.REFUSED if exc.code >= 500 else Outcome.RETRY), f"{exc.code} {exc.message}"
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
        return Outcome.LOST, f"{type(exc).__name__}: {exc}"
    except aiosmtplib.SMTPResponseException as exc:
        return (Outcome.DEAD if exc.code >= 500 else Outcome.RETRY), f"{exc.code} {exc.message}"
    except aiosmtplib.SMTPException as exc:
        return Outcome.RETRY, f"{type(exc).__name__}: {exc}"
    return Outcome.SENT, "250 OK"
