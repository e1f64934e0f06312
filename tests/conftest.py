"""Fixtures for every test: the databases (a SQLite file and, where it answers, PostgreSQL), the clock,
people (over tests/factories.py), the sandbox Bot API server and a real SMTP server. The web's own are in tests/web/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from adapters import migrations
from domain.clock import FixedClock
from domain.database import make_engine
from domain.uow import Database
from tests.auxil import databases
from tests.factories import PersonFactory

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


@pytest.fixture
def make_person(db: Database) -> PersonFactory:
    """Add a person through the real services; linked and active unless told otherwise."""
    return PersonFactory(db)


# --- the sandbox Bot API server: one per test module ------------------------------------

@pytest.fixture(scope="module")
def sandbox():
    from tests.auxil.telegram import running_sandbox

    yield from running_sandbox()


@pytest.fixture(scope="module")
async def client(sandbox):
    """The sandbox's control API (users, chats, presses, faults)."""
    from tgsandbox.client import SandboxClient

    c = SandboxClient(sandbox.url)
    yield c
    await c.aclose()


# --- a real SMTP server (aiosmtpd; tests/auxil/mail.py): one per test ----------------------

@pytest.fixture
def smtp():
    """An SMTP server on a free port that keeps what it receives; it can refuse (550/451) or be down."""
    from tests.auxil.mail import running_smtp

    yield from running_smtp()


LONG_FIRST = ("tests/web/fuzz/test_fuzz_corpus_", "tests/system/", "tests/bot/groups/")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (a stable sort: a module's own order is kept), so pytest-xdist's workers
    start them early instead of finishing on them."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))
