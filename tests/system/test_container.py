"""The composition root: each part built once and on demand, the bot username learned once."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import Settings
from taskbell import runner
from taskbell.container import Container
from tests.auxil.telegram import running_sandbox
from tgsandbox.client import SandboxClient

KEY = "k" * 32
TOKEN = "123456:ROOT-TEST"
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    from tests.auxil.databases import sqlite_copy

    return sqlite_copy(sqlite_template, tmp_path / "root.db")


@pytest.fixture
def sandbox():
    yield from running_sandbox(TOKEN)


def root(database_url: str, **values) -> Container:
    return Container.build(Settings(database_url=database_url, secret_keys=(KEY,), **values))


def test_the_bundled_sandbox_keeps_its_history_beside_the_database(database_url):
    container = root(database_url)
    assert container.sandbox_storage == Path(database_url.removeprefix("sqlite:///")).with_name("root-sandbox.jsonl")
    assert container.sandbox.state.journal.path == container.sandbox_storage
    assert root("postgresql://u@db.example/school").sandbox_storage == Path("instance/school-sandbox.jsonl")


def test_parts_are_built_once_when_asked_for(database_url):
    container = root(database_url)
    assert "db" not in container.__dict__  # building the root opens nothing
    try:
        assert container.db is container.db
        deps = container.bot_deps
        assert deps.db is container.db and deps.signer is container.signer and deps.links is container.links
        web = container.web_app
        assert web is container.web_app
        assert web.state.deps.links is container.links and web.state.deps.db is container.db
        assert container.scheduler is container.scheduler and container.scheduler.ctx.db is container.db
    finally:
        container.close()


def test_the_bot_is_built_once_in_one_mode(database_url):
    container = root(database_url, telegram_bot_token=TOKEN, telegram_api_base=UNREACHABLE)
    with pytest.raises(RuntimeError, match="has not been built"):
        _ = container.bot_app
    app = container.bot_application(updater=False)
    assert container.bot_application(updater=False) is app is container.bot_app
    assert container.delivery is container.delivery
    with pytest.raises(RuntimeError, match="another update mode"):
        container.bot_application(updater=True)


async def test_the_username_setting_needs_no_network(database_url):
    container = root(database_url, telegram_bot_token=TOKEN, telegram_api_base=UNREACHABLE,
                     telegram_bot_username="@TaskbellBot")
    assert await container.learn_bot_username() == "TaskbellBot"
    assert container.web_app.state.deps.bot_username == "TaskbellBot"


async def test_the_sandbox_bot_has_no_public_username(database_url):
    container = root(database_url, sandbox_port=9)
    assert await container.learn_bot_username() is None
    assert container.web_app.state.deps.bot_username is None


async def test_the_username_is_learned_once_by_get_me(database_url, sandbox):
    container = root(database_url, telegram_bot_token=TOKEN, telegram_api_base=sandbox.url)
    assert await container.learn_bot_username() == "taskbell_bot"
    sandbox.stop()
    assert await container.learn_bot_username() == "taskbell_bot"  # not asked again
    assert container.bot_deps.bot_username == "taskbell_bot"


async def test_unreachable_get_me_leaves_no_username(database_url):
    container = root(database_url, telegram_bot_token=TOKEN, telegram_api_base=UNREACHABLE)
    assert await container.learn_bot_username() is None


async def test_web_process_in_webhook_mode_starts_the_bot_with_its_post_init(database_url, sandbox):
    container = root(database_url, telegram_bot_token=TOKEN, telegram_api_base=sandbox.url,
                     telegram_webhook_url="https://taskbell.test/telegram/webhook",
                     telegram_webhook_secret="hook-secret")
    handlers = runner.bot_handlers_component(container)
    await handlers.start()
    try:
        async with SandboxClient(sandbox.url) as client:
            assert {c["command"] for c in await client.commands()} >= {"start", "help"}  # post_init ran
        assert container.bot_username == "taskbell_bot"
        deps = container.web_app.state.deps
        assert deps.on_telegram_update is not None and deps.bot_username == "taskbell_bot"
    finally:
        await handlers.stop()
        container.close()


def test_email_is_built_only_with_smtp_and_queues_only_then(database_url):
    plain = root(database_url)
    try:
        assert not plain.db.email_enabled
        with pytest.raises(Exception, match="SMTP_HOST and SMTP_FROM are needed"):
            _ = plain.mailer
    finally:
        plain.close()
    mailing = root(database_url, smtp_host="127.0.0.1", smtp_port=2525, smtp_from="Bell <bell@school.example>",
                   smtp_tls="none")
    try:
        assert mailing.db.email_enabled
        loop = mailing.mailer
        assert loop is mailing.mailer and loop.db is mailing.db and loop.ctx.links is mailing.mail_links
        assert (loop.smtp.host, loop.smtp.port, loop.smtp.envelope_sender) == ("127.0.0.1", 2525, "bell@school.example")
        assert runner.mailer_component(mailing).name == "mailer"
    finally:
        mailing.close()
