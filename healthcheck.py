"""Check a Taskbell deployment without changing it; one line per check, exit 0 when all pass.

Usage: python healthcheck.py [--json]   (also: taskbell healthcheck)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import text

from domain import migrations
from domain.config import load_settings
from domain.errors import ConfigError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"✓ PASS {self.name}" + (f" ({self.detail})" if self.detail else "")
        return f"✗ FAIL {self.name}: {self.detail} -> {self.fix}"


def run_checks() -> list[Check]:
    try:
        settings = load_settings()
    except ConfigError as exc:
        return [Check("settings", False, str(exc), "fix the variable in the environment or .env")]
    checks = [Check("settings", True)]
    from domain.database import make_engine

    engine = make_engine(settings.database_url)
    try:
        def probe(name: str, fn: Callable[[], str], fix: str) -> None:
            try:
                checks.append(Check(name, True, fn()))
            except Exception as exc:  # a check reports, it never raises
                checks.append(Check(name, False, f"{type(exc).__name__}: {exc}".splitlines()[0], fix))

        def db_write() -> str:
            with engine.connect() as conn:
                trans = conn.begin()
                conn.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS hc_probe (x INTEGER)"))
                conn.execute(text("INSERT INTO hc_probe VALUES (1)"))
                trans.rollback()
            return engine.dialect.name

        def at_head() -> str:
            current, head = migrations.current_revision(engine), migrations.head_revision()
            if current != head:
                raise RuntimeError(f"database at {current or 'nothing'}, code at {head}")
            return str(head)

        probe("database reachable and writable", db_write, "check DATABASE_URL and that the server runs")
        probe("migrations at head", at_head, "run: taskbell migrate")
    finally:
        engine.dispose()
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    checks = run_checks()
    if args.json:
        print(json.dumps({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}))
    else:
        for c in checks:
            print(c.line())
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
