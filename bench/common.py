"""Shared bench helpers: fresh databases, timing, the results table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters import migrations
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
        if not self.baseline:
            return "-"
        ratio = self.figure / self.baseline
        return f"{ratio:.2f}" if abs(ratio) >= 0.1 else f"{ratio:.2g}"


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
    return without_quiet_hours(Database.from_engine(engine))


def without_quiet_hours(db: Database) -> Database:
    """Quiet hours off (start = end): a benchmark run at night must not hold its notifications."""
    from domain.models import RuleConfig

    with db.uow() as uow:
        uow.session.add_all(RuleConfig(scope="global", key=k, value={"value": "00:00"}, updated_at=uow.now)
                            for k in ("quiet_hours.start", "quiet_hours.end"))
        uow.commit()
    return db


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


# --- helpers shared by the rows ------------------------------------------------------------

TOKEN = "123456:BENCH-TOKEN"
KEY = "bench-secret-key-0123456789abcdef"


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def wait_http(url: str, timeout: float = 30.0, proc: object | None = None) -> None:
    """Poll `url` until it answers (any status below 500) or raise after `timeout` seconds."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and getattr(proc, "poll", lambda: None)() is not None:
            raise RuntimeError(f"the process serving {url} exited early")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


class SandboxProcess:
    """The sandbox Bot API server in its own process, so its event loop competes with nobody's."""

    def __init__(self, *, global_per_second: int = 30, per_chat_per_second: int = 1) -> None:
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = ("from tgsandbox.server import serve; "
                f"serve(host='127.0.0.1', port={self.port}, token={TOKEN!r}, log_level='warning', "
                f"global_per_second={global_per_second}, per_chat_per_second={per_chat_per_second})")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                                     cwd=Path(__file__).resolve().parent.parent)
        wait_http(f"{self.url}/sandbox/bot", proc=self.proc)

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the sandbox process has used so far."""
        import os

        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def bench_settings(database_url: str, api_base: str, **extra: object):  # -> Settings
    from adapters.settings import Settings

    return Settings(database_url=database_url, secret_keys=(KEY,), timezone="Europe/London",
                    telegram_bot_token=TOKEN, telegram_api_base=api_base, **extra)  # type: ignore[arg-type]


def bench_bot_deps(settings, db: Database):  # -> BotDeps
    """The bot's dependencies as the composition root makes them."""
    from bot.deps import BotDeps
    from domain.links import LinkSigner
    from domain.tokens import Signer

    return BotDeps(settings=settings, db=db, signer=Signer(settings.secret_keys),
                   links=LinkSigner(settings.secret_keys))


def linked_people(db: Database, users: list[dict], role: str = "student", prefix: str = "+4478") -> list[int]:
    """People rows (active, linked to the given sandbox users) inserted in bulk; returns their ids.

    Equivalent to add_person + link_telegram per person, without 2 transactions each (setup only)."""
    from sqlalchemy import insert, select

    from domain.models import Person, PersonStatus, Role

    with db.uow() as uow:
        now = uow.now
        uow.session.execute(insert(Person), [
            {"name": f"{u['first_name']} Bench", "phone": f"{prefix}{u['id'] % 10**8:08d}", "role": Role(role),
             "status": PersonStatus.ACTIVE, "telegram_user_id": u["id"], "telegram_chat_id": u["id"],
             "created_at": now, "updated_at": now} for u in users])
        uow.commit()
        ids = {uid: pid for pid, uid in uow.session.execute(
            select(Person.id, Person.telegram_user_id).where(
                Person.telegram_user_id.in_([u["id"] for u in users])))}
    return [ids[u["id"]] for u in users]


def make_admin(db: Database, telegram_id: int | None = None) -> int:
    from domain.models import Person, PersonStatus, Role

    with db.uow() as uow:
        admin = Person(name="Bench Admin", phone="+447699999999", role=Role.ADMIN, status=PersonStatus.ACTIVE,
                       telegram_user_id=telegram_id, telegram_chat_id=telegram_id,
                       created_at=uow.now, updated_at=uow.now)
        uow.session.add(admin)
        uow.commit()
        return admin.id
