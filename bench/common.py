"""Shared bench helpers: fresh databases, timing, the results table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from domain import migrations
from domain.database import make_engine
from domain.uow import Database

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Row:
    name: str
    size: str
    figure: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""

    @property
    def ratio(self) -> str:
        return f"{self.figure / self.baseline:.2f}" if self.baseline else "-"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def sqlite_db(directory: Path, name: str) -> Database:
    path = directory / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    return Database.from_engine(engine)


def pg_db(name: str) -> Database | None:
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:
        return None
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    migrations.upgrade(engine)
    return Database.from_engine(engine)


def print_table(rows: list[Row]) -> str:
    lines = ["| row | size | figure | baseline | ratio | note |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        base = f"{r.baseline:.3f} {r.unit} ({r.baseline_name})" if r.baseline is not None else "-"
        lines.append(f"| {r.name} | {r.size} | {r.figure:.3f} {r.unit} | {base} | {r.ratio} | {r.note} |")
    out = "\n".join(lines)
    print(out)
    return out
