"""The `taskbell` command: one entry point, sub-commands for every process and operator task."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from adapters.settings import Settings, load_settings
from domain.errors import ConfigError, DomainError

if TYPE_CHECKING:
    from taskbell.container import Container

log = logging.getLogger("taskbell")


def _settings(args: argparse.Namespace) -> Settings:
    """The settings `main` read once (its ConfigError, if any, is raised here, by the command)."""
    if isinstance(args.settings, ConfigError):
        raise args.settings
    return args.settings


def _container(args: argparse.Namespace) -> Container:
    from taskbell.container import Container

    return Container.build(_settings(args))


def cmd_bootstrap(args: argparse.Namespace) -> int:
    import bootstrap

    settings = args.settings if isinstance(args.settings, Settings) else None
    return bootstrap.main((["--demo"] if args.demo else []) + (["--force"] if args.force else []),
                          settings=settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    from adapters import migrations

    container = _container(args)
    try:
        migrations.upgrade(container.db.engine, args.revision)
        print(f"database at {migrations.current_revision(container.db.engine)}")
    finally:
        container.close()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from taskbell import runner

    return runner.run_all(_container(args), demo=not args.no_demo)


def cmd_bot(args: argparse.Namespace) -> int:
    from taskbell import runner

    return runner.run_bot(_container(args))


def cmd_web(args: argparse.Namespace) -> int:
    """The web app: in this process, or (WEB_WORKERS / --workers > 1) in that many worker processes."""
    from taskbell import runner

    if args.listen_fd is not None:  # one of the workers: serve the parent's socket
        from taskbell.web_workers import inherited_socket

        return runner.run_web(_container(args), inherited_socket(args.listen_fd), args.worker)
    workers = args.workers or _settings(args).web_workers
    if workers > 1:
        from taskbell.web_workers import run_workers

        return run_workers(_settings(args), workers, verbose=args.verbose)
    return runner.run_web(_container(args))


def _workers(text: str) -> int:
    from adapters.setting_values import web_workers

    try:
        return web_workers(text, "--workers")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_scheduler(args: argparse.Namespace) -> int:
    from taskbell import runner

    return runner.run_scheduler(_container(args))


def cmd_mailer(args: argparse.Namespace) -> int:
    from taskbell import runner

    return runner.run_mailer(_container(args))


def _progress(label: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {100 * done // max(total, 1):3d}%",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from adapters import backup_files
    from domain.ops import backups

    container = _container(args)
    try:
        settings = container.settings
        result = backups.backup(container.db, backup_files.for_engine(container.db.engine),
                                Path(args.dir or settings.backup_dir), keep=args.keep,
                                progress=_progress("backing up"))
        print(f"backup written: {result.path} ({result.size_bytes:,} bytes, integrity ok)")
        if args.sheets:
            from adapters.google_sheets import GoogleSheets
            from domain.ops import sheets_export

            if not (settings.google_service_account_file and settings.google_sheets_key):
                print("taskbell: set GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_SHEETS_KEY for --sheets",
                      file=sys.stderr)
                return 2
            sink = GoogleSheets.from_service_account(settings.google_service_account_file)
            exported = sheets_export.export_to_sheets(
                container.db, sink, settings.google_sheets_key,
                progress=lambda table, done, total: _progress(f"sheets: {table:<10}")(done, total))
            print(f"exported to Google Sheets: {exported.cells:,} cells")
    except (RuntimeError, DomainError) as exc:
        print(f"taskbell: backup failed: {exc}", file=sys.stderr)
        return 1
    finally:
        container.close()
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from adapters import backup_files
    from domain.ops import backups

    container = _container(args)
    try:
        ok, detail = backup_files.integrity_ok(Path(args.file))
        if not ok:
            print(f"taskbell: {args.file} failed its integrity check ({detail}); nothing was restored.",
                  file=sys.stderr)
            return 1
        if not args.yes:
            answer = input(f"Replace everything in the database with {args.file}? Type 'restore' to go on: ")
            if answer.strip() != "restore":
                print("nothing was restored")
                return 1
        backups.restore(container.db, backup_files.for_engine(container.db.engine), Path(args.file),
                        progress=_progress("restoring"))
        print(f"restored from {args.file}")
    finally:
        container.close()
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from tgsandbox.server import serve

    serve(host=args.host, port=args.port, token=args.token, storage=args.state, smtp_port=args.smtp_port)
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from taskbell import invites

    container = _container(args)
    try:
        print(invites.invite(container, name=args.name, phone=args.phone, role=args.role))
    finally:
        container.close()
    return 0


def cmd_api_token(args: argparse.Namespace) -> int:
    """Issue, list or revoke a person's API tokens (the JSON API's `Authorization: Bearer`)."""
    from domain.actors import Actor
    from domain.auth import api_tokens

    container = _container(args)
    try:
        db, operator = container.db, Actor.system()
        if args.revoke is not None:
            revoked = api_tokens.revoke(db.uow(), operator, args.revoke)
            print(f"token {args.revoke} revoked" if revoked else f"token {args.revoke} was already revoked")
            return 0
        if not args.phone:
            raise DomainError("Give --phone (with --name to issue a token, or --list), or --revoke ID.")
        person_id = api_tokens.person_id_for_phone(db.uow(readonly=True), args.phone,
                                                   container.settings.phone_region)
        if args.list:
            for t in api_tokens.list_tokens(db.uow(readonly=True), operator, person_id):
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else (
                    f"last used {t.last_used_at:%Y-%m-%d %H:%M} UTC" if t.last_used_at else "never used")
                print(f"{t.id}\t{t.name}\tcreated {t.created_at:%Y-%m-%d}\t{state}")
            return 0
        if not args.name:
            raise DomainError("Give --name for the new token (what it is for), or --list.")
        token, plaintext = api_tokens.create_token(db.uow(), operator, person_id, args.name)
        print(f"token {token.id} ({token.name}); shown once, keep it secret:\n{plaintext}")
    finally:
        container.close()
    return 0


def cmd_risk(args: argparse.Namespace) -> int:
    """Recompute the student risk profiles now (all students, or one batch's)."""
    from domain.actors import Actor
    from domain.risk import engine

    container = _container(args)
    try:
        done = engine.recompute(container.db.uow(), Actor.system(), args.batch)
        levels = ", ".join(f"{n} {level.replace('_', ' ')}" for level, n in sorted(done.levels.items()))
        print(f"{done.students} students scored ({levels or 'none'}); {done.changed} level changes, "
              f"{done.into_high} into high risk")
    finally:
        container.close()
def cmd_engagement(args: argparse.Namespace) -> int:
    """Train the engagement risk model now: evaluate against the baseline, score everyone, write the card."""
    from adapters.learning import SklearnLearner, SkopsStore
    from domain.engagement import training

    settings = _settings(args)
    container = _container(args)
    try:
        r = training.train(container.db, SklearnLearner(), SkopsStore(settings.models_dir), settings.timezone)
    finally:
        container.close()

    def fig(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    print(f"engagement model #{r.model_id}: {r.status}; {r.n_train} training and {r.n_test} held-out examples; "
          f"AUC model {fig(r.auc_model)} vs baseline {fig(r.auc_baseline)}; "
          f"{r.scored} people scored by the {'model' if r.model_wins else 'heuristic (the model did not beat it)'}"
          f" in {r.seconds:.1f} s")
    return 0


def cmd_healthcheck(args: argparse.Namespace) -> int:
    import healthcheck

    settings = args.settings if isinstance(args.settings, Settings) else None
    return healthcheck.main(["--json"] if args.json else [], settings=settings)


def build_parser() -> argparse.ArgumentParser:
    from domain.ops.backups import KEEP

    parser = argparse.ArgumentParser(prog="taskbell", description="Taskbell: a Telegram-first assistant.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add("run", cmd_run, "migrate, bootstrap and start everything in one process")
    p.add_argument("--no-demo", action="store_true", help="do not seed demo data in sandbox mode")
    p = add("bootstrap", cmd_bootstrap, "bring the database to head, add defaults and the admin")
    p.add_argument("--demo", action="store_true", help="seed a demo organisation")
    p.add_argument("--force", action="store_true", help="with --demo: seed even over real data")
    p = add("migrate", cmd_migrate, "upgrade the database schema (alembic upgrade)")
    p.add_argument("revision", nargs="?", default="head")
    add("bot", cmd_bot, "run the Telegram bot and the outbox delivery (polling or webhook)")
    p = add("web", cmd_web, "run the web app (and, in webhook mode, the bot's update handlers)")
    p.add_argument("--workers", type=_workers, metavar="N",
                   help="serve with N processes (1-64; default WEB_WORKERS, 1); PostgreSQL for N > 1")
    p.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)  # a worker: the parent's socket
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # a worker: its number, for the logs
    add("scheduler", cmd_scheduler, "run the scheduler (one leader per deployment; others stand by)")
    add("mailer", cmd_mailer, "run the email delivery (SMTP_* settings; `run` includes it when SMTP_HOST is set)")
    p = add("backup", cmd_backup, "back up the database now (SQLite online backup, or pg_dump)")
    p.add_argument("--dir", help="where to write (default BACKUP_DIR)")
    p.add_argument("--keep", type=int, default=KEEP, help=f"how many backups to keep (default {KEEP})")
    p.add_argument("--sheets", action="store_true", help="also export every table to Google Sheets")
    p = add("restore", cmd_restore, "restore a SQLite backup over the database (asks first)")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = add("sandbox", cmd_sandbox, "run the sandbox Bot API server with its chat page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.add_argument("--token", default="123456:SANDBOX-TOKEN", help="the bot token it accepts")
    p.add_argument("--state", metavar="FILE", help="keep users, chats and messages in this file across restarts")
    p.add_argument("--smtp-port", type=int, metavar="PORT",
                   help="also run an SMTP server on PORT (0: any free one); the Mailbox tab shows its mail")
    p = add("invite", cmd_invite, "add a person to the allowlist (or find them) and print their invite link")
    p.add_argument("--name", required=True)
    p.add_argument("--phone", required=True)
    p.add_argument("--role", required=True, help="admin, teacher, member, student or parent")
    p = add("api-token", cmd_api_token, "issue (--phone --name), list (--phone --list) or revoke (--revoke ID) "
            "a person's API token")
    p.add_argument("--phone", help="whose token: the person's phone")
    p.add_argument("--name", help="what the new token is for, e.g. 'timetable sync'")
    p.add_argument("--list", action="store_true", help="list the person's tokens")
    p.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")
    p = add("risk", cmd_risk, "student risk: `taskbell risk recompute [--batch ID]` scores every student now")
    p.add_argument("action", choices=["recompute"])
    p.add_argument("--batch", type=int, metavar="ID", help="only this batch's students")
    p = add("engagement", cmd_engagement, "engagement risk: `train` retrains the model now (also nightly)")
    p.add_argument("action", choices=["train"])
    p = add("healthcheck", cmd_healthcheck, "check the deployment; exit 0 when every check passes")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from taskbell import logs

    try:  # read once, here, so that LOG_FORMAT (from the environment or .env) applies to every line
        args.settings = load_settings()
    except ConfigError as exc:  # reported by the command that needs settings (sandbox needs none)
        args.settings = exc
    log_format = args.settings.log_format if isinstance(args.settings, Settings) else "text"
    logs.setup(logging.DEBUG if args.verbose else logging.INFO, log_format)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"taskbell: configuration error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"taskbell: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
