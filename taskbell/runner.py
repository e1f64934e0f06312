"""Starting and stopping the processes: all in one (`taskbell run`) or one part each.

Every part comes from the composition root (taskbell/container.py); this module only orders them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.settings import Settings
from taskbell.container import Container

log = logging.getLogger("taskbell.runner")


@dataclass
class Component:
    """Something that runs until asked to stop."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


# --- the parts ----------------------------------------------------------------------------

def sandbox_component(container: Container) -> Component:
    """The bundled Bot API server with its chat page."""
    server = container.sandbox

    async def start() -> None:
        await asyncio.to_thread(server.start)

    async def stop() -> None:
        await asyncio.to_thread(server.stop)

    return Component("sandbox", start, stop)


async def mirror_people_into_sandbox(container: Container) -> None:
    """Every linked person becomes a sandbox user, so the chat page can play them (demo people with a hint:
    their role and what to try)."""
    from sqlalchemy import select

    from domain.models import Person
    from taskbell import demo
    from tgsandbox.client import SandboxClient

    with container.db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Person.telegram_user_id, Person.name, Person.phone)
                                   .where(Person.telegram_user_id.is_not(None))).all()
    hints = demo.sandbox_hints() if demo.is_seeded(container) else {}
    async with SandboxClient(container.settings.sandbox_url) as client:
        known = {u["id"]: u for u in await client.users()}
        for uid, name, phone in rows:
            if uid not in known:
                first, _, last = name.partition(" ")
                await client.create_user(first, phone=phone, user_id=uid, last_name=last or None,
                                         hint=hints.get(uid))
            elif hints.get(uid) and known[uid].get("hint") != hints[uid]:
                await client.set_hint(uid, hints[uid])  # a sandbox kept from before the hints


def bot_component(container: Container, *, polling: bool) -> Component:
    """The bot with its outbox delivery loop: polling, or setting the webhook."""
    from adapters import pg_wakeups
    from bot.sender_lease import poll_while_leading

    settings = container.settings
    app = container.bot_application(updater=polling)
    delivery = container.delivery
    tasks: list[asyncio.Task[None]] = []
    listening: list[asyncio.Task[None]] = []
    polls_stop = asyncio.Event()

    async def start() -> None:
        await container.start_bot()
        if settings.telegram_webhook_url and not polling:
            await app.bot.set_webhook(settings.telegram_webhook_url, secret_token=settings.webhook_secret)
        tasks.append(asyncio.create_task(delivery.run(), name="delivery"))
        if polling and app.updater:  # polls while it holds the sending lease (a standby neither polls nor sends)
            tasks.append(asyncio.create_task(poll_while_leading(app.updater, delivery.may_poll, polls_stop)))
        if container.db.dialect == "postgresql":  # commits in other processes wake the sender too
            listening.append(asyncio.create_task(pg_wakeups.listen(settings.database_url, delivery.wake)))
        log.info("bot @%s started (%s)", app.bot.username, "polling" if polling else "webhook")

    async def stop() -> None:
        polls_stop.set()
        await asyncio.gather(*tasks[1:])  # the polling watcher
        del tasks[1:]
        if app.updater and app.updater.running:
            await app.updater.stop()
        for t in listening:
            t.cancel()
        await asyncio.gather(*listening, return_exceptions=True)
        await delivery.stop()
        for t in tasks:
            await t
        await _stop_application(app)

    return Component("bot", start, stop)


def bot_handlers_component(container: Container) -> Component:
    """The bot's handlers only (webhook updates reach them through the web app); no delivery."""
    app = container.bot_application(updater=False)

    async def start() -> None:
        await container.start_bot()

    async def stop() -> None:
        await _stop_application(app)

    return Component("bot handlers", start, stop)


async def _stop_application(app: object) -> None:
    if app.running:  # type: ignore[attr-defined]
        await app.stop()  # type: ignore[attr-defined]
    await app.shutdown()  # type: ignore[attr-defined]


def uvicorn_proxy_options(settings: Settings) -> dict[str, object]:
    """Believe X-Forwarded-For/-Proto only from the FORWARDED_ALLOW_IPS proxies (none by default)."""
    if not settings.forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


def web_component(container: Container, sock: socket.socket | None = None, worker: int | None = None) -> Component:
    """The web app under uvicorn; built at start, once the bot's username is known. With `sock` it serves
    that listening socket (a web worker's, inherited from `taskbell web`'s parent) instead of binding."""
    import uvicorn

    settings = container.settings
    task: list[asyncio.Task[None]] = []
    server: list[uvicorn.Server] = []

    async def start() -> None:
        await container.learn_bot_username()
        server.append(uvicorn.Server(uvicorn.Config(
            container.web_app, host=settings.web_host, port=settings.web_port, log_level="warning",
            lifespan="on", **uvicorn_proxy_options(settings))))
        task.append(asyncio.create_task(server[0].serve(sockets=[sock] if sock else None), name="web"))
        while not server[0].started and not task[0].done():
            await asyncio.sleep(0.05)
        if task[0].done():
            await task[0]
            raise RuntimeError(f"the web app could not listen on {settings.web_host}:{settings.web_port}")
        if worker is None:
            log.info("web app on http://%s:%s", settings.web_host, settings.web_port)
        else:
            log.info("web worker %d serving (pid %d)", worker, os.getpid())

    async def stop() -> None:
        if server:
            server[0].should_exit = True
        if task:
            await task[0]

    return Component("web", start, stop)


def mailer_component(container: Container) -> Component:
    """The email delivery loop (only when SMTP is configured)."""
    loop = container.mailer
    task: list[asyncio.Task[None]] = []

    async def start() -> None:
        task.append(asyncio.create_task(loop.run(), name="mailer"))

    async def stop() -> None:
        await loop.stop()
        for t in task:
            await t

    return Component("mailer", start, stop)


def scheduler_component(container: Container) -> Component:
    sched = container.scheduler
    return Component("scheduler", sched.start, sched.stop)


# --- running ------------------------------------------------------------------------------

async def serve(components: list[Component]) -> None:
    """Start the components in order, wait for SIGTERM/SIGINT, stop them in reverse order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    started: list[Component] = []
    try:
        for component in components:
            await component.start()
            started.append(component)
        await stop.wait()
        log.info("stopping")
    finally:
        stopping = time.monotonic()
        for component in reversed(started):
            began = time.monotonic()
            try:
                await component.stop()
            except Exception:
                log.exception("%s did not stop cleanly", component.name)
            if (took := time.monotonic() - began) >= 0.5:  # a slow stop says which part it was
                log.info("%s stopped in %.1f s", component.name, took)
        log.info("stopped in %.1f s", time.monotonic() - stopping)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def prepare(container: Container, *, demo: bool, bootstrap_db: bool = True) -> None:
    """Migrate and bootstrap (or, for one part of several, check the schema is at head)."""
    settings = container.settings
    if bootstrap_db:
        import bootstrap

        bootstrap.run(container, demo=demo and settings.uses_sandbox, out=lambda line: log.info("%s", line))
        return
    from adapters import migrations
    from domain.errors import ConfigError

    current, head = migrations.current_revision(container.db.engine), migrations.head_revision()
    if current != head:
        raise ConfigError(f"DATABASE_URL: the database is at {current or 'nothing'}, the code needs "
                          f"{head}; run: taskbell migrate")


def _run(container: Container, build: Callable[[], list[Component]]) -> int:
    try:
        asyncio.run(serve(build()))
        return 0
    finally:
        container.close()


def run_all(container: Container, *, demo: bool = True) -> int:
    """Everything in one process: (sandbox,) bot, scheduler and web app."""
    def build() -> list[Component]:
        container.use_sandbox_mail()
        prepare(container, demo=demo)
        settings = container.settings
        if settings.web_workers > 1:
            log.info("WEB_WORKERS=%d applies to `taskbell web`; `taskbell run` serves the web app in this "
                     "process", settings.web_workers)
        webhook = bool(settings.telegram_webhook_url) and not settings.uses_sandbox
        components = [bot_component(container, polling=not webhook), scheduler_component(container),
                      web_component(container)]
        if settings.email_enabled:
            components.insert(1, mailer_component(container))
        if settings.uses_sandbox:
            components[:0] = [Component("sandbox users", lambda: mirror_people_into_sandbox(container), _nothing)]
            if not settings.sandbox_external:  # SANDBOX_EXTERNAL: it runs on its own (`taskbell sandbox`)
                components.insert(0, sandbox_component(container))
        components.append(Component("banner", lambda: _print_banner(container, demo=demo), _nothing))
        return components

    return _run(container, build)


def start_lines(container: Container, *, demo: bool) -> list[str]:
    """The three lines `taskbell run` ends with: the chat page, the console, and who to be first."""
    settings = container.settings
    console = f"{settings.app_base_url}/"
    if settings.uses_sandbox:
        from taskbell import demo as demo_data

        first = (demo_data.FIRST_STEP if demo and demo_data.is_seeded(container)
                 else "Be the admin first: send /start, share your phone, then /web")
        return [f"Chat page: {settings.sandbox_url}/chat (its Mailbox tab shows every email sent)",
                f"Console:   {console}", first]
    bot = f"https://t.me/{container.bot_username}" if container.bot_username else "your bot in Telegram"
    return [f"Chat:      {bot}", f"Console:   {console}",
            "Be the admin first: send /start to the bot, share your phone, then /web"]


async def _print_banner(container: Container, *, demo: bool) -> None:
    lines = await asyncio.to_thread(start_lines, container, demo=demo)
    print("\nTaskbell is running" + (" on its sandbox (no Telegram needed)" if container.settings.uses_sandbox
                                    else "") + ". Stop with Ctrl+C.\n" + "\n".join(lines), flush=True)


def run_bot(container: Container) -> int:
    def build() -> list[Component]:
        prepare(container, demo=False, bootstrap_db=False)
        return [bot_component(container, polling=not container.settings.telegram_webhook_url)]

    return _run(container, build)


def run_scheduler(container: Container) -> int:
    def build() -> list[Component]:
        prepare(container, demo=False, bootstrap_db=False)
        return [scheduler_component(container)]

    return _run(container, build)


def run_mailer(container: Container) -> int:
    """The email delivery loop alone (SMTP_HOST must be set)."""
    from domain.errors import ConfigError

    def build() -> list[Component]:
        if not container.settings.email_enabled:
            raise ConfigError("SMTP_HOST is not set: there is no email to send (see README, Email)")
        prepare(container, demo=False, bootstrap_db=False)
        return [mailer_component(container)]

    return _run(container, build)


def run_web(container: Container, sock: socket.socket | None = None, worker: int | None = None) -> int:
    """The web app; in webhook mode also the bot's handlers (started with the same post_init). One of
    several web workers (WEB_WORKERS > 1, see taskbell/web_workers.py) serves the parent's `sock`."""
    def build() -> list[Component]:
        prepare(container, demo=False, bootstrap_db=False)
        components = [web_component(container, sock, worker)]
        if container.settings.telegram_webhook_url:
            components.insert(0, bot_handlers_component(container))
        return components

    return _run(container, build)
