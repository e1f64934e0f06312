"""The demo's at-risk and breached tickets have their alerts on the first run, announced once."""

from __future__ import annotations

from datetime import timedelta

from domain.actors import Actor
from domain.alerts import services as alerts
from domain.alerts import sla_scan
from domain.clock import FixedClock
from domain.models import Role
from domain.uow import Database
from taskbell.demo_desk import seed_desk_history, seed_desk_now
from taskbell.demo_sla import seed_sla


def test_the_demo_sla_tickets_raise_their_alerts_once(db, make_person, clock):
    roles = {"admin": Role.ADMIN, "daniel": Role.TEACHER, "meera": Role.TEACHER}
    keys = ["admin", "daniel", "meera", "lena", "tom", "kofi", "raj", "s1", "s2", "s4", "s7", "s8"]
    ids = {k: make_person(roles.get(k, Role.STUDENT if k.startswith("s") else Role.MEMBER), k).id for k in keys}
    now = clock.now()
    past = FixedClock(now - timedelta(days=6))
    demo_db = Database(db.engine, db.session_factory, past)
    teams = seed_desk_history(demo_db, past, ids)
    seed_sla(demo_db, past, ids, teams, now, "Europe/London")
    seed_desk_now(db, ids, teams)
    first = sla_scan.scan(db.uow())
    assert first.at_risk >= 2 and first.breached >= 2
    assert sla_scan.scan(db.uow()) == sla_scan.ScanResult(0, 0)
    mine = [a for a in alerts.list_unread(db.uow(readonly=True), Actor.telegram(ids["admin"]), 100)
            if a.type.startswith("sla_")]
    assert len(mine) == first.at_risk + first.breached
    assert sum(a.type == "sla_breach" for a in mine) == first.breached
