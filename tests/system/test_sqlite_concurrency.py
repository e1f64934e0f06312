"""Three processes writing one SQLite file: no "database is locked", no lost update."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from domain.database import make_engine
from domain.models import RuleConfig
from domain.uow import Database
from tests.auxil.paths import ROOT

ROUNDS = 300


def test_three_processes_read_then_write_without_locks_or_lost_updates(tmp_path, sqlite_template):
    from tests.auxil.databases import sqlite_copy

    url = sqlite_copy(sqlite_template, tmp_path / "shared.db")
    db = Database.from_engine(make_engine(url))
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope="test", key="counter", value={"value": 0}, updated_at=uow.now))
        uow.commit()
    procs = [
        subprocess.Popen([sys.executable, "-m", "tests.auxil.sqlite_worker", url, str(ROUNDS)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "locked=0 other=0", out + err
    with db.uow(readonly=True) as uow:
        value = uow.session.scalars(select(RuleConfig.value).where(RuleConfig.key == "counter")).one()
    assert value["value"] == 3 * ROUNDS
    db.engine.dispose()


def test_writers_of_one_process_take_turns_and_every_ending_frees_the_turn(tmp_path, sqlite_template):
    """Threads of one process write one SQLite file through the in-process write gate: a transaction that
    commits, one that fails and one left without commit each give the turn back (a leaked turn would stall
    the next writer for the 10 s busy timeout), and no increment is lost."""
    import threading
    import time

    from tests.auxil.databases import sqlite_copy

    db = Database.from_engine(make_engine(sqlite_copy(sqlite_template, tmp_path / "gate.db")))
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope="test", key="counter", value={"value": 0}, updated_at=uow.now))
        uow.commit()

    def bump(ending: str) -> None:
        with db.uow() as uow:
            row = uow.session.scalars(select(RuleConfig).where(RuleConfig.key == "counter")).one()
            row.value = {"value": row.value["value"] + 1}
            if ending == "commit":
                uow.commit()
            elif ending == "fail":
                uow.session.flush()
                raise RuntimeError("the service failed mid-way")
            # "abandon": the block ends without commit: closed, rolled back

    endings = ["commit", "fail", "abandon"] * 20
    errors: list[BaseException] = []

    def worker(part: list[str]) -> None:
        for ending in part:
            try:
                bump(ending)
            except RuntimeError:
                pass
            except BaseException as exc:
                errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(endings[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert time.monotonic() - started < 8, "a writer waited out the busy timeout: a turn was not given back"
    with db.uow(readonly=True) as uow:
        value = uow.session.scalars(select(RuleConfig.value).where(RuleConfig.key == "counter")).one()
    assert value["value"] == 20
    db.engine.dispose()
