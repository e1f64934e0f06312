"""Fixtures of the system tests: databases nobody has migrated yet (the test or its processes do it)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.auxil import databases


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL database where one answers."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not databases.postgres_available():
        pytest.skip("PostgreSQL is not reachable")
    name = f"taskbell_empty_{os.getpid()}"
    yield databases.fresh_pg_database(name)
    databases.drop_pg_database(name)
