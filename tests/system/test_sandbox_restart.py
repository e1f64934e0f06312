"""`taskbell run` on its bundled sandbox, killed with SIGKILL and started again: the chats (and the
Mailbox tab's emails) are still there."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys

import httpx
import pytest

from tests.system.test_processes import free_port, wait_http

pytestmark = pytest.mark.slow


def test_the_chat_history_survives_kill_9_of_taskbell_run(tmp_path):
    sandbox_port, web_port = free_port(), free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SECRET_KEYS": "s" * 32,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'taskbell.db'}",
           "SANDBOX_PORT": str(sandbox_port), "WEB_PORT": str(web_port), "TIMEZONE": "Europe/London",
           "APP_BASE_URL": f"http://127.0.0.1:{web_port}"}
    cli = [sys.executable, "-m", "taskbell.cli", "run", "--no-demo"]
    control = f"http://127.0.0.1:{sandbox_port}/sandbox"

    def start() -> subprocess.Popen:
        log = open(tmp_path / "run.log", "a")  # noqa: SIM115 - the process holds it
        process = subprocess.Popen(cli, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_http(f"http://127.0.0.1:{web_port}/health", timeout=60)
        wait_http(control, timeout=30)
        return process

    process = start()
    try:
        user = httpx.post(f"{control}/users", json={"first_name": "Ann"}).json()
        httpx.post(f"{control}/users/{user['id']}/text", json={"text": "/start"})
        reply = httpx.get(f"{control}/chats/{user['id']}/wait", params={"after_message_id": 1, "timeout": 30})
        assert reply.status_code == 200, reply.text
        before = httpx.get(f"{control}/chats/{user['id']}/messages").json()["messages"]
        assert len(before) >= 2 and before[1]["from_bot"]
        smtp = httpx.get(f"{control}/mail").json()["smtp"]
        with smtplib.SMTP(smtp["host"], smtp["port"], timeout=10) as client:
            client.sendmail("bell@example.org", ["ann@example.org"], b"Subject: Kept\r\n\r\nAcross a kill -9.\r\n")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    assert (tmp_path / "instance" / "taskbell-sandbox.jsonl").exists()
    process = start()
    try:
        after = httpx.get(f"{control}/chats/{user['id']}/messages").json()["messages"]
        assert after[: len(before)] == before
        assert [e["subject"] for e in httpx.get(f"{control}/mail").json()["emails"]] == ["Kept"]
        page = httpx.get(f"http://127.0.0.1:{sandbox_port}/chat")
        assert page.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
