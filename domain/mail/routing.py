"""Fan-out: which outbox channel(s) each notification intent goes by, decided when it is written.

Read in one query per few thousand recipients: their Telegram chat, their address, their choices.
An intent naming its channels (a ticket's outside contact, a sign-in code by email) is taken as is;
with email off (SMTP not configured) every intent goes to Telegram, as before email existed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.mail.channels import email_ok, group_of, route, telegram_ok
from domain.models import Person
from domain.uow import EMAIL_ON


def _chunks(ids: set[int], size: int = 5000) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def channels_of(session: Session, wanted: Sequence[tuple[str, int, tuple[str, ...] | None]]) -> list[tuple[str, ...]]:
    """For each (kind, recipient id, explicit channels or None): the channels to write a row for."""
    email_on = bool(session.info.get(EMAIL_ON))
    if not email_on:
        return [tuple(c for c in (given or ("telegram",)) if c == "telegram") or () for _k, _r, given in wanted]
    need = {rid for kind, rid, given in wanted if given is None and group_of(kind) is not None}
    people: dict[int, Any] = {}
    for chunk in _chunks(need):
        for row in session.execute(select(
                Person.id, Person.status, Person.telegram_chat_id, Person.telegram_unreachable_at,
                Person.email, Person.email_unreachable_at, Person.channels).where(Person.id.in_(chunk))):
            people[row[0]] = row
    out = []
    for kind, rid, given in wanted:
        if given is not None:
            out.append(tuple(given))
            continue
        p = people.get(rid)
        if p is None:
            out.append(("telegram",))
            continue
        _id, status, chat, tg_gone, email, email_gone, chosen = p
        group = group_of(kind)
        out.append(route(kind, (chosen or {}).get(group) if group else None,
                         telegram=telegram_ok(status, chat, tg_gone), email=email_ok(status, email, email_gone),
                         email_on=True))
    return out


def dedupe_key(key: str, channel: str) -> str:
    """The row's dedupe key: the intent's for Telegram (as before), suffixed for the other channels."""
    if channel == "telegram":
        return key
    suffix = f":{channel}"
    return key[:160 - len(suffix)] + suffix
