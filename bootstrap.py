"""Bring a Taskbell database to a usable state, idempotently; `--demo` seeds a demo organisation.

Usage: python bootstrap.py [--demo [--force]]   (also: taskbell bootstrap)
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import func, select

from adapters import migrations
from adapters.settings import Settings
from domain import rules
from domain.actors import Actor
from domain.errors import ConfigError, DomainError
from domain.models import Person, PersonStatus, Role, Task
from domain.people import services as people
from domain.sla.compute import recompute_missing
from taskbell.container import Container


def ensure_admin(container: Container) -> str:
    settings, db = container.settings, container.db
    with db.uow(readonly=True) as uow:
        active_admin = uow.session.scalar(select(Person).where(
            Person.role == Role.ADMIN, Person.status == PersonStatus.ACTIVE).limit(1))
        existing = (uow.session.scalar(select(Person).where(Person.phone == settings.admin_phone))
                    if settings.admin_phone else None)
    if active_admin is not None:
        return f"- an active admin exists ({active_admin.name}); skipped adding one"
    if not settings.admin_phone:
        return "- no active admin and ADMIN_PHONE is not set; set ADMIN_PHONE and ADMIN_NAME, then run again"
    if existing is not None:
        if existing.role != Role.ADMIN:
            people.set_role(db.uow(), Actor.system(), existing.id, Role.ADMIN)
            return f"✓ {existing.name} ({existing.phone}) made admin"
        return (f"- admin {existing.name} ({existing.phone}) is {existing.status.value}; "
                "they become active by sending /start to the bot and sharing their phone")
    result = people.add_person(db.uow(), Actor.system(), name=settings.admin_name or "Administrator",
                               phone=settings.admin_phone, role=Role.ADMIN)
    return (f"✓ admin {result.person.name} ({result.person.phone}) added as invited; "
            "they become active by sending /start to the bot and sharing their phone")


def holds_real_data(container: Container) -> bool:
    """Anything beyond the bootstrap admin counts as real data."""
    with container.db.uow(readonly=True) as uow:
        tasks = uow.session.scalar(select(func.count()).select_from(Task))
        others = uow.session.scalar(select(func.count()).select_from(Person).where(
            Person.phone != (container.settings.admin_phone or "")))
    return bool(tasks or others)


def run(container: Container, *, demo: bool = False, force: bool = False, out=print) -> int:
    engine = container.db.engine
    before = migrations.current_revision(engine)
    migrations.upgrade(engine)
    after = migrations.current_revision(engine)
    out(f"✓ database migrated {before or 'empty'} -> {after}" if before != after
        else f"- database already at head ({after}); skipped migrations")
    created = rules.ensure_defaults(container.db.uow())
    out(f"✓ created {len(created)} default rules" if created else "- default rules present; skipped")
    if computed := recompute_missing(container.db.uow()):
        out(f"✓ SLA deadlines computed for {computed} open tickets")
    if demo:
        from taskbell import demo as demo_data

        if demo_data.is_seeded(container):
            out("- demo organisation already present; skipped")
        elif holds_real_data(container) and not force:
            out("✗ refusing to seed demo data: this database already holds real people or tasks "
                "(use --force to seed anyway)")
            return 1
        else:
            summary = demo_data.seed(container)
            out(f"✓ demo organisation seeded: {summary}")
    out(ensure_admin(container))
    return 0


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bootstrap", description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="seed a believable demo organisation")
    parser.add_argument("--force", action="store_true", help="with --demo: seed even if real data exists")
    args = parser.parse_args(argv)
    try:
        container = Container.build(settings)
        if args.demo:  # in sandbox mode the demo's email is queued for the sandbox's SMTP server
            container.use_sandbox_mail()
    except ConfigError as exc:
        print(f"bootstrap: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return run(container, demo=args.demo, force=args.force)
    except DomainError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 1
    finally:
        container.close()


if __name__ == "__main__":
    sys.exit(main())
