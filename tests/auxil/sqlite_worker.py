"""A worker process for the SQLite concurrency test: read a counter, then write it back + 1."""

from __future__ import annotations

import sys

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from domain.database import make_engine
from domain.models import RuleConfig
from domain.uow import Database


def main(url: str, rounds: int) -> None:
    db = Database.from_engine(make_engine(url))
    locked = other = 0
    for _ in range(rounds):
        try:
            with db.uow() as uow:
                row = uow.session.scalars(select(RuleConfig).where(RuleConfig.key == "counter")).one()
                row.value = {"value": row.value["value"] + 1}
                row.updated_at = uow.now
                uow.commit()
        except OperationalError as exc:
            if "locked" in str(exc):
                locked += 1
            else:
                other += 1
    print(f"locked={locked} other={other}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
