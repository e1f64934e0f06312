"""Migrations and models agree, and upgrade -> downgrade -> upgrade works, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from adapters import migrations
from domain.database import make_engine
from domain.models import Base


def _ours(name, type_, parent_names):
    """Everything but SQLite's full-text index of tickets (a virtual table and its shadow tables, kept by
    triggers of migration 0014_desk_search, not a model)."""
    return not (type_ == "table" and name is not None and name.startswith("ticket_search"))


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _ours})
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
