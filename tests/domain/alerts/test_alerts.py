"""Alerts: raised once per item per type per window, recipients by rule, subscriptions, read / dismiss,
broadcast, and quiet hours (urgent alerts pass)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain import outbox
from domain.actors import Actor
from domain.alerts import rules, services
from domain.alerts.raising import raise_alert
from domain.errors import Forbidden, NotFound
from domain.models import Alert, AlertRecipient, Group, GroupMember, Notification, Role
from domain.uow import Database


def _raise(db, alert_type="sla_breach", item_id=7, **kw) -> int | None:
    with db.uow() as uow:
        got = raise_alert(uow.session, alert_type, f"Ticket #{item_id} breached", "Resolution due 10:00", uow.now,
                          item_kind="ticket", item_id=item_id, **kw)
        uow.commit()
        return got


def _notes(db) -> list[tuple[int, str, str]]:
    with db.uow(readonly=True) as uow:
        return [(n.recipient_id, n.kind, n.channel) for n in uow.session.scalars(
            select(Notification).order_by(Notification.id))]


def test_raised_once_per_item_and_type_for_the_rule_admins(db, make_person, clock):
    admin, other_admin, member = make_person(Role.ADMIN), make_person(Role.ADMIN), make_person(Role.MEMBER)
    first = _raise(db)
    assert first is not None
    clock.advance(timedelta(hours=5))
    assert _raise(db) is None  # the same breach again: no second alert, no second message
    assert _raise(db, item_id=8) is not None  # another item is another alert
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(Alert.severity).where(Alert.id == first)) == "urgent"
        told = sorted(uow.session.scalars(select(AlertRecipient.person_id).where(AlertRecipient.alert_id == first)))
    assert told == sorted([admin.id, other_admin.id]) and member.id not in told
    assert [n for n in _notes(db) if n[0] == admin.id] == [(admin.id, "alert", "telegram")] * 2


def test_a_window_allows_one_alert_per_window(db, make_person, clock):
    admin = make_person(Role.ADMIN)
    rules.save_rule(db.uow(), Actor.web(admin.id, None), "critical_item", enabled=True, threshold=None,
                    severity="warning", roles=["admin"], teams=[], people=[], window_minutes=60)
    clock.set(datetime(2026, 11, 2, 9, 5, tzinfo=UTC))
    assert _raise(db, "critical_item") is not None
    clock.set(datetime(2026, 11, 2, 9, 55, tzinfo=UTC))
    assert _raise(db, "critical_item") is None
    clock.set(datetime(2026, 11, 2, 10, 5, tzinfo=UTC))
    assert _raise(db, "critical_item") is not None


def test_a_disabled_rule_raises_nothing_and_recipients_follow_the_rule(db, make_person):
    admin, member = make_person(Role.ADMIN), make_person(Role.MEMBER)
    actor = Actor.web(admin.id, None)
    rules.save_rule(db.uow(), actor, "sla_at_risk", enabled=False, threshold=30, severity="warning", roles=[],
                    teams=[], people=[member.id], window_minutes=0)
    assert _raise(db, "sla_at_risk") is None
    rules.save_rule(db.uow(), actor, "sla_at_risk", enabled=True, threshold=30, severity="warning", roles=[],
                    teams=[], people=[member.id], window_minutes=0)
    assert _raise(db, "sla_at_risk") is not None
    assert [n[0] for n in _notes(db)] == [member.id]
    with pytest.raises(Forbidden):
        rules.save_rule(db.uow(), Actor.web(member.id, None), "sla_at_risk", enabled=True, threshold=None,
                        severity="info", roles=[], teams=[], people=[], window_minutes=0)


def test_subscriptions_are_respected(db, make_person):
    off, email, both = make_person(Role.ADMIN), make_person(Role.ADMIN), make_person(Role.ADMIN)
    rules.subscribe(db.uow(), Actor.telegram(off.id), {"sla_breach": (False, "telegram")})
    rules.subscribe(db.uow(), Actor.telegram(email.id), {"sla_breach": (True, "email")})
    rules.subscribe(db.uow(), Actor.telegram(both.id), {"sla_breach": (True, "both"), "critical_item": (True, "email")})
    alert_id = _raise(db)
    db_email = replace(db, email_enabled=True)
    assert _raise(db_email, item_id=9) is not None
    with db.uow(readonly=True) as uow:
        told = set(uow.session.scalars(select(AlertRecipient.person_id).where(AlertRecipient.alert_id == alert_id)))
    assert told == {email.id, both.id}  # the unsubscribed one is not a recipient
    got = set(_notes(db))
    assert (email.id, "alert", "email") in got and (both.id, "alert", "email") in got
    assert (both.id, "alert", "telegram") in got and (email.id, "alert", "telegram") not in got
    assert not any(n[0] == off.id for n in got)
    mine = {s.type: s for s in rules.my_subscriptions(db.uow(readonly=True), Actor.telegram(both.id))}
    assert mine["sla_breach"].channel == "both" and mine["critical_item"].channel == "email"
    assert mine["low_attendance"].enabled and mine["low_attendance"].channel == "telegram"  # the default


def test_read_dismiss_and_unread_list(db, make_person):
    admin, stranger = make_person(Role.ADMIN), make_person(Role.MEMBER)
    first, second = _raise(db, item_id=1), _raise(db, item_id=2)
    me = Actor.telegram(admin.id)
    assert [a.id for a in services.list_unread(db.uow(readonly=True), me)] == [second, first]
    assert services.unread_count(db.uow(readonly=True), admin.id) == 2
    services.mark_read(db.uow(), me, first)
    assert [a.id for a in services.list_unread(db.uow(readonly=True), me)] == [second]
    assert [a.id for a in services.list_mine(db.uow(readonly=True), me)] == [second, first]
    services.dismiss(db.uow(), me, second)
    assert services.list_unread(db.uow(readonly=True), me) == []
    assert [a.id for a in services.list_mine(db.uow(readonly=True), me)] == [first]
    with pytest.raises(NotFound):
        services.dismiss(db.uow(), Actor.telegram(stranger.id), first)


def test_broadcast_to_roles_and_groups_by_admins_only(db, make_person, clock):
    admin, teacher, member, student = (make_person(Role.ADMIN), make_person(Role.TEACHER), make_person(Role.MEMBER),
                                       make_person(Role.STUDENT))
    with db.uow() as uow:
        g = Group(name="Lab", created_at=uow.now)
        uow.session.add(g)
        uow.session.flush()
        uow.session.add(GroupMember(group_id=g.id, person_id=student.id, added_at=uow.now))
        uow.commit()
        group_id = g.id
    told = services.broadcast(db.uow(), Actor.web(admin.id, None), "Fire drill", "At 11:00 today",
                              roles=["teacher"], groups=[group_id])
    assert told == 2
    assert {n[0] for n in _notes(db)} == {teacher.id, student.id}
    assert services.list_unread(db.uow(readonly=True), Actor.telegram(member.id)) == []
    clock.advance(timedelta(seconds=1))
    assert services.broadcast(db.uow(), Actor.web(admin.id, None), "Fire drill", "again", roles=["teacher"]) == 1
    with pytest.raises(Forbidden):
        services.broadcast(db.uow(), Actor.web(teacher.id, None), "Hi", "", roles=["member"])


def test_quiet_hours_hold_info_alerts_and_pass_urgent_ones(db, make_person, clock):
    db = Database.from_engine(db.engine, db.clock, timezone="Europe/London")
    admin = make_person(Role.ADMIN)
    clock.set(datetime(2026, 11, 2, 23, 0, tzinfo=UTC))  # quiet until 07:00
    urgent = _raise(db, "sla_breach")
    _raise(db, "low_attendance", item_id=3)
    got = outbox.claim_due(db.uow())
    assert [d.subject_id for d in got] == [urgent] and got[0].recipient_id == admin.id
