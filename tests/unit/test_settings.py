"""Settings: defaults, validation with one clear line naming the variable."""

from __future__ import annotations

import logging
import re

import pytest
from pydantic import SecretStr, ValidationError

from adapters.settings import Settings, environment_names, load_settings
from domain.errors import ConfigError
from tests.auxil.paths import ROOT

KEY = "k" * 32


def test_defaults_and_normalisation():
    s = load_settings({"SECRET_KEYS": f"{KEY}, {'n' * 20}", "ADMIN_PHONE": "0044 7700 900123",
                       "DATABASE_URL": "postgres://u:secret@db/x"}, dotenv=None)
    assert s.secret_keys == (KEY, "n" * 20)
    assert s.admin_phone == "+447700900123"
    assert s.database_url == "postgresql+psycopg://u:secret@db/x"
    assert "secret" not in repr(s)
    assert s.uses_sandbox and s.web_workers == 1


@pytest.mark.parametrize(("env", "names"), [
    ({}, "SECRET_KEYS"),
    ({"SECRET_KEYS": "short"}, "SECRET_KEYS"),
    ({"SECRET_KEYS": KEY, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"SECRET_KEYS": KEY, "ADMIN_PHONE": "call me"}, "ADMIN_PHONE"),
    ({"SECRET_KEYS": KEY, "APP_BASE_URL": "ftp://x"}, "APP_BASE_URL"),
    ({"SECRET_KEYS": KEY, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_BOT_TOKEN": "nocolon"}, "TELEGRAM_BOT_TOKEN"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_WEBHOOK_URL": "https://x/y"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_WEBHOOK_URL": "https://x/y", "TELEGRAM_WEBHOOK_SECRET": "a b"},
     "TELEGRAM_WEBHOOK_SECRET may hold only"),
    ({"SECRET_KEYS": KEY, "PHONE_REGION": "GBR"}, "PHONE_REGION"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_API_BASE": "api.telegram.org"}, "TELEGRAM_API_BASE"),
    ({"SECRET_KEYS": KEY, "WEB_PORT": "eighty"}, "WEB_PORT must be a port number such as 8000"),
    ({"SECRET_KEYS": KEY, "SANDBOX_PORT": "70000"}, "SANDBOX_PORT must be between 0 and 65535"),
    ({"SECRET_KEYS": KEY, "WEB_WORKERS": "0"}, "WEB_WORKERS must be a whole number from 1 to 64"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_RATE": "5000"}, "TELEGRAM_RATE must be a number of messages per second"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_RATE": "fast"}, "TELEGRAM_RATE must be a number of messages per second"),
    ({"SECRET_KEYS": KEY, "WEB_WORKERS": "65"}, "WEB_WORKERS must be a whole number from 1 to 64"),
    ({"SECRET_KEYS": KEY, "WEB_WORKERS": "two"}, "WEB_WORKERS must be a whole number from 1 to 64"),
    ({"SECRET_KEYS": KEY, "GOOGLE_SHEETS_KEY": "abc"}, "GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_SHEETS_KEY"),
    ({"SECRET_KEYS": KEY, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"SECRET_KEYS": KEY, "SMTP_FROM": "bell@example.org"}, "SMTP_HOST is required when SMTP_FROM is set"),
    ({"SECRET_KEYS": KEY, "SMTP_HOST": "smtp.example.org"}, "SMTP_FROM is required when SMTP_HOST is set"),
    ({"SECRET_KEYS": KEY, "SMTP_HOST": "h", "SMTP_FROM": "b@example.org", "SMTP_USERNAME": "u"},
     "SMTP_USERNAME and SMTP_PASSWORD go together"),
    ({"SECRET_KEYS": KEY, "SMTP_HOST": "h", "SMTP_FROM": "not an address"}, "SMTP_FROM: .* not a valid email"),
    ({"SECRET_KEYS": KEY, "SMTP_TLS": "tls"}, 'SMTP_TLS must be "starttls", "ssl" or "none"'),
    ({"SECRET_KEYS": KEY, "SMTP_HOST": "h", "SMTP_FROM": "b@example.org", "SMTP_PORT": "x"}, "SMTP_PORT must be"),
])
def test_invalid_values_name_the_variable(env, names):
    with pytest.raises(ConfigError, match=names):
        load_settings(env, dotenv=None)


def test_dotenv_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"SECRET_KEYS={KEY}\nTIMEZONE=Asia/Kolkata\n")
    assert load_settings({}, dotenv=env_file).timezone == "Asia/Kolkata"
    assert load_settings({"TIMEZONE": "UTC"}, dotenv=env_file).timezone == "UTC"


EVERY_VALUE = {  # a valid value for every variable, none of them a default
    "DATABASE_URL": "postgresql://taskbell:pw@db:5432/taskbell", "SECRET_KEYS": f"{KEY},{'n' * 16}",
    "TIMEZONE": "Asia/Kolkata", "TELEGRAM_RATE": "100", "PHONE_REGION": "in", "ADMIN_PHONE": "98200 12345", "ADMIN_NAME": "Asha Rao",
    "APP_BASE_URL": "https://taskbell.example.org/", "WEB_HOST": "0.0.0.0", "WEB_PORT": "9000",
    "WEB_WORKERS": "4",
    "TELEGRAM_BOT_TOKEN": "123456:ABCDEF", "TELEGRAM_API_BASE": "http://botapi:8081/",
    "TELEGRAM_BOT_USERNAME": "@TaskbellBot", "TELEGRAM_WEBHOOK_URL": "https://taskbell.example.org/telegram/webhook",
    "TELEGRAM_WEBHOOK_SECRET": "hook-secret", "SANDBOX_PORT": "9081", "SANDBOX_EXTERNAL": "1", "BACKUP_DIR": "/var/backups/taskbell",
    "ATTACHMENTS_DIR": "/var/lib/taskbell/attachments",
    "MODELS_DIR": "/var/lib/taskbell/models",
    "GOOGLE_SERVICE_ACCOUNT_FILE": "/etc/taskbell/sa.json", "GOOGLE_SHEETS_KEY": "sheet-key",
    "LOG_FORMAT": "JSON", "METRICS_TOKEN": "metrics-token-123", "FORWARDED_ALLOW_IPS": "10.0.0.1, 10.2.0.0/16",
    "SMTP_HOST": "smtp.example.org", "SMTP_PORT": "2525", "SMTP_USERNAME": "mailer",
    "SMTP_PASSWORD": "smtp-password-9", "SMTP_FROM": "Taskbell <bell@example.org>", "SMTP_TLS": "SSL",
}
SECRETS = ("SECRET_KEYS", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "METRICS_TOKEN", "SMTP_PASSWORD")


def expected(s) -> None:
    assert s.database_url == "postgresql+psycopg://taskbell:pw@db:5432/taskbell"
    assert s.secret_keys == (KEY, "n" * 16)
    assert (s.timezone, s.phone_region, s.admin_phone, s.admin_name) == (
        "Asia/Kolkata", "IN", "+919820012345", "Asha Rao")
    assert (s.app_base_url, s.web_host, s.web_port) == ("https://taskbell.example.org", "0.0.0.0", 9000)
    assert s.web_workers == 4
    assert s.telegram_rate == 100.0
    assert s.bot_api == ("123456:ABCDEF", "http://botapi:8081") and not s.uses_sandbox
    assert s.telegram_bot_username == "TaskbellBot"
    assert s.telegram_webhook_url == EVERY_VALUE["TELEGRAM_WEBHOOK_URL"] and s.webhook_secret == "hook-secret"
    assert (s.sandbox_port, s.sandbox_external, s.backup_dir) == (9081, True, "/var/backups/taskbell")
    assert s.attachments_dir == "/var/lib/taskbell/attachments"
    assert s.models_dir == "/var/lib/taskbell/models"
    assert (s.google_service_account_file, s.google_sheets_key) == ("/etc/taskbell/sa.json", "sheet-key")
    assert s.log_format == "json" and s.metrics_token.get_secret_value() == "metrics-token-123"
    assert (s.smtp_host, s.smtp_port_or_default, s.smtp_username, s.smtp_from, s.smtp_tls) == (
        "smtp.example.org", 2525, "mailer", "Taskbell <bell@example.org>", "ssl")
    assert s.smtp_password.get_secret_value() == "smtp-password-9" and s.email_enabled
    assert s.forwarded_allow_ips == "10.0.0.1,10.2.0.0/16"


def test_every_variable_of_env_example_is_declared():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert documented == set(environment_names()) == set(EVERY_VALUE)


def test_dotenv_is_honoured_for_every_variable(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in EVERY_VALUE.items()) + "UNRELATED=x\n")
    expected(load_settings({}, dotenv=env_file))


def test_the_environment_wins_for_every_variable(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=\n" for name in EVERY_VALUE) + "WEB_PORT=nonsense\n")
    expected(load_settings(EVERY_VALUE, dotenv=env_file))


def test_the_process_environment_is_read_over_dotenv(tmp_path, monkeypatch):
    for name in EVERY_VALUE:
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"SECRET_KEYS={KEY}\nTIMEZONE=Asia/Kolkata\nPHONE_REGION=\n")
    monkeypatch.setenv("TIMEZONE", "America/Chicago")
    s = load_settings(dotenv=env_file)
    assert (s.timezone, s.phone_region, s.secret_keys) == ("America/Chicago", "US", (KEY,))  # from the zone


def test_secrets_are_secret_str_and_never_printed():
    s = load_settings(EVERY_VALUE, dotenv=None)
    assert isinstance(s.telegram_bot_token, SecretStr) and isinstance(s.metrics_token, SecretStr)
    assert isinstance(s.telegram_webhook_secret, SecretStr)
    assert all(isinstance(k, SecretStr) for k in s.signing_keys)
    shown = repr(s) + str(s) + repr(s.model_dump()) + s.model_dump_json()
    for name in SECRETS:
        for part in EVERY_VALUE[name].split(","):
            assert part not in shown, name
    assert "pw@" not in repr(s)


def test_no_bag_of_the_whole_environment():
    s = load_settings({**EVERY_VALUE, "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "x" * 40}, dotenv=None)
    assert not hasattr(s, "extra")
    assert "x" * 40 not in repr(s.model_dump())
    with pytest.raises(ValidationError):
        Settings(database_url="sqlite://", secret_keys=(KEY,), extra={"METRICS_TOKEN": "m"})


def test_constructing_settings_reads_no_environment(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "Asia/Kolkata")
    monkeypatch.setenv("METRICS_TOKEN", "from-the-environment")
    s = Settings(database_url="sqlite://", secret_keys=(KEY,))
    assert s.timezone == "UTC" and s.metrics_token is None


def test_log_format_from_dotenv_applies(tmp_path, monkeypatch):
    from taskbell import cli
    from taskbell.logs import JsonFormatter

    for name in EVERY_VALUE:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(f"SECRET_KEYS={KEY}\nDATABASE_URL=sqlite:///{tmp_path / 'x.db'}\n"
                                   "LOG_FORMAT=json\n")
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert cli.main(["migrate"]) == 0
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.parametrize(("env", "region", "admin"), [
    ({"TIMEZONE": "Asia/Kolkata"}, "IN", None),  # no admin phone: the time zone's country
    ({"TIMEZONE": "Asia/Kolkata", "ADMIN_PHONE": "98200 12345"}, "IN", "+919820012345"),  # typed nationally
    ({"TIMEZONE": "Europe/London", "ADMIN_PHONE": "+91 98200 12345"}, "IN", "+919820012345"),  # the admin's country
    ({"TIMEZONE": "Europe/London", "ADMIN_PHONE": "0044 7700 900123"}, "GB", "+447700900123"),
    ({"TIMEZONE": "Asia/Kolkata", "PHONE_REGION": "gb", "ADMIN_PHONE": "07700 900123"}, "GB", "+447700900123"),
    ({"TIMEZONE": "UTC"}, None, None),  # no country to guess: numbers need their country code
])
def test_phone_region_defaults_from_the_admins_phone_or_the_time_zone(env, region, admin):
    s = load_settings({"SECRET_KEYS": KEY, **env}, dotenv=None)
    assert (s.phone_region, s.admin_phone) == (region, admin)


def test_national_numbers_typed_in_the_demos_country_are_accepted():
    from domain.phones import normalise_phone

    s = load_settings({"SECRET_KEYS": KEY, "TIMEZONE": "Europe/London"}, dotenv=None)
    assert normalise_phone("07700 900123", s.phone_region) == "+447700900123"
