"""The demo's SLA: both teams have policies, and the open tickets are on time, at risk, breached and paused."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from domain.clock import FixedClock
from domain.models import OPEN_TICKET_STATUSES, Role, SlaPolicy, Ticket
from domain.sla.state import sla_state
from domain.uow import Database
from taskbell.demo_desk import seed_desk_history, seed_desk_now
from taskbell.demo_sla import seed_sla


def test_the_demo_has_tickets_on_time_at_risk_breached_and_paused(db, make_person, clock):
    roles = {"admin": Role.ADMIN, "daniel": Role.TEACHER, "meera": Role.TEACHER}
    keys = ["admin", "daniel", "meera", "lena", "tom", "kofi", "raj", "s1", "s2", "s4", "s7", "s8"]
    ids = {k: make_person(roles.get(k, Role.STUDENT if k.startswith("s") else Role.MEMBER), k).id for k in keys}
    now = clock.now()
    past = FixedClock(now - timedelta(days=6))
    demo_db = Database(db.engine, db.session_factory, past)
    teams = seed_desk_history(demo_db, past, ids)
    assert seed_sla(demo_db, past, ids, teams, now, "Europe/London") == "SLA policies for both teams, 3 tickets at risk or breached"
    seed_desk_now(db, ids, teams)
    with db.uow(readonly=True) as uow:
        assert len(list(uow.session.scalars(select(SlaPolicy)))) == 8
        tickets = list(uow.session.scalars(select(Ticket).where(Ticket.status.in_(OPEN_TICKET_STATUSES))))
    labels = Counter(sla_state(t, now).label for t in tickets)
    assert labels["on time"] >= 2 and labels["at risk"] >= 2 and labels["breached"] >= 2 and labels["paused"] == 1
    assert all(t.sla_due_at is not None for t in tickets if sla_state(t, now).label != "paused")
