"""What the bot reads and writes outside rendering: the sender as a read model, the sheet's one-time link."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from domain.actors import Actor
from domain.attendance import batches, schedule, sheet_links
from domain.auth import services as auth
from domain.errors import NotFound
from domain.models import PersonStatus, Role
from domain.people import profile as profiles
from domain.people import services as people


def test_person_by_telegram_is_a_frozen_read_model(db, make_person):
    teacher = make_person(Role.TEACHER, "Ada Teacher")
    found = profiles.person_by_telegram(db.uow(readonly=True), teacher.telegram_user_id)
    assert found is not None and dataclasses.is_dataclass(found)
    assert (found.id, found.name, found.role, found.status, found.active) == (
        teacher.id, "Ada Teacher", Role.TEACHER, PersonStatus.ACTIVE, True)
    assert found.telegram_chat_id == teacher.telegram_chat_id and found.phone == teacher.phone
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.name = "Someone else"  # type: ignore[misc]
    assert profiles.person_by_telegram(db.uow(readonly=True), 1) is None


def test_a_disabled_person_is_found_but_not_active(db, make_person):
    member = make_person(Role.MEMBER)
    people.set_status(db.uow(), Actor.system(), member.id, PersonStatus.DISABLED)
    found = profiles.person_by_telegram(db.uow(readonly=True), member.telegram_user_id)
    assert found is not None and not found.active


def test_the_sheet_link_lives_until_the_class_closes(db, make_person, clock):
    teacher = make_person(Role.TEACHER)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Chemistry 9", teacher_ids=[teacher.id])
    day = clock.now().date()
    batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=day.weekday(), start="23:00", duration_minutes=30)
    schedule.ensure_sessions(db.uow(), day, day, "UTC")
    session_id = _only_session_id(db)
    token = sheet_links.issue_sheet_token(db.uow(), session_id, teacher.id)
    row = auth.peek_one_time(db.uow(readonly=True), purpose=auth.ATTENDANCE, token=token)
    assert (row.person_id, row.object_id) == (teacher.id, session_id)
    assert row.expires_at - row.created_at >= timedelta(minutes=10)
    with pytest.raises(NotFound):
        sheet_links.issue_sheet_token(db.uow(), 999_999, teacher.id)


def _only_session_id(db) -> int:
    from sqlalchemy import select

    from domain.models import ClassSession

    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(ClassSession.id)).one()
