"""The Application factory: one place that wires handlers, errors, dedupe and the delivery loop."""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.commands import registered_commands, set_default_commands
from bot.dedupe import UpdateLedger
from bot.delivery import DeliveryConfig, DeliveryLoop
from bot.deps import BotDeps
from bot.errors import on_error
from bot.fallback import install as install_fallbacks
from bot.group_chats import GroupChatGate
from bot.handlers import (
    account,
    alerts,
    announce,
    assign,
    class_week,
    decline,
    enrol,
    fees,
    homework,
    marks,
    portal,
    queue,
    refer,
    replies,
    request,
    ticket_views,
    triage,
)
from bot.handlers import attendance as attendance_handlers
from bot.handlers import reminders as reminder_handlers
from bot.handlers import tasks as task_handlers
from bot.identity import resolve_person
from bot.messages import Renderer, check_renderers
from bot.pacing import Pacer
from bot.ratelimit import PacingRateLimiter
from bot.textguard import refuse_unstorable_text
from bot.transport import PooledRequest
from bot.updates import PerChatUpdates, SkippingRequest

DEDUPE_GROUP = -4  # first: drop an update handled before
GROUP_CHAT_GROUP = -3  # then: groups and supergroups get a brief answer and go no further (bot.group_chats)
TEXT_GROUP = -2  # then: refuse typed text we cannot store (bot.textguard)
IDENTITY_GROUP = -1  # then: who sent it (bot.identity.person_of), looked up once per update
FALLBACK_GROUP = 999  # answers what no feature handled (bot.fallback)
# Updates handled at once (each chat's one at a time): most of an update's time is spent waiting on the Bot
# API (answer, edit) or the database, so many fit; with 8, two web workers handled no more presses than one.
CONCURRENT_UPDATES = 64
LAST_GROUP = 1000  # runs after every feature's handlers


def bot_api_urls(api_base: str) -> tuple[str, str]:
    """PTB's base_url and base_file_url for any Bot API server (telegram.org, self-hosted, sandbox)."""
    base = api_base.rstrip("/")
    return f"{base}/bot", f"{base}/file/bot"


def build_application(deps: BotDeps, token: str, api_base: str, *, per_second: float = 30.0,
                      chat_interval: float = 1.0, updater: bool = True) -> Application:
    """The bot; every message it sends, reply or notification, is paced by one Pacer."""
    check_renderers()  # a notification kind without a renderer fails here, not at send
    # Our conversations mix button and text steps on purpose: per_message=False is right for them.
    warnings.filterwarnings("ignore", message="If 'per_message=False'", category=UserWarning)
    base_url, base_file_url = bot_api_urls(api_base)
    pacer = Pacer(per_second=per_second, chat_interval=chat_interval)
    builder = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .rate_limiter(PacingRateLimiter(pacer))
        .request(PooledRequest())
        .get_updates_request(SkippingRequest(connection_pool_size=1))  # an unparseable update is skipped
        .concurrent_updates(PerChatUpdates(CONCURRENT_UPDATES))  # one update at a time per chat
        .job_queue(None)  # scheduling is scheduler/'s job
        .post_init(_post_init)
    )
    if not updater:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["deps"] = deps
    ledger = UpdateLedger(deps.db)
    if isinstance(app.update_processor, PerChatUpdates):
        app.update_processor.at_shutdown(ledger.close)
    app.add_handler(TypeHandler(Update, ledger.check), group=DEDUPE_GROUP)
    app.add_handler(TypeHandler(Update, refuse_unstorable_text), group=TEXT_GROUP)
    app.add_handler(TypeHandler(Update, resolve_person), group=IDENTITY_GROUP)
    for module in (account, assign, enrol, task_handlers, decline, attendance_handlers, class_week,
                   reminder_handlers, request, triage, ticket_views, alerts, queue, announce, portal, marks,
                   refer, homework, fees):
        app.add_handlers(module.handlers())
    # After every conversation (a conversation's step wins): replies to our messages, a lone photo.
    app.add_handlers(replies.handlers() + request.photo_offer_handlers())
    app.add_handler(TypeHandler(Update, GroupChatGate(registered_commands(app), ledger.record)),
                    group=GROUP_CHAT_GROUP)
    app.add_handler(TypeHandler(Update, ledger.record), group=LAST_GROUP)
    app.add_error_handler(on_error)
    install_fallbacks(app, FALLBACK_GROUP)  # keep last: its marker must end the default group
    return app


async def _post_init(app: Application) -> None:
    """After initialize() (which asked getMe): the command menus. The root learns the username."""
    await set_default_commands(app.bot)


def build_delivery(app: Application, deps: BotDeps, config: DeliveryConfig | None = None) -> DeliveryLoop:
    """The delivery loop with a renderer for every notification kind (checked when it is built)."""
    renderer = Renderer(deps.db, deps.settings.timezone, deps.links, deps.settings.app_base_url)
    return DeliveryLoop(app.bot, deps.db, renderer, config)
