"""The demo's desk has tickets in every state, a rejected one with its reason, and one for an outsider."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.clock import FixedClock
from domain.models import Role, Ticket, TicketAttachment, TicketStatus
from domain.uow import Database
from taskbell.demo_desk import seed_desk_history, seed_desk_now


def test_the_demo_desk_has_every_state(db, make_person, clock, tmp_path):
    from adapters.attachments import FileAttachments

    roles = {"admin": Role.ADMIN, "daniel": Role.TEACHER, "meera": Role.TEACHER}
    keys = ["admin", "daniel", "meera", "lena", "tom", "kofi", "raj", "s1", "s2", "s4", "s7", "s8"]
    ids = {k: make_person(roles.get(k, Role.STUDENT if k.startswith("s") else Role.MEMBER), k).id for k in keys}
    past = FixedClock(clock.now() - timedelta(days=6))
    store = FileAttachments(tmp_path / "attachments")
    teams = seed_desk_history(Database(db.engine, db.session_factory, past), past, ids, store)
    assert past.now() < clock.now()
    assert seed_desk_now(db, ids, teams) == "2 desk teams, 10 tickets"
    with db.uow(readonly=True) as uow:
        tickets = list(uow.session.scalars(select(Ticket)))
        photos = list(uow.session.scalars(select(TicketAttachment)))
    assert len(tickets) == 10 and {t.status for t in tickets} == set(TicketStatus)
    assert any(t.reject_reason for t in tickets) and any(t.contact_phone for t in tickets)
    assert any(t.reopen_count for t in tickets)
    assert len(photos) == 3 and sum(p.internal for p in photos) == 1
    assert all(store.open(p.file_key).startswith(b"\x89PNG") for p in photos)
