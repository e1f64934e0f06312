"""Starting and stopping the processes: all in one (`taskbell run`) or one part each."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from domain.config import SANDBOX_TOKEN, Settings
from taskbell.container import Container

log = logging.getLogger("taskbell.runner")



@dataclass
class Component:
    """Something that runs until asked to stop."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


@dataclass
class System:
    container: Container
    token: str
    api_base: str
    components: list[Component] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


# --- the parts ----------------------------------------------------------------------------

def sandbox_component(settings: Settings) -> tuple[Component, str]:
    from tgsandbox.server import SandboxServer

    server = SandboxServer(token=SANDBOX_TOKEN, port=settings.sandbox_port, limit_tolerance_ms=50)

    async def start() -> None:
        await asyncio.to_thread(server.start)

    async def stop() -> None:
        await asyncio.to_thread(server.stop)

    return Component("sandbox", start, stop), f"http://127.0.0.1:{settings.sandbox_port}"


async def mirror_people_into_sandbox(container: Container, api_base: str) -> None:
    """Every linked person becomes a sandbox user, so the chat page can play them."""
    from sqlalchemy import select

    from domain.models import Person
    from tgsandbox.client import SandboxClient

    with container.db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Person.telegram_user_id, Person.name, Person.phone)
                                   .where(Person.telegram_user_id.is_not(None))).all()
    async with SandboxClient(api_base) as client:
        known = {u["id"] for u in await client.users()}
        for uid, name, phone in rows:
            if uid not in known:
                first, _, last = name.partition(" ")
                await client.create_user(first, phone=phone, user_id=uid, last_name=last or None)


def bot_parts(system: System, *, polling: bool) -> tuple[Component, Any]:
    from bot.app import build_application, build_delivery
    from bot.deps import BotDeps
    from domain.tokens import Signer

    settings, db = system.container.settings, system.container.db
    deps = BotDeps(settings=settings, db=db, signer=Signer(settings.secret_keys))
    app = build_application(deps, system.token, system.api_base, updater=polling)
    delivery = build_delivery(app, deps)
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        if polling and app.updater:
            await app.updater.start_polling(drop_pending_updates=False)
        elif settings.telegram_webhook_url:
            await app.bot.set_webhook(settings.telegram_webhook_url,
                                      secret_token=settings.telegram_webhook_secret)
        tasks.append(asyncio.create_task(delivery.run(), name="delivery"))
        log.info("bot @%s started (%s)", deps.bot_username, "polling" if polling else "webhook")

    async def stop() -> None:
        if app.updater and app.updater.running:
            await app.updater.stop()
        await delivery.stop()
        for t in tasks:
            await t
        if app.running:
            await app.stop()
        await app.shutdown()

    return Component("bot", start, stop), app


def web_component(system: System, bot_app: Any | None) -> Component:
    import uvicorn

    from domain.links import LinkSigner
    from web.app import create_app
    from web.deps import WebDeps

    settings = system.container.settings
    on_update = None
    if bot_app is not None:
        from telegram import Update

        async def on_update(data: dict[str, Any]) -> None:
            await bot_app.process_update(Update.de_json(data, bot_app.bot))

    app = create_app(WebDeps(settings=settings, db=system.container.db,
                             links=LinkSigner(settings.secret_keys), on_telegram_update=on_update))
    server = uvicorn.Server(uvicorn.Config(app, host=settings.web_host, port=settings.web_port,
                                           log_level="warning", proxy_headers=False, lifespan="on"))
    task: list[asyncio.Task[None]] = []

    async def start() -> None:
        task.append(asyncio.create_task(server.serve(), name="web"))
        while not server.started and not task[0].done():
            await asyncio.sleep(0.05)
        log.info("web app on http://%s:%s", settings.web_host, settings.web_port)

    async def stop() -> None:
        server.should_exit = True
        if task:
            await task[0]

    return Component("web", start, stop)


def scheduler_component(system: System) -> Component:
    from pathlib import Path

    from scheduler.app import Scheduler
    from scheduler.jobs import JobContext

    settings = system.container.settings
    sched = Scheduler(JobContext(system.container.db, settings.timezone, Path(settings.backup_dir),
                                 settings.google_service_account_file, settings.google_sheets_key))
    system.extras["scheduler"] = sched
    return Component("scheduler", sched.start, sched.stop)


# --- running ------------------------------------------------------------------------------

async def serve(system: System) -> None:
    """Start the components in order, wait for SIGTERM/SIGINT, stop them in reverse order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    started: list[Component] = []
    try:
        for component in system.components:
            await component.start()
            started.append(component)
        await stop.wait()
        log.info("stopping")
    finally:
        for component in reversed(started):
            try:
                await component.stop()
            except Exception:
                log.exception("%s did not stop cleanly", component.name)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def prepare(container: Container, *, demo: bool, bootstrap_db: bool = True) -> System:
    """Migrate and bootstrap (or, for one part of several, check the schema), pick the Bot API."""
    settings = container.settings
    if bootstrap_db:
        import bootstrap

        bootstrap.run(container, demo=demo and settings.uses_sandbox, out=lambda line: log.info("%s", line))
    else:
        from adapters import migrations
        from domain.errors import ConfigError

        current, head = migrations.current_revision(container.db.engine), migrations.head_revision()
        if current != head:
            raise ConfigError(f"DATABASE_URL: the database is at {current or 'nothing'}, the code needs "
                              f"{head}; run: taskbell migrate")
    if settings.uses_sandbox:
        return System(container, SANDBOX_TOKEN, f"http://127.0.0.1:{settings.sandbox_port}")
    return System(container, settings.telegram_bot_token or "", settings.telegram_api_base)


def run_all(*, demo: bool = True) -> int:
    container = Container.build()
    try:
        system = prepare(container, demo=demo)
        settings = container.settings
        if settings.uses_sandbox:
            component, _ = sandbox_component(settings)
            system.components.append(component)
        webhook = bool(settings.telegram_webhook_url) and not settings.uses_sandbox
        bot_component, bot_app = bot_parts(system, polling=not webhook)
        system.components.append(bot_component)
        system.components.append(scheduler_component(system))
        with contextlib.suppress(ImportError):
            system.components.append(web_component(system, bot_app if webhook else None))
        if settings.uses_sandbox:
            system.components.insert(1, Component("sandbox users", lambda: mirror_people_into_sandbox(
                container, system.api_base), _noop))
            print(f"\n  Taskbell is running without Telegram, on its sandbox.\n"
                  f"  Chat page (play any demo person): {system.api_base}/chat\n"
                  f"  Web app: {settings.app_base_url}\n  Stop with Ctrl+C.\n", flush=True)
        asyncio.run(serve(system))
        return 0
    finally:
        container.close()


async def _noop() -> None:
    return None


def run_bot() -> int:
    container = Container.build()
    try:
        system = prepare(container, demo=False, bootstrap_db=False)
        settings = container.settings
        webhook = bool(settings.telegram_webhook_url)
        component, _ = bot_parts(system, polling=not webhook)
        system.components.append(component)
        asyncio.run(serve(system))
        return 0
    finally:
        container.close()


def run_scheduler() -> int:
    container = Container.build()
    try:
        system = prepare(container, demo=False, bootstrap_db=False)
        system.components.append(scheduler_component(system))
        asyncio.run(serve(system))
        return 0
    finally:
        container.close()


def run_web() -> int:
    container = Container.build()
    try:
        system = prepare(container, demo=False, bootstrap_db=False)
        settings = container.settings
        bot_app = None
        if settings.telegram_webhook_url:  # updates arrive here: handle them with the bot's handlers
            from bot.app import build_application
            from bot.deps import BotDeps
            from domain.tokens import Signer

            deps = BotDeps(settings=settings, db=container.db, signer=Signer(settings.secret_keys))
            bot_app = build_application(deps, system.token, system.api_base, updater=False)

            async def start_bot() -> None:
                await bot_app.initialize()
                await bot_app.start()

            async def stop_bot() -> None:
                await bot_app.stop()
                await bot_app.shutdown()

            system.components.append(Component("bot handlers", start_bot, stop_bot))
        system.components.append(web_component(system, bot_app))
        asyncio.run(serve(system))
        return 0
    finally:
        container.close()
