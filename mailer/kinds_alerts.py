"""Email for an alert: its title as the subject, its text, and a link to the console's alerts page."""

from __future__ import annotations

from domain.outbox import Delivery
from mailer.registry import Email, Link, MailContext, body, renders

PREFIX = {"urgent": "[Urgent] ", "warning": "[Warning] ", "info": ""}


@renders("alert")
def alert(ctx: MailContext, d: Delivery) -> Email:
    """One alert to one recipient (Dismiss on the console's alerts page)."""
    title = str(d.data.get("title", "Alert"))
    text, markup = body([str(d.data.get("text", ""))],
                        [Link("Open your alerts", f"{ctx.base_url.rstrip('/')}/admin/alerts")])
    return Email(PREFIX.get(str(d.data.get("severity", "")), "") + title, text, markup)
