"""The demo's engagement history: a field crew of 120 with four months of tasks, some of whom drift for a
few weeks at a time (the pattern the model should find), and a night shift of 20 who are late about half
the time (an insight names them), so that the Engagement page's card shows a model
that beats the baseline on the held-out weeks (or says honestly that it does not). The scheduler trains it
in the background as soon as it starts (the job `engagement.train`, also nightly)."""

from __future__ import annotations

import random

from sqlalchemy import insert, update

from domain.models import Group, GroupMember, Person
from domain.uow import Database
from taskbell.engagement_history import plant

FIRST = ("Alex", "Sam", "Priya", "Jonas", "Mia", "Omar", "Lucia", "Kenji", "Fatima", "Noah", "Ines", "Tariq",
         "Elena", "Ravi", "Zoe", "Marco", "Aisha", "Liam", "Sofia", "Yusuf")
LAST = ("Morgan", "Patel", "Berg", "Costa", "Nakamura", "Haddad", "Rossi", "Okoye", "Novak", "Silva", "Duarte",
        "Lindqvist")
CREW = 120
NIGHT = 20  # late about half the time, whatever the week: the insight names them


def seed_engagement(db: Database, admin_id: int) -> str:
    """Plant the crew's history (assigned by the admin), name them, group them; the summary."""
    history = plant(db, people=CREW, tasks_per_person=60, days=120, seed=2026, assigner_id=admin_id,
                    name_prefix="Crew", give_up_days=10)
    rng = random.Random(7)
    names = [f"{f} {last}" for f in FIRST for last in LAST]
    rng.shuffle(names)
    with db.uow() as uow:
        for pid, name in zip(history.people, names, strict=False):
            uow.session.execute(update(Person).where(Person.id == pid).values(name=name))
        group = Group(name="Field crew", created_at=uow.now)
        uow.session.add(group)
        uow.session.flush()
        uow.session.execute(insert(GroupMember), [{"group_id": group.id, "person_id": pid, "added_at": uow.now}
                                                  for pid in history.people])
        uow.commit()
    night = plant(db, people=NIGHT, tasks_per_person=40, days=120, seed=2027, assigner_id=admin_id,
                  name_prefix="Night", signal=False, on_time=0.55, give_up_days=10)
    with db.uow() as uow:
        for pid, name in zip(night.people, names[CREW:], strict=False):
            uow.session.execute(update(Person).where(Person.id == pid).values(name=name))
        group = Group(name="Night shift", created_at=uow.now)
        uow.session.add(group)
        uow.session.flush()
        uow.session.execute(insert(GroupMember), [{"group_id": group.id, "person_id": pid, "added_at": uow.now}
                                                  for pid in night.people])
        uow.commit()
    return (f"a field crew of {CREW} and a night shift of {NIGHT} with {history.tasks + night.tasks} tasks of "
            "history for the engagement model")
