"""Emails about signing in: the 6-digit code, for signing in by email or for verifying an address.
No links: the code is typed into the page that asked for it (a link would let a scanner use it)."""

from __future__ import annotations

from domain.outbox import Delivery
from mailer.registry import Email, MailContext, body, renders


@renders("login_code")
def login_code(ctx: MailContext, d: Delivery) -> Email:
    """The code, and what it is for; it never goes to anyone but the address's owner."""
    code, minutes = str(d.data.get("code", "")), int(d.data.get("minutes", 10))
    if d.data.get("purpose") == "verify_email":
        what, subject = "to verify this email address for Taskbell", "Your Taskbell verification code"
    else:
        what, subject = "to sign in to Taskbell", "Your Taskbell sign-in code"
    text, markup = body([f"Your code {what} is {code}. It expires in {minutes} minutes.",
                         "If you did not ask for it, ignore this email: nothing happens without the code."])
    return Email(subject, text, markup)
