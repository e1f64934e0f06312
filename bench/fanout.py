"""Row 1: assign one task to N people in one call, against a bare Core bulk insert of N rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select

from bench.common import Row, pg_db, sqlite_db, timed
from domain.actors import Actor
from domain.models import Group, GroupMember, Person, PersonStatus, Role, Task
from domain.tasks import services as tasks
from domain.uow import Database


def _populate(db: Database, n: int) -> tuple[int, int]:
    """n active people in one group, plus an admin; returns (admin id, group id)."""
    with db.uow() as uow:
        now = uow.now
        uow.session.execute(insert(Person), [
            {"name": f"Person {i}", "phone": f"+4477{i:08d}", "role": Role.STUDENT,
             "status": PersonStatus.ACTIVE, "created_at": now, "updated_at": now} for i in range(n)])
        admin = Person(name="Admin", phone="+447699999999", role=Role.ADMIN, status=PersonStatus.ACTIVE,
                       telegram_user_id=1, telegram_chat_id=1, created_at=now, updated_at=now)
        group = Group(name=f"All {n}", created_at=now)
        uow.session.add_all([admin, group])
        uow.session.flush()
        ids = list(uow.session.scalars(select(Person.id).where(Person.role == Role.STUDENT)))
        uow.session.execute(insert(GroupMember), [
            {"group_id": group.id, "person_id": i, "added_at": now} for i in ids])
        uow.commit()
        return admin.id, group.id


def _baseline(db: Database, admin_id: int, n: int) -> float:
    """The same N task rows through SQLAlchemy Core executemany, nothing else."""
    with db.uow() as uow:
        ids = list(uow.session.scalars(select(Person.id).where(Person.role == Role.STUDENT)))
        now = uow.now
        a = uow.session.execute(insert(Task.__table__.metadata.tables["assignments"]).values(
            title="baseline", description="", priority="normal", requires_review=False,
            assigner_id=admin_id, targets={}, created_at=now).returning(
                Task.__table__.metadata.tables["assignments"].c.id)).scalar_one()
        uow.commit()
    rows = [{"assignment_id": a, "assignee_id": pid, "assigner_id": admin_id, "title": "baseline",
             "description": "", "priority": "normal", "requires_review": False, "status": "pending",
             "created_at": now, "updated_at": now, "reopen_count": 0} for pid in ids]

    def run() -> None:
        with db.engine.begin() as conn:
            conn.execute(insert(Task.__table__), rows)
    return timed(run)


REPEATS = 3  # each side measured this many times, alternating; the medians are reported (SQLite's commit
# times vary by tens of percent run to run: one sample each made the ratio swing between 2.5 and 3.9)


def measure(db: Database, n: int) -> tuple[float, float]:
    admin_id, group_id = _populate(db, n)
    spec = tasks.AssignmentSpec(title="Read chapter 3", group_ids=[group_id])
    ours, bare = [], []
    for _ in range(REPEATS):
        ours.append(timed(lambda: tasks.assign(db.uow(), Actor.telegram(admin_id), spec)))
        bare.append(_baseline(db, admin_id, n))
    return sorted(ours)[REPEATS // 2], sorted(bare)[REPEATS // 2]


def rows(workdir: Path, sizes: tuple[int, ...] = (1_000, 10_000)) -> list[Row]:
    out: list[Row] = []
    for n in sizes:
        for label, make in (("SQLite", lambda n=n: sqlite_db(workdir, f"fanout{n}")),
                            ("PostgreSQL", lambda n=n: pg_db(f"taskbell_bench_fanout{n}"))):
            db = make()
            if db is None:
                out.append(Row(f"fan-out ({label})", f"N={n}", float("nan"), "s", note="not reachable"))
                continue
            seconds, base = measure(db, n)
            db.engine.dispose()
            out.append(Row(f"fan-out ({label})", f"N={n:,}", seconds, "s", base,
                           "Core bulk insert of N tasks", f"tasks + N outbox rows + audit, one transaction; "
                           f"median of {REPEATS}, alternating with the baseline"))
    return out
