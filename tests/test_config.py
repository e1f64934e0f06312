"""Settings: defaults, validation with one clear line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from adapters.settings import load_settings
from domain.errors import ConfigError

KEY = "k" * 32


def test_defaults_and_normalisation():
    s = load_settings({"SECRET_KEYS": f"{KEY}, {'n' * 20}", "ADMIN_PHONE": "0044 7700 900123",
                       "DATABASE_URL": "postgres://u:secret@db/x"}, dotenv=None)
    assert s.secret_keys == (KEY, "n" * 20)
    assert s.admin_phone == "+447700900123"
    assert s.database_url == "postgresql+psycopg://u:secret@db/x"
    assert "secret" not in repr(s)
    assert s.uses_sandbox


@pytest.mark.parametrize(("env", "names"), [
    ({}, "SECRET_KEYS"),
    ({"SECRET_KEYS": "short"}, "SECRET_KEYS"),
    ({"SECRET_KEYS": KEY, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"SECRET_KEYS": KEY, "ADMIN_PHONE": "call me"}, "ADMIN_PHONE"),
    ({"SECRET_KEYS": KEY, "APP_BASE_URL": "ftp://x"}, "APP_BASE_URL"),
    ({"SECRET_KEYS": KEY, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_BOT_TOKEN": "nocolon"}, "TELEGRAM_BOT_TOKEN"),
    ({"SECRET_KEYS": KEY, "TELEGRAM_WEBHOOK_URL": "https://x/y"}, "TELEGRAM_WEBHOOK_SECRET"),
])
def test_invalid_values_name_the_variable(env, names):
    with pytest.raises(ConfigError, match=names):
        load_settings(env, dotenv=None)


def test_dotenv_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"SECRET_KEYS={KEY}\nTIMEZONE=Asia/Kolkata\n")
    assert load_settings({}, dotenv=env_file).timezone == "Asia/Kolkata"
    assert load_settings({"TIMEZONE": "UTC"}, dotenv=env_file).timezone == "UTC"


def test_cli_reports_bad_setting_in_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "taskbell.cli", "migrate"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEYS": KEY, "TIMEZONE": "Nowhere/Land"}, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "TIMEZONE" in proc.stderr and "Traceback" not in proc.stderr
