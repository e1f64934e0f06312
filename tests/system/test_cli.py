"""The command line as a process: a bad setting is one line on stderr, no traceback."""

from __future__ import annotations

import subprocess
import sys

KEY = "k" * 32


def test_cli_reports_bad_setting_in_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "taskbell.cli", "migrate"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEYS": KEY, "TIMEZONE": "Nowhere/Land"}, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "TIMEZONE" in proc.stderr and "Traceback" not in proc.stderr


def _taskbell(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEYS": KEY, "TIMEZONE": "Europe/London",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run([sys.executable, "-m", "taskbell.cli", *args], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=120)


def test_an_operator_issues_lists_and_revokes_an_api_token(tmp_path):
    from domain.auth import api_tokens
    from domain.clock import SystemClock
    from domain.database import make_engine
    from domain.uow import Database

    assert _taskbell(tmp_path, "migrate").returncode == 0
    invited = _taskbell(tmp_path, "invite", "--name", "Meera Shah", "--phone", "+447700900003", "--role", "teacher")
    assert invited.returncode == 0, invited.stderr
    issued = _taskbell(tmp_path, "api-token", "--phone", "+44 7700 900003", "--name", "timetable sync")
    assert issued.returncode == 0, issued.stderr
    plaintext = issued.stdout.strip().splitlines()[-1]
    assert plaintext.startswith("tb_") and plaintext not in issued.stderr
    listed = _taskbell(tmp_path, "api-token", "--phone", "+447700900003", "--list")
    assert "timetable sync" in listed.stdout and plaintext not in listed.stdout
    token_id = listed.stdout.split("\t", 1)[0]
    db = Database.from_engine(make_engine(f"sqlite:///{tmp_path / 'cli.db'}"), SystemClock())
    try:
        assert api_tokens.person_id_for_phone(db.uow(readonly=True), "+447700900003") > 0
        assert _taskbell(tmp_path, "api-token", "--revoke", token_id).returncode == 0
        assert "revoked" in _taskbell(tmp_path, "api-token", "--phone", "+447700900003", "--list").stdout
    finally:
        db.engine.dispose()
    unknown = _taskbell(tmp_path, "api-token", "--phone", "+447700900999", "--name", "x")
    assert unknown.returncode == 1 and "Nobody with the phone" in unknown.stderr
