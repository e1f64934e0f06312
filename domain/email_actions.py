"""Signed per-action links for email: what a Telegram button does, behind a confirmation page.

A link carries (person, action, target) signed with the purpose "email-action" and an expiry; the
person's link generation is inside too, so "revoke my links" stops these as well. Opening the link
(GET) only calls `preview` (mail scanners fetch links: nothing changes); the page's button POSTs, and
`perform` calls the same domain service as the Telegram button, once: a second POST is answered by
that service's own "Already ..." with nothing changed. Settings links ("email-settings") open the
person's channel settings (the footer link and the List-Unsubscribe target).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.actors import Actor
from domain.errors import NotFound
from domain.links import LinkInvalid, LinkSigner
from domain.people import services as people
from domain.tasks import services as tasks
from domain.tasks.queries import task_row
from domain.tickets import queries as ticket_queries
from domain.tickets import services as tickets
from domain.tickets.rows import status_text
from domain.uow import Database, UnitOfWork
from domain.words import task_state

EMAIL_ACTION = "email-action"
EMAIL_SETTINGS = "email-settings"
ACTION_TTL = timedelta(days=14)
SETTINGS_TTL = timedelta(days=180)  # a List-Unsubscribe link must keep working for old mail


@dataclass(frozen=True)
class ActionSpec:
    """One action a link may carry: its button, what it will do, and the service behind it."""

    target: str  # "task" or "ticket"
    button: str
    explains: str
    service: Callable[..., Any]


# Named as mailer.links names them (the renderers ask for these); others (decline, reject, reopen need a
# reason typed in) are not offered by email: the link returns None and the email shows the dashboard.
ACTIONS: dict[str, ActionSpec] = {
    "start": ActionSpec("task", "Start the task", "This marks the task as started.", tasks.start_task),
    "complete": ActionSpec("task", "Mark it done", "This marks the task as done; the person who assigned it "
                           "is told.", tasks.complete_task),
    "approve": ActionSpec("task", "Approve the work", "This approves the finished task; the person who did "
                          "it is told.", tasks.approve_task),
    "accept": ActionSpec("ticket", "Accept the ticket", "This accepts the ticket for your team; the "
                         "requester is told.", tickets.accept),
    "resolve": ActionSpec("ticket", "Resolve the ticket", "This marks the ticket resolved; the requester "
                          "is told.", tickets.resolve),
}


@dataclass(frozen=True)
class ActionClaims:
    person_id: int
    action: str
    target_id: int
    generation: int


@dataclass(frozen=True)
class ActionPreview:
    """What the confirmation page shows; `done` when the action would change nothing now."""

    action: str
    title: str  # the task's or ticket's title
    state: str  # its state now, in the chat's words
    button: str
    explains: str
    done: bool


@dataclass(frozen=True)
class ActionOutcome:
    changed: bool
    message: str


def sign_action(signer: LinkSigner, person_id: int, action: str, target_id: int, now: datetime,
                generation: int = 0) -> str:
    """A token for one action on one task or ticket by this person."""
    if action not in ACTIONS:
        raise ValueError(f"unknown email action {action!r}")
    return signer.sign(EMAIL_ACTION, {"p": person_id, "a": action, "t": target_id, "g": generation}, now)


def action_claims(signer: LinkSigner, token: str, now: datetime) -> ActionClaims:
    """The claims of a genuine, fresh action token (the caller checks the generation)."""
    data = signer.load(EMAIL_ACTION, token, ACTION_TTL, now)
    if not isinstance(data, dict) or data.get("a") not in ACTIONS \
            or not all(isinstance(data.get(k), int) for k in ("p", "t", "g")):
        raise LinkInvalid("This link is not valid.")
    return ActionClaims(data["p"], data["a"], data["t"], data["g"])


def sign_settings(signer: LinkSigner, person_id: int, now: datetime, generation: int = 0) -> str:
    """A token opening this person's channel settings."""
    return signer.sign(EMAIL_SETTINGS, {"p": person_id, "g": generation}, now)


def settings_claims(signer: LinkSigner, token: str, now: datetime) -> tuple[int, int]:
    """(person id, generation) of a genuine, fresh settings token."""
    data = signer.load(EMAIL_SETTINGS, token, SETTINGS_TTL, now)
    if not isinstance(data, dict) or not isinstance(data.get("p"), int) or not isinstance(data.get("g"), int):
        raise LinkInvalid("This link is not valid.")
    return data["p"], data["g"]


def check(uow: UnitOfWork, person_id: int, generation: int) -> None:
    """Refuse a link made before the person's links were revoked."""
    people.check_link_generation(uow, person_id, generation)


def preview(uow: UnitOfWork, claims: ActionClaims) -> ActionPreview:
    """What the link would do, read only (a GET; mail scanners fetch links)."""
    spec = ACTIONS[claims.action]
    actor = Actor.web(claims.person_id, None)
    if spec.target == "task":
        with uow:
            row = task_row(uow.session, claims.target_id)
        mine = row.assigner_id if claims.action == "approve" else row.assignee_id
        if mine != claims.person_id and claims.action != "approve":
            raise NotFound("No such task.")
        state = task_state(row.status, row.requires_review, row.reopen_count)
        done = {"start": row.status.value != "pending",
                "complete": row.status.value not in ("pending", "in_progress"),
                "approve": row.status.value != "done"}[claims.action]
        return ActionPreview(claims.action, row.title, state, spec.button, spec.explains, done)
    detail = ticket_queries.get_ticket(uow, actor, claims.target_id)
    status = detail.row.status.value
    done = status != "new" if claims.action == "accept" else status in ("resolved", "cancelled", "rejected")
    return ActionPreview(claims.action, f"#{detail.row.number} {detail.row.title}", status_text(status),
                         spec.button, spec.explains, done)


def perform(uow: UnitOfWork, claims: ActionClaims, ip: str | None) -> ActionOutcome:
    """Do the action through the same service as the Telegram button; a repeat changes nothing."""
    result = ACTIONS[claims.action].service(uow, Actor.web(claims.person_id, ip), claims.target_id)
    return ActionOutcome(result.changed, result.message)


@dataclass(frozen=True)
class SignedMailLinks:
    """mailer.links.MailLinks for the web app: absolute URLs of signed links for one person, made now and
    of the person's current link generation (so revoking their links revokes these too)."""

    signer: LinkSigner
    base_url: str
    db: Database

    def _generation(self, person_id: int) -> int:
        return people.link_generation(self.db.uow(readonly=True), person_id)

    def action_url(self, person_id: int, action: str, target_id: int) -> str | None:
        """The confirmation page of one action (None for an action not offered by email)."""
        if action not in ACTIONS:
            return None
        token = sign_action(self.signer, person_id, action, target_id, self.db.clock.now(),
                            self._generation(person_id))
        return f"{self.base_url.rstrip('/')}/e/{token}"

    def settings_url(self, person_id: int) -> str | None:
        """The person's channel settings (the footer link and the List-Unsubscribe target)."""
        token = sign_settings(self.signer, person_id, self.db.clock.now(), self._generation(person_id))
        return f"{self.base_url.rstrip('/')}/e/settings/{token}"

    def unsubscribe_url(self, person_id: int, group: str) -> str | None:
        """The one-click unsubscribe (RFC 8058) for one kind group: a POST switches its email off."""
        url = self.settings_url(person_id)
        return f"{url}/unsubscribe/{group}" if url else None
