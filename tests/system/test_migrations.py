"""Migrations and models agree, and upgrade -> downgrade -> upgrade works, on both databases."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from adapters import migrations
from domain.database import make_engine
from domain.models import Base
from tests.auxil import databases


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    if not databases.postgres_available():
        pytest.skip("PostgreSQL is not reachable")
    name = f"taskbell_migrations_{os.getpid()}"
    yield databases.fresh_pg_database(name)
    databases.drop_pg_database(name)


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_models_and_migrations_agree_and_round_trip(empty_url):
    engine = make_engine(empty_url)
    try:
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
        assert _diff(engine) == []
        migrations.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert _diff(engine) == []
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
