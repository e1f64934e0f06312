"""The first run, as a newcomer meets it: a fresh instance directory, `bootstrap --demo`, a green
healthcheck (with "no backup yet" as a warning), an open class, then `taskbell run`: the landing page
answers, the web app reaches the sandbox, and the output ends with the three lines that say where to go."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import func, select

from domain.database import make_engine
from domain.models import ClassSession, SessionStatus
from tests.system.conftest import midday_zone
from tests.system.test_processes import free_port, wait_http

pytestmark = pytest.mark.slow


def test_bootstrap_healthcheck_and_run_on_a_fresh_instance(tmp_path):
    sandbox_port, web_port = free_port(), free_port()
    db_file = tmp_path / "instance" / "taskbell.db"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SECRET_KEYS": "s" * 32,
           "DATABASE_URL": f"sqlite:///{db_file}", "BACKUP_DIR": str(tmp_path / "backups"),
           "SANDBOX_PORT": str(sandbox_port), "WEB_PORT": str(web_port), "TIMEZONE": midday_zone(),
           "APP_BASE_URL": f"http://127.0.0.1:{web_port}"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "taskbell.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    seeded = cli("bootstrap", "--demo")
    assert seeded.returncode == 0 and "✓ demo organisation seeded" in seeded.stdout, seeded.stdout + seeded.stderr

    health = cli("healthcheck")
    assert health.returncode == 0, health.stdout + health.stderr
    assert "! WARN last backup: no backup yet -> run: taskbell backup" in health.stdout
    assert "FAIL" not in health.stdout
    report = json.loads(cli("healthcheck", "--json").stdout)  # monitors see the warnings too
    assert report["ok"] and {c["name"] for c in report["checks"] if c["warn"]} == {
        "last backup", "scheduler alive", "Telegram reachable"}  # nothing has started yet

    engine = make_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        open_now = conn.execute(select(func.count()).select_from(ClassSession).where(
            ClassSession.status == SessionStatus.OPEN)).scalar()
    engine.dispose()
    assert open_now == 1  # Daniel's Physics class: its sheet waits in his chat

    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "taskbell.cli", "run"], cwd=tmp_path, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{web_port}/health", timeout=60)
        landing = httpx.get(f"http://127.0.0.1:{web_port}/")
        assert landing.status_code == 200 and 'href="/login"' in landing.text
        assert f"http://127.0.0.1:{sandbox_port}/chat" in landing.text
        deadline = time.monotonic() + 30
        while "Be Daniel" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        out = [line for line in log_path.read_text().splitlines() if line.strip()]
        banner = out[out.index(next(line for line in out if line.startswith("Taskbell is running"))) + 1:][:3]
        assert banner == [f"Chat page: http://127.0.0.1:{sandbox_port}/chat (its Mailbox tab shows every email sent)",
                          f"Console:   http://127.0.0.1:{web_port}/",
                          "Be Daniel Okafor (teacher) first: send /attendance, Take attendance, press Chidi Eze, "
                          "Submit; then be Ngozi Eze (his parent) and read her message"], out
        chat_page = httpx.get(f"http://127.0.0.1:{sandbox_port}/chat")
        assert chat_page.status_code == 200 and "Start here: /attendance, Take attendance, press Chidi Eze" in chat_page.text
        mail = f"http://127.0.0.1:{sandbox_port}/sandbox/mail"
        smtp = httpx.get(mail).json()["smtp"]
        assert smtp["running"] and smtp["port"] > 0  # the sandbox's SMTP server, for the Mailbox tab
        # Meera chose Telegram and email for tasks: her new task reaches the Mailbox tab by real SMTP.
        deadline = time.monotonic() + 30
        while not (emails := httpx.get(mail, params={"to": "meera.shah@example.org"}).json()["emails"]) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert any("Submit monthly safety report" in e["subject"] for e in emails), emails
        running = cli("healthcheck")  # now the sandbox answers too
        assert running.returncode == 0 and "✓ PASS Telegram reachable" in running.stdout, running.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
