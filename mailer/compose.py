"""The MIME message of one email: headers safe from injection, bodies capped, tickets threaded.

A header value never holds CR or LF (a name "Sam\r\nBcc: x@evil" becomes one harmless line), a
subject is cut to a line's length, and each body is capped (the full text is on the dashboard).
Every message has a footer link to the person's channel settings and a List-Unsubscribe header
pointing there; a ticket's messages share a References root so a mail client keeps one thread."""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html import escape

from mailer.registry import Email

MAX_SUBJECT = 180
MAX_BODY = 100_000  # characters of each alternative
CUT = "\n\n[cut: the full text is on your dashboard]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def one_line(value: str, limit: int = MAX_SUBJECT) -> str:
    """A header-safe value: control characters (CR, LF, tab...) become spaces, then it is cut."""
    flat = " ".join(_CONTROL.sub(" ", value or "").split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def capped(text: str, limit: int = MAX_BODY) -> str:
    return text if len(text) <= limit else text[:limit] + CUT


def domain_of(sender: str) -> str:
    """The sender address's domain, for Message-IDs."""
    return parseaddr(sender)[1].rpartition("@")[2] or "taskbell.local"


def thread_id(thread: str, domain: str) -> str:
    return f"<{one_line(thread, 100).replace(' ', '-')}@{domain}>"


def build(email: Email, *, sender: str, to_address: str, to_name: str, notification_id: int,
          settings_url: str | None, now: datetime | None = None) -> EmailMessage:
    """The message for one outbox row (its Message-ID is derived from the row, so a resend is the same)."""
    msg = EmailMessage()
    domain = domain_of(sender)
    name = one_line(to_name, 120)
    msg["From"] = sender
    msg["To"] = Address(display_name=name, addr_spec=to_address) if name else to_address
    msg["Subject"] = one_line(email.subject)
    msg["Message-ID"] = f"<taskbell-n{notification_id}@{domain}>"
    if now is not None:
        msg["Date"] = format_datetime(now)
    if email.thread:
        root = thread_id(email.thread, domain)
        msg["In-Reply-To"] = root
        msg["References"] = root
    text, markup = capped(email.text), capped(email.html)
    if settings_url:
        msg["List-Unsubscribe"] = f"<{settings_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the settings URL takes the POST
        text += f"\n\n--\nChoose Telegram, email or both for each kind of message: {settings_url}"
        markup += (f'\n<hr><p style="color:#666;font-size:small">Choose Telegram, email or both for each kind '
                   f'of message: <a href="{escape(settings_url, quote=True)}">your channel settings</a></p>')
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(f"<!doctype html><html><body>{markup}</body></html>", subtype="html")
    return msg

