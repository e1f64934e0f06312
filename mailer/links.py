"""Links in emails: what the web app serves, behind a protocol so the mailer never imports the web app.

The web app's implementation is handed in by the composition root. A link each email carries:
- `action_url(person_id, action, target_id)`: a signed link doing what a chat button does, through a
  confirmation page (a GET changes nothing). Actions: "start", "complete", "decline", "approve",
  "reopen" on a task; "accept", "reject", "resolve", "reopen_ticket" on a ticket. None: not offered.
- `settings_url(person_id)`: the person's channel settings (the footer link and List-Unsubscribe).
"""

from __future__ import annotations

from typing import Protocol


class MailLinks(Protocol):
    """Signed links for a recipient (the web app implements it)."""

    def action_url(self, person_id: int, action: str, target_id: int) -> str | None:
        """A link that does `action` on `target_id` for the person, after a confirmation page."""
        ...

    def settings_url(self, person_id: int) -> str | None:
        """The person's channel settings page (also the List-Unsubscribe target)."""
        ...


class NoLinks:
    """No web links (the web app provides none): emails carry the dashboard link only."""

    def action_url(self, person_id: int, action: str, target_id: int) -> str | None:
        """No action link."""
        return None

    def settings_url(self, person_id: int) -> str | None:
        """No settings link."""
        return None
