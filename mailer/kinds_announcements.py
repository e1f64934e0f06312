"""Email for an announcement: its title as the subject, its text, who posted it, and a link to the
recipient's page (a student's or parent's portal; anyone else's dashboard)."""

from __future__ import annotations

from domain.outbox import Delivery
from domain.people.services import link_generation
from domain.portal.links import portal_token, portal_url
from mailer.registry import Email, Link, MailContext, body, renders


@renders("announcement")
def announcement(ctx: MailContext, d: Delivery) -> Email:
    """One announcement to one recipient (a parent is told which child it is about)."""
    title = str(d.data.get("title", "Announcement"))
    about = d.data.get("about")
    signed = f"From {d.data.get('author', '')} to {d.data.get('target', '')}" + (
        f" (you are told as {about}'s parent)." if about else ".")
    page = ctx.dashboard(d.recipient_id)
    if d.data.get("portal"):
        generation = link_generation(ctx.db.uow(readonly=True), d.recipient_id)
        page = Link("Open your page", portal_url(ctx.base_url, portal_token(ctx.signer, d.recipient_id, ctx.now,
                                                                            generation)))
    text, markup = body([str(d.data.get("text", "")), signed], [page])
    return Email(("[Urgent] " if d.data.get("urgent") else "") + title, text, markup)
