"""Shared fixtures: every domain test runs on a SQLite file and, where it answers, PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from adapters import migrations
from domain.actors import Actor
from domain.clock import FixedClock
from domain.database import make_engine
from domain.models import Person, Role
from domain.people import services as people
from domain.uow import Database
from tests.auxil import databases

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of this test run's own, so two runs on one server never meet."""
    if not databases.postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (or TEST_DATABASE_URL)")
    name = f"taskbell_test_{os.getpid()}"
    url = databases.fresh_pg_database(name)
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield url
    databases.drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory):
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path, sqlite_template) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.sqlite_copy(sqlite_template, tmp_path / "taskbell.db")
    else:
        url = request.getfixturevalue("pg_url")
        engine = make_engine(url)
        databases.truncate_all(engine)
        engine.dispose()
        yield url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def db(database_url: str, clock: FixedClock) -> Iterator[Database]:
    database = Database.from_engine(make_engine(database_url), clock)
    yield database
    database.engine.dispose()


PersonFactory = Callable[..., Person]


@pytest.fixture
def make_person(db: Database) -> PersonFactory:
    """Add a person through the real services; linked and active unless told otherwise."""
    counter = iter(range(1, 100_000))

    def make(role: Role = Role.MEMBER, name: str | None = None, *, active: bool = True) -> Person:
        n = next(counter)
        phone = f"+4477009{n:05d}"
        person = people.add_person(db.uow(), Actor.system(), name=name or f"{role.value.title()} {n}",
                                   phone=phone, role=role).person
        if active:
            person = people.link_telegram(db.uow(), phone=phone, telegram_user_id=500_000 + n,
                                          chat_id=500_000 + n).person
        return person

    return make


# --- the sandbox Bot API server: one per test module ------------------------------------

@pytest.fixture(scope="module")
def sandbox():
    from tests.auxil.telegram import TOKEN
    from tgsandbox.server import SandboxServer

    server = SandboxServer(token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def client(sandbox):
    """The sandbox's control API (users, chats, presses, faults)."""
    from tgsandbox.client import SandboxClient

    c = SandboxClient(sandbox.url)
    yield c
    await c.aclose()
