"""Real databases for tests: a fresh SQLite file per test, PostgreSQL where it answers; row counts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from adapters import migrations
from domain.clock import Clock, SystemClock
from domain.database import make_engine
from domain.models import Base, RuleConfig, Task, TaskStatus
from domain.uow import Database

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)


def postgres_available() -> bool:
    try:
        engine = create_engine(pg_admin_url(), connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def fresh_pg_database(name: str) -> str:
    """Drop and create database `name` next to the test database; returns its URL."""
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(name: str) -> None:
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = directory / "template.db"
    if not path.exists():
        engine = make_engine(f"sqlite:///{path}")
        migrations.upgrade(engine)
        engine.dispose()
    return path


def sqlite_copy(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


# --- reading back what a test did -------------------------------------------------------------

def count(db: Database, model: type, *where: Any) -> int:
    """Rows of `model` (matching `where`)."""
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def task_status(db: Database, task_id: int) -> TaskStatus:
    with db.uow(readonly=True) as uow:
        return uow.session.get(Task, task_id).status


def module_database(directory: Path, template: Path, clock: Clock) -> Iterator[Database]:
    """A SQLite copy of its own for a module whose bot runs across its tests (a module fixture)."""
    database = Database.from_engine(make_engine(sqlite_copy(template, directory / "bot.db")), clock)
    if isinstance(clock, SystemClock):
        without_quiet_hours(database)
    yield database
    database.engine.dispose()


def without_quiet_hours(db: Database) -> Database:
    """Quiet hours off (start = end) for a test on the wall clock: run at night, its notifications
    would otherwise wait for the morning (domain.quiet). Tests of quiet hours use a FixedClock."""
    with db.uow() as uow:
        uow.session.query(RuleConfig).filter(RuleConfig.scope == "global",
                                             RuleConfig.key.in_(["quiet_hours.start", "quiet_hours.end"])).delete()
        uow.session.add_all(RuleConfig(scope="global", key=k, value={"value": "00:00"}, updated_at=uow.now)
                            for k in ("quiet_hours.start", "quiet_hours.end"))
        uow.commit()
    return db
