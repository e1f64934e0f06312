"""Settings: every variable of .env.example declared and validated once, secrets kept as SecretStr.

`Settings` is the validated value the application uses; constructing it reads nothing.
`load_settings()` reads the process environment over the `.env` file (pydantic-settings) and turns
any invalid or missing value into one `ConfigError` line that names the variable.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from adapters.regions import default_region
from adapters.setting_values import (
    _Invalid,
    _invalid,
    _redact_url,
    normalise_database_url,
    telegram_rate,
    web_workers,
)
from domain.errors import ConfigError, InvalidInput
from domain.mail.addresses import normalise_email
from domain.phones import PhoneError, normalise_phone

DEFAULT_DB_PATH = Path("instance") / "taskbell.db"
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
MIN_SECRET_KEY_LENGTH = 16
SANDBOX_TOKEN = "123456:SANDBOX-TOKEN"  # the token the bundled sandbox accepts (not a secret)
SECRET_KEYS_HELP = ("SECRET_KEYS is required: comma-separated random strings, newest last "
                    "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')")


class Settings(BaseModel):
    """What Taskbell is configured with; the environment variable is the field name in capitals."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    signing_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(), validate_default=True, validation_alias=AliasChoices("secret_keys", "SECRET_KEYS"))
    timezone: str = "UTC"
    phone_region: str | None = None
    admin_phone: str | None = None
    admin_name: str | None = None
    app_base_url: str = "http://127.0.0.1:8000"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    web_workers: int = 1  # `taskbell web` processes serving WEB_PORT (PostgreSQL for more than 1)
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = DEFAULT_TELEGRAM_API_BASE
    telegram_bot_username: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_rate: float = 30.0  # messages/s the pacer allows per bot token (Telegram's limit; more only elsewhere)
    sandbox_port: int = 8081
    sandbox_external: bool = False  # sandbox mode: the sandbox already serves on SANDBOX_PORT (own process)
    backup_dir: str = "backups"
    attachments_dir: str = str(DEFAULT_DB_PATH.parent / "attachments")  # photos and files people send
    models_dir: str = str(DEFAULT_DB_PATH.parent / "models")  # the engagement model's skops files
    google_service_account_file: str | None = None
    google_sheets_key: str | None = None
    log_format: Literal["text", "json"] = "text"
    metrics_token: SecretStr | None = None
    forwarded_allow_ips: str = ""  # reverse proxies whose X-Forwarded-For is believed; empty: none
    # Email (mailer/): unset SMTP_HOST means no email is sent and none is queued.
    smtp_host: str | None = None
    smtp_port: int | None = None  # default by SMTP_TLS: 587 (starttls), 465 (ssl), 25 (none)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None  # "Taskbell <taskbell@example.org>" or a bare address
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"

    # --- reading the values -------------------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        """Values are trimmed; an empty one (`PHONE_REGION=`) means "not set": the default applies."""
        if isinstance(data, Mapping):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()
                    if not (isinstance(v, str) and not v.strip()) and v is not None}
        return data

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        url = normalise_database_url(url)
        if not (url.startswith("sqlite") or url.startswith("postgresql")):
            raise _invalid("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
        return url

    @field_validator("signing_keys", mode="before")
    @classmethod
    def _split_keys(cls, raw: Any) -> Any:
        if isinstance(raw, SecretStr):
            raw = raw.get_secret_value()
        if isinstance(raw, str):
            raw = raw.split(",")
        if isinstance(raw, list | tuple):
            keys = [k.get_secret_value() if isinstance(k, SecretStr) else str(k) for k in raw]
            raw = tuple(k.strip() for k in keys if k.strip())
        if not raw:
            raise _invalid(SECRET_KEYS_HELP)
        if any(len(k) < MIN_SECRET_KEY_LENGTH for k in raw):
            raise _invalid(f"SECRET_KEYS: every key must be at least {MIN_SECRET_KEY_LENGTH} characters")
        return raw

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid(f"TIMEZONE: {name!r} is not an IANA time zone such as Europe/London") from None
        return name

    @field_validator("phone_region")
    @classmethod
    def _phone_region(cls, region: str | None) -> str | None:
        if region and (len(region) != 2 or not region.isalpha()):
            raise _invalid("PHONE_REGION must be a two-letter country code such as GB or IN")
        return region.upper() if region else None

    @field_validator("admin_phone")
    @classmethod
    def _admin_phone(cls, phone: str | None, info: Any) -> str | None:
        if not phone:
            return None
        try:
            region = info.data.get("phone_region") or default_region(phone, info.data.get("timezone", "UTC"))
            return normalise_phone(phone, region)
        except PhoneError as exc:
            raise _invalid(f"ADMIN_PHONE: {exc}") from None

    @field_validator("app_base_url")
    @classmethod
    def _app_base_url(cls, url: str) -> str:
        url = url.rstrip("/")
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise _invalid("APP_BASE_URL must be an http(s) URL such as https://taskbell.example.org")
        return url

    @field_validator("web_port", "sandbox_port", mode="before")
    @classmethod
    def _port(cls, raw: Any, info: Any) -> int:
        name, default = info.field_name.upper(), {"web_port": 8000, "sandbox_port": 8081}[info.field_name]
        try:
            port = int(raw)
        except (TypeError, ValueError):
            raise _invalid(f"{name} must be a port number such as {default}") from None
        if not 0 <= port <= 65535:
            raise _invalid(f"{name} must be between 0 and 65535")
        return port

    @field_validator("web_workers", mode="before")
    @classmethod
    def _web_workers(cls, raw: Any) -> int:
        return web_workers(raw, "WEB_WORKERS")

    @field_validator("telegram_rate", mode="before")
    @classmethod
    def _telegram_rate(cls, raw: Any) -> float:
        return telegram_rate(raw)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and ":" not in token.get_secret_value():
            raise _invalid("TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC...)")
        return token

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, url: str) -> str:
        url = url.rstrip("/")
        if urlparse(url).scheme not in ("http", "https"):
            raise _invalid("TELEGRAM_API_BASE must be an http(s) URL")
        return url

    @field_validator("telegram_bot_username")
    @classmethod
    def _username(cls, name: str | None) -> str | None:
        return (name.lstrip("@") or None) if name else None

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and not all(c.isalnum() or c in "_-" for c in secret.get_secret_value()):
            raise _invalid("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and -")
        return secret

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in ("text", "json"):
            return value.lower()
        raise _invalid('LOG_FORMAT must be "text" or "json"')

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded_allow_ips(cls, raw: str) -> str:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise _invalid(f"FORWARDED_ALLOW_IPS: {item!r} is not an IP address or network such as "
                               "10.0.0.1 or 10.0.0.0/8 (comma-separated; * trusts every peer)") from None
        return ",".join(items)

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _smtp_tls(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in ("starttls", "ssl", "none"):
            return value.lower()
        raise _invalid('SMTP_TLS must be "starttls", "ssl" or "none"')

    @field_validator("smtp_port", mode="before")
    @classmethod
    def _smtp_port(cls, raw: Any) -> int | None:
        if raw is None:
            return None
        try:
            port = int(raw)
        except (TypeError, ValueError):
            raise _invalid("SMTP_PORT must be a port number such as 587") from None
        if not 0 < port <= 65535:
            raise _invalid("SMTP_PORT must be between 1 and 65535")
        return port

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from(cls, raw: str | None) -> str | None:
        if not raw:
            return None
        name, address = parseaddr(raw)
        try:
            checked = normalise_email(address, "SMTP_FROM")
        except InvalidInput as exc:
            raise _invalid(f"SMTP_FROM: {exc}") from None
        return formataddr((name, checked)) if name else checked

    def _smtp_together(self) -> None:
        """Half a configuration is an error at start, never a silent no-email."""
        others = {"SMTP_PORT": self.smtp_port, "SMTP_USERNAME": self.smtp_username,
                  "SMTP_PASSWORD": self.smtp_password, "SMTP_FROM": self.smtp_from}
        if not self.smtp_host:
            if named := [k for k, v in others.items() if v]:
                raise _invalid(f"SMTP_HOST is required when {', '.join(named)} is set (or unset those: "
                               "no email is sent without SMTP_HOST)")
            return
        if not self.smtp_from:
            raise _invalid("SMTP_FROM is required when SMTP_HOST is set: the sender address, such as "
                           "Taskbell <taskbell@example.org>")
        if bool(self.smtp_username) != bool(self.smtp_password):
            raise _invalid("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")

    @model_validator(mode="after")
    def _together(self) -> Settings:
        if self.phone_region is None:  # unset: the admin's phone's country, else the time zone's
            object.__setattr__(self, "phone_region", default_region(self.admin_phone, self.timezone))
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise _invalid("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
        if bool(self.google_service_account_file) != bool(self.google_sheets_key):
            raise _invalid("GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_SHEETS_KEY go together: set both or neither")
        self._smtp_together()
        return self

    # --- what the rest of Taskbell asks -------------------------------------------------------

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The signing keys, newest last, for the signers and CSRF tokens."""
        return tuple(k.get_secret_value() for k in self.signing_keys)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_sandbox(self) -> bool:
        """No token given: the bot talks to the bundled sandbox Bot API server."""
        return self.telegram_bot_token is None

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def bot_api(self) -> tuple[str, str]:
        """The bot token and the Bot API server it talks to (the sandbox's when there is no token)."""
        if self.telegram_bot_token is None:
            return SANDBOX_TOKEN, self.sandbox_url
        return self.telegram_bot_token.get_secret_value(), self.telegram_api_base

    @property
    def email_enabled(self) -> bool:
        """SMTP is configured: email is queued and sent (mailer/)."""
        return bool(self.smtp_host)

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or {"starttls": 587, "ssl": 465, "none": 25}[self.smtp_tls]

    @property
    def webhook_secret(self) -> str | None:
        return self.telegram_webhook_secret.get_secret_value() if self.telegram_webhook_secret else None

    def __repr_name__(self) -> str:
        return "Settings"

    def __repr_args__(self) -> Any:  # never print secrets, nor the database password
        yield "database_url", _redact_url(self.database_url)
        yield "timezone", self.timezone


# --- reading from the environment -------------------------------------------------------------

ENV_NAMES = (*(name.upper() for name in Settings.model_fields if name != "signing_keys"), "SECRET_KEYS")


class _FromEnvironment(BaseSettings, Settings):
    """Settings read from the process environment, which wins over the `.env` file."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True,
                                      env_file_encoding="utf-8", populate_by_name=True)


class _FromMapping(_FromEnvironment):
    """Settings read from a given mapping (passed as init values) over the `.env` file."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, dotenv_settings


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: str | Path | None = ".env") -> Settings:
    """Read settings from `env` (default: the process environment) over the `.env` file."""
    env_file = dotenv if dotenv is not None and Path(dotenv).is_file() else None
    try:
        if env is None:
            loaded: Settings = _FromEnvironment(_env_file=env_file)
        else:
            given = {k.lower(): v for k, v in env.items() if k.upper() in ENV_NAMES}
            loaded = _FromMapping(_env_file=env_file, **given)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    return loaded


def _one_line(exc: ValidationError) -> str:
    """The first error as one line naming the variable."""
    error = exc.errors(include_url=False)[0]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _Invalid):
        return str(cause)
    name = "SECRET_KEYS" if error["loc"] and error["loc"][0] in ("signing_keys", "secret_keys") else \
        str(error["loc"][0]).upper() if error["loc"] else "settings"
    return f"{name}: {error['msg']}"


def environment_names() -> tuple[str, ...]:
    """Every variable Taskbell reads (the ones .env.example documents)."""
    return ENV_NAMES

