"""The Settings services: the catalogue, per organisation and per batch, validation, audit, reset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches, schedule
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import AuditEntry, Batch, Role, RuleConfig
from domain.rules import DEFAULT_RULES, ensure_defaults, get_rule
from domain.settings import services as settings
from domain.settings.catalogue import CATALOGUE, GRACE
from tests.auxil.databases import count

SYSTEM = Actor.system()
ROOT = Path(__file__).resolve().parents[3]
NOT_OFFERED = {"attendance.sheet_link_minutes_after_end", "links.action_minutes"}  # nothing reads them


def test_every_offered_rule_is_read_by_the_code_it_governs():
    sources = "\n".join(p.read_text(encoding="utf-8") for folder in ("domain", "bot", "web", "scheduler", "mailer")
                        for p in (ROOT / folder).rglob("*.py")
                        if p.name not in ("rules.py", "catalogue.py") and "settings" not in p.parts)
    read = set(re.findall(r'rule_in\([^)]*?"([a-z_.]+)"', sources))
    assert {s.key for s in CATALOGUE} <= read
    unlisted = set(DEFAULT_RULES) - NOT_OFFERED - {s.key for s in CATALOGUE}
    assert not unlisted, f"add these rules to domain/settings/catalogue.py (label, help, bounds): {unlisted}"
    assert not NOT_OFFERED & read  # when something reads one of these, offer it on the page


@pytest.fixture
def admin(make_person):
    return Actor.web(make_person(Role.ADMIN, "Ada Admin").id, "203.0.113.5")


@pytest.fixture
def physics(db):
    return batches.create_batch(db.uow(), SYSTEM, name="Physics 10")


def value_of(view: settings.SettingsView, key: str) -> settings.RuleValue:
    return next(r for r in view.rules if r.spec.key == key)


def test_the_organisation_changes_a_rule_checked_and_audited(db, admin):
    ensure_defaults(db.uow())
    view = settings.settings_view(db.uow(readonly=True), admin)
    assert [r.spec.key for r in view.rules] == [s.key for s in CATALOGUE]
    lead = value_of(view, "reminders.lead_minutes")
    assert (lead.value, lead.default, lead.is_set) == ("60", "60", False)

    done = settings.save(db.uow(), admin, {"reminders.lead_minutes": " 90 ", "brief.time": "7:45",
                                           "attendance.late_counts_present": "no"})
    assert set(done.changed) == {"reminders.lead_minutes", "brief.time", "attendance.late_counts_present"}
    assert get_rule(db.uow(), "reminders.lead_minutes") == 90
    assert get_rule(db.uow(), "brief.time") == "07:45"
    assert get_rule(db.uow(), "attendance.late_counts_present") is False
    with db.uow(readonly=True) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.object_id == "brief.time")).one()
    assert (entry.action, entry.actor_id, entry.details) == (
        "settings.change", admin.person_id, {"scope": "global", "old": "07:30", "new": "07:45"})
    assert settings.save(db.uow(), admin, {"reminders.lead_minutes": "90"}).changed == ()  # nothing new

    with pytest.raises(settings.SettingsRefused) as refused:
        settings.save(db.uow(), admin, {"reminders.lead_minutes": "-5", "brief.time": "25:00",
                                        "attendance.default_mark": "late", "reminders.overdue_every_hours": "6",
                                        "attendance.low_threshold_percent": "101"})
    assert refused.value.errors == {
        "reminders.lead_minutes": "Enter a whole number from 0 to 10080.",
        "brief.time": "Write the time as HH:MM, 00:00 to 23:59, e.g. 07:30.",
        "attendance.default_mark": "Choose one of: present, absent.",
        "attendance.low_threshold_percent": "Enter a whole number from 1 to 100%.",
    }
    assert get_rule(db.uow(), "reminders.overdue_every_hours") == 3  # all or nothing
    with pytest.raises(settings.SettingsRefused) as refused:
        settings.save(db.uow(), admin, {"quiet_hours.end": "21:00"})
    assert "quiet_hours.end" in refused.value.errors

    settings.reset(db.uow(), admin, "reminders.lead_minutes")
    assert get_rule(db.uow(), "reminders.lead_minutes") == 60
    assert value_of(settings.settings_view(db.uow(readonly=True), admin), "brief.time").is_set
    assert count(db, AuditEntry, AuditEntry.action == "settings.change") == 4
    with pytest.raises(InvalidInput, match="no such setting"):
        settings.reset(db.uow(), admin, "links.action_minutes")


def test_a_batch_overrides_what_a_rule_allows_and_grace_is_the_batchs_column(db, admin, physics):
    settings.save(db.uow(), admin, {"attendance.absence_streak": "4", GRACE: "15"})
    view = settings.settings_view(db.uow(readonly=True), admin, physics.id)
    assert view.batch_name == "Physics 10" and all(r.spec.per_batch for r in view.rules)
    streak = value_of(view, "attendance.absence_streak")
    assert (streak.value, streak.inherited, streak.is_set) == ("", "4", False)

    settings.save(db.uow(), admin, {"attendance.absence_streak": "2", GRACE: "30",
                                    "reminders.lead_minutes": "5"}, physics.id)  # not per batch: ignored
    scope = f"batch:{physics.id}"
    assert get_rule(db.uow(), "attendance.absence_streak", scope) == 2
    assert get_rule(db.uow(), "reminders.lead_minutes") == 60
    with db.uow(readonly=True) as uow:
        batch = uow.session.get(Batch, physics.id)
        assert batch.grace_minutes == 30
        assert schedule.grace(uow.session, batch).total_seconds() == 30 * 60
    assert count(db, RuleConfig, RuleConfig.key == GRACE, RuleConfig.scope == scope) == 0  # one storage
    view = settings.settings_view(db.uow(readonly=True), admin, physics.id)
    assert (value_of(view, GRACE).value, value_of(view, GRACE).inherited) == ("30", "15")

    settings.save(db.uow(), admin, {"attendance.absence_streak": ""}, physics.id)  # as the organisation
    assert get_rule(db.uow(), "attendance.absence_streak", scope) == 4
    settings.reset(db.uow(), admin, GRACE, physics.id)
    with db.uow(readonly=True) as uow:
        batch = uow.session.get(Batch, physics.id)
        assert batch.grace_minutes is None
        assert schedule.grace(uow.session, batch).total_seconds() == 15 * 60
    with pytest.raises(InvalidInput, match="same for every batch"):
        settings.reset(db.uow(), admin, "brief.time", physics.id)
    with pytest.raises(NotFound):
        settings.settings_view(db.uow(readonly=True), admin, 9999)


def test_only_admins_see_or_change_settings(db, make_person):
    teacher = Actor.web(make_person(Role.TEACHER).id, None)
    with pytest.raises(Forbidden):
        settings.settings_view(db.uow(readonly=True), teacher)
    with pytest.raises(Forbidden):
        settings.save(db.uow(), teacher, {"brief.time": "08:00"})
    with pytest.raises(Forbidden):
        settings.reset(db.uow(), teacher, "brief.time")
    assert count(db, RuleConfig, RuleConfig.key == "brief.time", RuleConfig.scope == "global") <= 1
    assert get_rule(db.uow(), "brief.time") == "07:30"
