"""Engine and session factory for SQLite (WAL, BEGIN IMMEDIATE) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create the engine; on SQLite set the pragmas and begin writes with BEGIN IMMEDIATE."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, **kwargs)
    _install_sqlite_recipe(engine)
    return engine


def _install_sqlite_recipe(engine: Engine) -> None:
    # SQLAlchemy's documented recipe: take transaction control away from pysqlite,
    # then emit our own BEGIN so writers queue on busy_timeout instead of failing
    # with "database is locked" when they upgrade a read lock.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # SQLite has one writer at a time. Writers of this process queue on a lock of their own first: a
    # writer refused by SQLite sleeps in its busy handler (1, 2, 5 ... 100 ms) and wakes late, so a few
    # threads writing at once left the file idle while they slept. The lock hands over at once; writers of
    # other processes still meet on busy_timeout.
    gate = threading.Lock()
    holders: set[int] = set()  # the DBAPI connections (by id) that hold the gate
    dialect = engine.dialect

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
            return
        raw = conn.connection.dbapi_connection
        if gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):  # a writer nested in a writer: no deadlock
            holders.add(id(raw))
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(raw)
            raise

    def _release(conn: Any) -> None:  # a pool's connection wrapper or the DBAPI connection itself
        key = id(getattr(conn, "dbapi_connection", conn))
        if key in holders:
            holders.discard(key)
            gate.release()

    def _ending(end: Any) -> Any:
        def run(raw: Any) -> None:  # once the transaction has ended, not before: the next writer starts now
            try:
                end(raw)
            finally:
                _release(raw)
        return run

    dialect.do_commit = _ending(dialect.do_commit)  # type: ignore[method-assign]
    dialect.do_rollback = _ending(dialect.do_rollback)  # type: ignore[method-assign]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
