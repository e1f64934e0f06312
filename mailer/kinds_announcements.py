"""Email for an announcement: its title as the subject, its text, who posted it, and the portal's way in."""

from __future__ import annotations

from domain.outbox import Delivery
from mailer.registry import Email, MailContext, body, renders


@renders("announcement")
def announcement(ctx: MailContext, d: Delivery) -> Email:
    """One announcement to one recipient (a parent is told which child it is about)."""
    title = str(d.data.get("title", "Announcement"))
    about = d.data.get("about")
    signed = f"From {d.data.get('author', '')} to {d.data.get('target', '')}" + (
        f" (you are told as {about}'s parent)." if about else ".")
    text, markup = body([str(d.data.get("text", "")), signed], [ctx.dashboard(d.recipient_id)])
    return Email(("[Urgent] " if d.data.get("urgent") else "") + title, text, markup)
