"""Linking a Telegram account: only through the person's private chat, never a group's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.models import AuditEntry, Person, PersonStatus, Role
from domain.people import services as people


@pytest.mark.parametrize("chat_id", [-1000000001, -1001000000001, 0])
def test_a_group_chat_is_never_linked(db, chat_id):
    person = people.add_person(db.uow(), Actor.system(), name="Gia Group", phone="+447700900123",
                               role=Role.TEACHER).person
    result = people.link_telegram(db.uow(), phone=person.phone, telegram_user_id=4242, chat_id=chat_id)
    assert result.person is None
    with db.uow(readonly=True) as uow:
        stored = uow.session.get(Person, person.id)
        assert (stored.status, stored.telegram_chat_id) == (PersonStatus.INVITED, None)
        assert uow.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "person.link_refused"

    linked = people.link_telegram(db.uow(), phone=person.phone, telegram_user_id=4242, chat_id=4242).person
    assert linked is not None and linked.telegram_chat_id == 4242
