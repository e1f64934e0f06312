"""The scheduler lease: epochs on takeover, and fenced transactions for a leader that was paused past its lease."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.models import Person, SchedulerLease
from domain.ops import leader
from domain.people import services as people


def test_each_takeover_increments_the_epoch_and_renewals_keep_it(db, clock):
    assert leader.take(db.uow(), "main", "a") == 1
    clock.advance(seconds=10)
    assert leader.take(db.uow(), "main", "a") == 1  # renewal
    assert leader.take(db.uow(), "main", "b") is None  # a still leads
    clock.advance(seconds=31)  # a is paused past its lease
    assert leader.take(db.uow(), "main", "b") == 2
    assert leader.take(db.uow(), "main", "a") is None
    assert leader.holds(db.uow(), "main", "b", 2)
    assert not leader.holds(db.uow(), "main", "a", 1)
    leader.release(db.uow(), "main", "b")
    assert not leader.holds(db.uow(), "main", "b", 2)  # given up: b holds nothing now
    assert leader.take(db.uow(), "main", "a") == 3


def test_a_lapsed_lease_is_not_held_even_before_anyone_takes_it(db, clock):
    assert leader.take(db.uow(), "main", "a") == 1
    clock.advance(seconds=30)
    assert not leader.holds(db.uow(), "main", "a", 1)
    assert leader.take(db.uow(), "main", "a") == 1  # nobody led meanwhile: the same epoch


def test_a_fenced_transaction_of_a_replaced_leader_commits_nothing(db, clock):
    epoch = leader.take(db.uow(), "main", "a")
    assert epoch == 1
    fenced = db.fenced(leader.fence("main", "a", epoch))
    people.add_person(fenced.uow(), Actor.system(), name="While leading", phone="+447700900001", role="member")
    clock.advance(seconds=31)
    assert leader.take(db.uow(), "main", "b") == 2
    with pytest.raises(leader.LeaseLost):
        people.add_person(fenced.uow(), Actor.system(), name="After takeover", phone="+447700900002", role="member")
    with db.uow(readonly=True) as uow:
        assert list(uow.session.scalars(select(Person.name))) == ["While leading"]
        assert uow.session.scalar(select(func.count()).select_from(SchedulerLease)) == 1
