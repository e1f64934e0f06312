"""Fixtures of the system tests: databases nobody has migrated yet (the test or its processes do it)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.auxil import databases


def midday_zone() -> str:
    """A fixed-offset zone where it is about midday now: the demo's "open now" and "later today" classes
    both fit in the day whenever the suite runs (near local midnight there is no room for them)."""
    from datetime import UTC, datetime

    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12  # -12..11 hours ahead of UTC
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs


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
