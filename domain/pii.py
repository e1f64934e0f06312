"""PII redaction, in one place: what a viewer sees of other people's phone, e-mail and name.

Without `pii.full` a viewer sees a phone as `98****3210`, an e-mail as `j***@example.com` and a name as
the first name and an initial ("Asha K."); their own data is never masked. With `pii.full` the values
are shown as they are, and every such view or export is recorded in the audit log (who, whose, where).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.models import Person
from domain.perms.catalogue import PII_FULL
from domain.perms.check import can

MAX_AUDITED_IDS = 200  # an export of thousands is one entry; its first ids and the count are kept


def mask_phone(phone: str | None) -> str | None:
    """+919876543210 -> 98****3210: the national number's first two and last four digits."""
    if not phone:
        return phone
    try:
        national = str(phonenumbers.parse(phone, None).national_number)
    except phonenumbers.NumberParseException:
        national = "".join(ch for ch in phone if ch.isdigit())
    if len(national) <= 6:
        return "*" * len(national)
    return national[:2] + "*" * (len(national) - 6) + national[-4:]


def mask_email(email: str | None) -> str | None:
    """john@example.com -> j***@example.com."""
    if not email or "@" not in email:
        return email
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str | None) -> str | None:
    """Asha Kumar -> Asha K.; a single name stays as it is."""
    if not name:
        return name
    parts = name.split()
    if len(parts) < 2:
        return name
    return f"{parts[0]} {parts[-1][0]}."


@dataclass
class Redactor:
    """What one viewer sees of others, for one surface (`where`); `done()` audits unmasked views."""

    session: Session
    actor: Actor
    viewer_id: int | None
    full: bool
    where: str
    at: datetime
    seen: set[int] = field(default_factory=set)

    def _mine(self, owner_id: int | None) -> bool:
        return owner_id is not None and owner_id == self.viewer_id

    def _shown(self, owner_id: int | None) -> None:
        if owner_id is not None and not self._mine(owner_id):
            self.seen.add(owner_id)

    def phone(self, owner_id: int | None, value: str | None) -> str | None:
        """The phone as this viewer may see it."""
        if self.full or self._mine(owner_id):
            if value:
                self._shown(owner_id)
            return value
        return mask_phone(value)

    def email(self, owner_id: int | None, value: str | None) -> str | None:
        """The e-mail as this viewer may see it."""
        if self.full or self._mine(owner_id):
            if value:
                self._shown(owner_id)
            return value
        return mask_email(value)

    def name(self, owner_id: int | None, value: str | None) -> str | None:
        """The name as this viewer may see it."""
        if self.full or self._mine(owner_id):
            return value
        return mask_name(value)

    def done(self) -> None:
        """Record the unmasked view or export of others' phones/e-mails (one entry per surface shown)."""
        if not self.full or not self.seen:
            return
        whose = sorted(self.seen)
        audit.record(self.session, self.actor, "pii.view", "person",
                     whose[0] if len(whose) == 1 else None, self.at,
                     where=self.where, whose=whose[:MAX_AUDITED_IDS], count=len(whose))
        self.seen.clear()


def redactor(session: Session, actor: Actor, viewer: Person | None, where: str, at: datetime) -> Redactor:
    """The redactor for `viewer` on surface `where` (None, the operator's shell, sees in full)."""
    return Redactor(session, actor, viewer.id if viewer else None, can(session, viewer, PII_FULL), where, at)


def redact_text(text: str, people: Iterable[Person], r: Redactor) -> str:
    """`text` with each listed person's phone and e-mail replaced by what the viewer may see."""
    for person in people:
        if person.phone:
            text = text.replace(person.phone, r.phone(person.id, person.phone) or "")
        if person.email:
            text = text.replace(person.email, r.email(person.id, person.email) or "")
    return text
