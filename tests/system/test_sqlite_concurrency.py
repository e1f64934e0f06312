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
