"""Settings read once from the environment (and `.env`), validated with clear messages."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import ConfigError
from domain.phones import PhoneError, normalise_phone

DEFAULT_DB_PATH = Path("instance") / "taskbell.db"
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
MIN_SECRET_KEY_LENGTH = 16
SANDBOX_TOKEN = "123456:SANDBOX-TOKEN"  # the token the bundled sandbox accepts (not a secret)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_keys: tuple[str, ...]
    timezone: str = "UTC"
    admin_phone: str | None = None
    admin_name: str | None = None
    app_base_url: str = "http://127.0.0.1:8000"
    telegram_bot_token: str | None = None
    telegram_api_base: str = DEFAULT_TELEGRAM_API_BASE
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    phone_region: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    sandbox_port: int = 8081
    backup_dir: str = "backups"
    google_service_account_file: str | None = None
    google_sheets_key: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_sandbox(self) -> bool:
        """No token given: the bot talks to the bundled sandbox Bot API server."""
        return not self.telegram_bot_token

    def __repr__(self) -> str:  # never print secrets
        return f"Settings(database_url={_redact_url(self.database_url)!r}, timezone={self.timezone!r})"


def _redact_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: str | Path | None = ".env") -> Settings:
    """Read settings from `env` (default: the process environment) over the `.env` file."""
    values: dict[str, str] = {}
    if dotenv is not None and Path(dotenv).is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    values.update(os.environ if env is None else env)

    def get(name: str) -> str | None:
        raw = values.get(name)
        return raw.strip() if raw is not None and raw.strip() else None

    database_url = get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"
    database_url = normalise_database_url(database_url)
    if not (database_url.startswith("sqlite") or database_url.startswith("postgresql")):
        raise ConfigError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")

    raw_keys = get("SECRET_KEYS")
    if not raw_keys:
        raise ConfigError(
            "SECRET_KEYS is required: comma-separated random strings, newest last "
            "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    keys = tuple(k.strip() for k in raw_keys.split(",") if k.strip())
    if not keys or any(len(k) < MIN_SECRET_KEY_LENGTH for k in keys):
        raise ConfigError(f"SECRET_KEYS: every key must be at least {MIN_SECRET_KEY_LENGTH} characters")

    timezone = get("TIMEZONE") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE: {timezone!r} is not an IANA time zone such as Europe/London") from None

    phone_region = get("PHONE_REGION")
    if phone_region and (len(phone_region) != 2 or not phone_region.isalpha()):
        raise ConfigError("PHONE_REGION must be a two-letter country code such as GB or IN")
    phone_region = phone_region.upper() if phone_region else None

    admin_phone = get("ADMIN_PHONE")
    if admin_phone:
        try:
            admin_phone = normalise_phone(admin_phone, phone_region)
        except PhoneError as exc:
            raise ConfigError(f"ADMIN_PHONE: {exc}") from None

    app_base_url = (get("APP_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if urlparse(app_base_url).scheme not in ("http", "https") or not urlparse(app_base_url).netloc:
        raise ConfigError("APP_BASE_URL must be an http(s) URL such as https://taskbell.example.org")

    api_base = (get("TELEGRAM_API_BASE") or DEFAULT_TELEGRAM_API_BASE).rstrip("/")
    if urlparse(api_base).scheme not in ("http", "https"):
        raise ConfigError("TELEGRAM_API_BASE must be an http(s) URL")

    token = get("TELEGRAM_BOT_TOKEN")
    if token and ":" not in token:
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC...)")

    webhook_url = get("TELEGRAM_WEBHOOK_URL")
    webhook_secret = get("TELEGRAM_WEBHOOK_SECRET")
    if webhook_url and not webhook_secret:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
    if webhook_secret and not all(c.isalnum() or c in "_-" for c in webhook_secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and -")

    if bool(get("GOOGLE_SERVICE_ACCOUNT_FILE")) != bool(get("GOOGLE_SHEETS_KEY")):
        raise ConfigError("GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_SHEETS_KEY go together: set both or neither")

    ports = {}
    for name, default in (("WEB_PORT", 8000), ("SANDBOX_PORT", 8081)):
        raw = get(name)
        try:
            ports[name] = int(raw) if raw else default
        except ValueError:
            raise ConfigError(f"{name} must be a port number such as {default}") from None
        if not 0 <= ports[name] <= 65535:
            raise ConfigError(f"{name} must be between 0 and 65535")

    return Settings(
        database_url=database_url,
        secret_keys=keys,
        timezone=timezone,
        admin_phone=admin_phone,
        admin_name=get("ADMIN_NAME"),
        app_base_url=app_base_url,
        telegram_bot_token=token,
        telegram_api_base=api_base,
        telegram_webhook_url=webhook_url,
        telegram_webhook_secret=webhook_secret,
        phone_region=phone_region,
        web_host=get("WEB_HOST") or "127.0.0.1",
        web_port=ports["WEB_PORT"],
        sandbox_port=ports["SANDBOX_PORT"],
        backup_dir=get("BACKUP_DIR") or "backups",
        google_service_account_file=get("GOOGLE_SERVICE_ACCOUNT_FILE"),
        google_sheets_key=get("GOOGLE_SHEETS_KEY"),
        extra=values,
    )
