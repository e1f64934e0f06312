"""Service desk emails, one thread per ticket (`thread` "ticket-<id>": In-Reply-To and References).
The requester's card (or the outside contact's, for a ticket filed for them) says where the request
stands; the leads' and assignees' messages carry the chat's buttons as links."""

from __future__ import annotations

from typing import Any

from domain.outbox import Delivery
from domain.tickets.rows import status_text
from domain.words import plural
from mailer.registry import Email, Link, MailContext, body, renders


def headline(data: dict[str, Any]) -> str:
    """'#12 Leaking tap · Facilities · high' (as the chat's headline, without its marks)."""
    parts = [f"#{int(data.get('number', 0))} {data.get('title', '')}"]
    if data.get("team"):
        parts.append(str(data["team"]))
    if str(data.get("priority", "")) in ("urgent", "high", "low"):
        parts.append(str(data["priority"]))
    return " · ".join(parts)


def thread(d: Delivery) -> str:
    return f"ticket-{int(d.data['ticket_id'])}"


def subject(d: Delivery) -> str:
    """The same subject for every message of a ticket, so mail clients group them."""
    return f"[#{int(d.data.get('number', 0))}] {d.data.get('title', '')}"


def _links(ctx: MailContext, d: Delivery, *pairs: tuple[str, str]) -> list[Link | None]:
    """Action links for a staff member, then their dashboard; an outside contact gets none."""
    if d.channel == "contact":
        return []
    tid = int(d.data["ticket_id"])
    return [*(ctx.action(d.recipient_id, label, action, tid) for label, action in pairs),
            ctx.dashboard(d.recipient_id)]


def _email(d: Delivery, paras: list[str], links: list[Link | None]) -> Email:
    text, markup = body(paras, links)
    return Email(subject(d), text, markup, thread=thread(d))


@renders("ticket_new")
def ticket_new(ctx: MailContext, d: Delivery) -> Email:
    """A new request; the leads get Accept and Reject."""
    data = d.data
    paras = [f"New request {headline(data)}", f"From {data['who']}" if data.get("who") else "",
             str(data.get("description") or "")]
    pairs = (("Accept", "accept"), ("Reject", "reject")) if data.get("lead") else ()
    return _email(d, paras, _links(ctx, d, *pairs))


@renders("ticket_card")
def ticket_card(ctx: MailContext, d: Delivery) -> Email:
    """The requester's (or outside contact's) card: where the request stands, with the reason."""
    status = str(d.data.get("status", "new"))
    paras = [f"Your request {headline(d.data)}", f"Status: {status_text(status)}"]
    if d.data.get("text"):
        label = {"rejected": "Reason", "resolved": "Resolution", "cancelled": "Reason"}.get(status, "Note")
        paras.append(f"{label}: {d.data['text']}")
    pairs = (("Reopen", "reopen_ticket"),) if status == "resolved" else ()
    return _email(d, paras, _links(ctx, d, *pairs))


@renders("ticket_work_done")
def ticket_work_done(ctx: MailContext, d: Delivery) -> Email:
    """To the leads: resolve it, or send it back."""
    return _email(d, [f"The work on {headline(d.data)} is done. Resolve it, or send it back with a reason."],
                  _links(ctx, d, ("Resolve", "resolve"), ("Reopen", "reopen_ticket")))


@renders("ticket_resolved")
def ticket_resolved(ctx: MailContext, d: Delivery) -> Email:
    """Resolved, with the resolution."""
    return _email(d, [f"Resolved: {headline(d.data)}", str(d.data.get("text") or "")], _links(ctx, d))


@renders("ticket_comment")
def ticket_comment(ctx: MailContext, d: Delivery) -> Email:
    """A comment from the other side."""
    data = d.data
    paras = [f"{'Internal note on' if data.get('internal') else 'New comment on'} {headline(data)}",
             f"{data.get('author') or 'Someone'}: {data.get('text', '')}"]
    if int(data.get("attachments", 0) or 0):
        paras.append(f"{plural(int(data['attachments']), 'file')} attached")
    return _email(d, paras, _links(ctx, d))


@renders("ticket_reminder")
def ticket_reminder(ctx: MailContext, d: Delivery) -> Email:
    """Still waiting for triage (leads), or still in progress (assignees)."""
    if d.data.get("why") == "untriaged":
        return _email(d, [f"Still waiting for triage: {headline(d.data)}"],
                      _links(ctx, d, ("Accept", "accept"), ("Reject", "reject")))
    return _email(d, [f"Still in progress: {headline(d.data)}. Finish your task, or comment on the ticket if "
                      "something is in the way."], _links(ctx, d))
