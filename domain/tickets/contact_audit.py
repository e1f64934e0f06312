"""The audit of unmasked views of tickets' outside contacts (a phone or an e-mail given with a request):
like domain.pii does for people, every view or export that shows one whole writes a `pii.view` entry
(who: the actor with IP and user agent; whose: the contacts; where: the surface)."""

from __future__ import annotations

from collections.abc import Sequence

from domain import audit
from domain.actors import Actor
from domain.models import Ticket
from domain.pii import MAX_AUDITED_IDS
from domain.tickets.access import Viewer
from domain.uow import UnitOfWork


def contact_unmasked(v: Viewer | None, ticket: Ticket) -> bool:
    """Whether the viewer sees the ticket's contact whole (None: the system; the team's members; admins with
    pii.full)."""
    return v is None or ticket.team_id in v.team_ids or (v.is_admin and v.pii_full)


def surface(actor: Actor, what: str) -> str:
    """The audit's `where` for a surface: console.ticket, api.tickets, telegram.ticket, csv.tickets..."""
    channel = actor.channel_name
    return f"{'console' if channel == 'web' else channel}.{what}"


def record_views(uow: UnitOfWork, actor: Actor, v: Viewer | None, tickets: Sequence[Ticket], where: str) -> None:
    """Audit the contacts `v` saw whole among `tickets` (one entry per surface shown), in a short write of its
    own (the read may be a read-only unit of work)."""
    if v is None:
        return
    shown = [t for t in tickets if (t.contact_phone or t.contact_email) and contact_unmasked(v, t)]
    if not shown:
        return
    whose = [f"{t.contact_name or 'contact'} (contact of #{t.number})" for t in shown[:MAX_AUDITED_IDS]]
    with uow.db.uow() as write:
        audit.record(write.session, actor, "pii.view", "ticket", shown[0].id if len(shown) == 1 else None,
                     write.now, where=where, whose=whose, tickets=[t.id for t in shown[:MAX_AUDITED_IDS]],
                     count=len(shown))
        write.commit()
