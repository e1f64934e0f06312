"""One email renderer per notification kind (subject, plain text, HTML), and a generic fallback, so a
kind without its own renderer still reaches the person in plain words (never a dead letter).

A renderer only reads. It builds its body from paragraphs and links with `body()`, which escapes the
HTML and writes the plain-text alternative with the same words; `compose` adds the footer and headers."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.links import LinkSigner, dashboard_url
from domain.outbox import Delivery
from domain.tasks.queries import TaskRow, task_card
from domain.uow import Database
from mailer.links import MailLinks


@dataclass(frozen=True)
class Email:
    """A rendered email, before its headers: what a kind says."""

    subject: str
    text: str
    html: str
    thread: str | None = None  # a conversation's stable key ("ticket-12"): In-Reply-To / References


@dataclass(frozen=True)
class Link:
    """A link in place of a chat button."""

    label: str
    url: str


MailFn = Callable[["MailContext", Delivery], Email]
RENDERERS: dict[str, MailFn] = {}


def renders(*kinds: str) -> Callable[[MailFn], MailFn]:
    """Register the email renderer of one or more kinds (once each)."""
    def register(fn: MailFn) -> MailFn:
        for kind in kinds:
            if str(kind) in RENDERERS:
                raise RuntimeError(f"two email renderers for {kind!r}")
            RENDERERS[str(kind)] = fn
        return fn
    return register


def body(paragraphs: Sequence[str], links: Sequence[Link | None] = (), *, greeting: str | None = None
         ) -> tuple[str, str]:
    """(plain text, HTML) of the same words: paragraphs, then one line per link."""
    shown = [lk for lk in links if lk is not None and lk.url]
    paras = ([greeting] if greeting else []) + [p for p in paragraphs if p]
    text = "\n\n".join(paras)
    if shown:
        text += "\n\n" + "\n".join(f"{lk.label}: {lk.url}" for lk in shown)
    parts = ["<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paras]
    if shown:
        parts.append("<p>" + " &middot; ".join(
            f'<a href="{html.escape(lk.url, quote=True)}">{html.escape(lk.label)}</a>' for lk in shown) + "</p>")
    return text, "\n".join(parts)


class MailContext:
    """What the renderers share: the database (reads), the organisation's zone, links and a clock."""

    def __init__(self, db: Database, org_tz: str, links: LinkSigner, base_url: str, mail_links: MailLinks) -> None:
        self.db, self.org_tz, self.signer, self.base_url, self.links = db, org_tz, links, base_url, mail_links

    @property
    def now(self) -> datetime:
        return self.db.clock.now()

    def dashboard(self, person_id: int, generation: int = 0) -> Link:
        """The signed link to a person's dashboard (the chat's "Open dashboard" button)."""
        return Link("Open your dashboard", dashboard_url(
            self.base_url, self.signer.dashboard_token(person_id, self.now, generation)))

    def action(self, person_id: int, label: str, action: str, target_id: int) -> Link | None:
        """A chat button as a link (through the web app's confirmation page), if the web app offers it."""
        url = self.links.action_url(person_id, action, target_id)
        return Link(label, url) if url else None

    def card(self, d: Delivery) -> TaskRow:
        """The task a row is about, as people see it."""
        return task_card(self.db.uow(readonly=True), int(d.data["task_id"]))

    def render(self, d: Delivery) -> Email:
        """The email for one row: its kind's renderer, else the generic one."""
        return RENDERERS.get(d.kind, generic)(self, d)


LABELS = {
    "task_assigned": "New task", "task_changed": "Task changed", "task_reopened": "Task reopened",
    "task_completed": "Task completed", "task_declined": "Task declined", "task_reminder": "Task reminder",
    "task_escalated": "Task overdue", "overdue_digest": "Overdue tasks", "brief": "Your morning brief",
    "attendance_nag": "Attendance reminder", "absence": "Absence", "pending_action": "Waiting for you",
    "admin_alert": "Alert", "teacher_note": "A note from the teacher", "ticket_new": "New request",
    "ticket_card": "Your request", "ticket_work_done": "Request ready to resolve",
    "ticket_resolved": "Request resolved", "ticket_comment": "New comment", "ticket_reminder": "Request reminder",
    "mark_result": "Test result", "referral_thanks": "Thank you for your referral",
    "fee_receipt": "Receipt", "fee_reminder": "Fee reminder",
}


def generic(ctx: MailContext, d: Delivery) -> Email:
    """Any kind: its label, the plain values it carries (the text, title), and the dashboard link."""
    label = LABELS.get(d.kind, d.kind.replace("_", " ").capitalize())
    said = [str(d.data[k]) for k in ("title", "text", "message", "reason") if d.data.get(k)]
    text, markup = body(said or [f"{label}: open your dashboard for the details."],
                        [ctx.dashboard(d.recipient_id)])
    title = str(d.data.get("title") or "")
    return Email(f"{label}: {title}" if title else label, text, markup)
