"""The composition root: builds settings, database, signers, the bot, the web app and the scheduler.

Each part is built once, the first time a command asks for it; nothing is built at import time, and a
command that needs no bot never imports one. A part that cannot be built is an error, never a skip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.settings import DEFAULT_DB_PATH, SANDBOX_TOKEN, Settings, load_settings
from domain.clock import Clock, SystemClock

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from telegram.ext import Application

    from bot.delivery import DeliveryLoop
    from bot.deps import BotDeps
    from domain.files import AttachmentStore
    from domain.links import LinkSigner
    from domain.tokens import Signer
    from domain.uow import Database
    from mailer.links import MailLinks
    from mailer.loop import MailLoop
    from scheduler.app import Scheduler
    from tgsandbox.server import SandboxServer

log = logging.getLogger("taskbell.container")
GET_ME_TIMEOUT = 5.0


@dataclass
class Container:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    bot_username: str | None = None  # for t.me links; set by learn_bot_username()
    _username_learned: bool = field(default=False, repr=False)
    _bot_app: Application | None = field(default=None, repr=False)

    @classmethod
    def build(cls, settings: Settings | None = None, clock: Clock | None = None) -> Container:
        """The root for one process: settings from the environment and `.env` unless given."""
        return cls(settings or load_settings(), clock or SystemClock())

    # --- storage and signing ------------------------------------------------------------------

    @cached_property
    def db(self) -> Database:
        from domain.database import make_engine
        from domain.uow import Database

        db = Database.from_engine(make_engine(self.settings.database_url), self.clock,
                                  timezone=self.settings.timezone)
        db.email_enabled = self.settings.email_enabled  # no SMTP: no email is queued (domain.mail.routing)
        return db

    @cached_property
    def signer(self) -> Signer:
        from domain.tokens import Signer

        return Signer(self.settings.secret_keys)

    @cached_property
    def links(self) -> LinkSigner:
        from domain.links import LinkSigner

        return LinkSigner(self.settings.secret_keys)

    @cached_property
    def mail_links(self) -> MailLinks:
        """The links emails carry: signed actions (/e/<token>) and channel settings, served by the web app."""
        from domain.email_actions import SignedMailLinks

        return SignedMailLinks(self.links, self.settings.app_base_url, self.db)

    @cached_property
    def attachments(self) -> AttachmentStore:
        """Photos and files people send, kept under ATTACHMENTS_DIR."""
        from adapters.attachments import FileAttachments

        return FileAttachments(Path(self.settings.attachments_dir))

    # --- Telegram -----------------------------------------------------------------------------

    @property
    def bot_api(self) -> tuple[str, str]:
        """The token and Bot API server the bot talks to (the bundled sandbox when there is no token)."""
        return self.settings.bot_api

    @cached_property
    def sandbox(self) -> SandboxServer:
        from tgsandbox.server import SandboxServer

        return SandboxServer(token=SANDBOX_TOKEN, port=self.settings.sandbox_port, limit_tolerance_ms=50,
                             storage=self.sandbox_storage, smtp_port=self.sandbox_smtp_port)

    @cached_property
    def sandbox_smtp_port(self) -> int:
        """The port of the sandbox's SMTP server (its mail shows in the chat page's Mailbox tab)."""
        from taskbell.sandbox_mail import smtp_port

        if self.settings.sandbox_external:  # `taskbell sandbox --port P --smtp-port P+1`
            return self.settings.sandbox_port + 1
        return smtp_port(self.settings)

    def use_sandbox_mail(self) -> None:
        """Sandbox mode: email goes to the sandbox's SMTP server unless SMTP_HOST names another. Called
        before anything is built from the settings (`taskbell run`; `bootstrap --demo` queues for it)."""
        if self.settings.uses_sandbox:
            from taskbell.sandbox_mail import pointed_at_sandbox

            self.settings = pointed_at_sandbox(self.settings, self.sandbox_smtp_port)

    @property
    def sandbox_storage(self) -> Path:
        """The bundled sandbox's history: beside the SQLite file, else in the instance folder."""
        from sqlalchemy.engine import make_url

        url = make_url(self.settings.database_url)
        if self.settings.is_sqlite and url.database and url.database != ":memory:":
            db = Path(url.database)
            return db.with_name(f"{db.stem}-sandbox.jsonl")
        return DEFAULT_DB_PATH.parent / f"{url.database or 'taskbell'}-sandbox.jsonl"

    @cached_property
    def bot_deps(self) -> BotDeps:
        from bot.deps import BotDeps

        return BotDeps(settings=self.settings, db=self.db, signer=self.signer, links=self.links,
                       bot_username=self.bot_username or "", attachments=self.attachments)

    def bot_application(self, *, updater: bool) -> Application:
        """The bot's Application, built once; `updater=False` when updates arrive by webhook."""
        if self._bot_app is None:
            from bot.app import build_application

            token, api_base = self.bot_api
            self._bot_app = build_application(self.bot_deps, token, api_base, updater=updater,
                                              per_second=self.settings.telegram_rate)
        elif (self._bot_app.updater is not None) != updater:
            raise RuntimeError("the bot application was already built with another update mode")
        return self._bot_app

    @property
    def bot_app(self) -> Application:
        """The bot's Application as built by bot_application(); asking before that is an error."""
        if self._bot_app is None:
            raise RuntimeError("the bot application has not been built: call bot_application() first")
        return self._bot_app

    @cached_property
    def delivery(self) -> DeliveryLoop:
        from bot.app import build_delivery
        from bot.delivery import DeliveryConfig

        return build_delivery(self.bot_app, self.bot_deps, DeliveryConfig(per_second=self.settings.telegram_rate))

    async def start_bot(self) -> Application:
        """Initialise the bot (one getMe), learn its username, run its post_init, start it."""
        app = self.bot_app
        await app.initialize()
        await self.learn_bot_username()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        return app

    async def learn_bot_username(self) -> str | None:
        """Once: TELEGRAM_BOT_USERNAME when set; else the bot's getMe (none for the sandbox bot)."""
        if not self._username_learned:
            self._username_learned = True
            self.bot_username = self.settings.telegram_bot_username
            if self.bot_username is None and not self.settings.uses_sandbox:
                self.bot_username = await self._get_me_username()
            if "bot_deps" in self.__dict__:
                self.bot_deps.bot_username = self.bot_username or ""
        return self.bot_username

    async def _get_me_username(self) -> str | None:
        if self._bot_app is not None:  # the bot runs here: initialize() has asked getMe already
            await self._bot_app.initialize()
            return self._bot_app.bot.username
        from telegram import Bot
        from telegram.error import TelegramError
        from telegram.request import HTTPXRequest

        from bot.app import bot_api_urls

        token, api_base = self.bot_api
        base_url, file_url = bot_api_urls(api_base)
        request = HTTPXRequest(connect_timeout=GET_ME_TIMEOUT, read_timeout=GET_ME_TIMEOUT)
        try:
            async with Bot(token, base_url=base_url, base_file_url=file_url, request=request) as bot:
                return (await bot.get_me()).username
        except (TelegramError, OSError) as exc:
            log.warning("could not learn the bot's username (getMe: %s); invite links show /start lines", exc)
            return None

    # --- email -----------------------------------------------------------------------------------

    @cached_property
    def mailer(self) -> MailLoop:
        """The email delivery loop over the SMTP_* server, rendering with the web app's links."""
        from domain.errors import ConfigError
        from mailer.loop import MailLoop
        from mailer.registry import MailContext
        from mailer.smtp import SmtpConfig

        s = self.settings
        if not s.smtp_host or not s.smtp_from:
            raise ConfigError("SMTP_HOST and SMTP_FROM are needed to send email")
        smtp = SmtpConfig(s.smtp_host, s.smtp_port_or_default, s.smtp_from, s.smtp_tls, s.smtp_username,
                          s.smtp_password.get_secret_value() if s.smtp_password else None)
        return MailLoop(self.db, MailContext(self.db, s.timezone, self.links, s.app_base_url, self.mail_links),
                        smtp)

    # --- web and scheduler --------------------------------------------------------------------

    @cached_property
    def web_app(self) -> Starlette:
        """The web app; in webhook mode with the bot here, updates go to the bot's handlers."""
        from web.app import create_app
        from web.deps import WebDeps

        on_update = None
        bot_app = self._bot_app
        if bot_app is not None and bot_app.updater is None and self.settings.telegram_webhook_url:
            from bot.updates import update_receiver

            on_update = update_receiver(bot_app)  # an update it cannot parse is logged once and skipped

        return create_app(WebDeps(settings=self.settings, db=self.db, links=self.links,
                                  on_telegram_update=on_update, bot_username=self.bot_username,
                                  attachments=self.attachments))

    @cached_property
    def scheduler(self) -> Scheduler:
        from scheduler.app import Scheduler
        from scheduler.jobs import JobContext

        s = self.settings
        return Scheduler(JobContext(self.db, s.timezone, Path(s.backup_dir), s.google_service_account_file,
                                    s.google_sheets_key, models_dir=Path(s.models_dir)))

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.engine.dispose()
