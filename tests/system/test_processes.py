"""Production shape: `taskbell bot`, `taskbell web` and `taskbell scheduler` as three processes over one
database, the bot in webhook mode against the sandbox (itself a fourth process), a task from assignment
to completion, then SIGTERM and a clean exit for each."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.database import make_engine
from domain.models import Task, TaskStatus
from domain.people import services as people
from domain.tasks import services as tasks
from domain.uow import Database
from tests.auxil.databases import without_quiet_hours
from tgsandbox.client import SandboxClient

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]
TOKEN = "123456:PROCESS-TEST"
SECRET = "hook-secret-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90) -> None:  # processes start slowly on a busy machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


async def test_three_processes_in_webhook_mode(empty_url, tmp_path):
    database_url = empty_url
    sandbox_port, web_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, "SECRET_KEYS": "s" * 32,
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": f"http://127.0.0.1:{sandbox_port}",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{web_port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET, "WEB_PORT": str(web_port),
        "APP_BASE_URL": f"http://127.0.0.1:{web_port}", "TIMEZONE": "Europe/London",
    }
    cli = [sys.executable, "-m", "taskbell.cli"]
    assert subprocess.run([*cli, "migrate"], cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode == 0
    logs = {name: open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed in the finally below
            for name in ("sandbox", "bot", "web", "scheduler")}
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["sandbox"] = subprocess.Popen([*cli, "sandbox", "--port", str(sandbox_port), "--token", TOKEN],
                                            cwd=tmp_path, env=env, stdout=logs["sandbox"], stderr=subprocess.STDOUT)
        wait_http(f"http://127.0.0.1:{sandbox_port}/sandbox")
        db = without_quiet_hours(Database.from_engine(make_engine(database_url)))  # any time of day
        client = SandboxClient(f"http://127.0.0.1:{sandbox_port}")
        made = {}
        for i, (key, role) in enumerate([("teacher", "teacher"), ("student", "student")]):
            phone = f"+44770094{i:04d}"
            user = await client.create_user(key.title(), phone=phone)
            people.add_person(db.uow(), Actor.system(), name=f"{key.title()} P", phone=phone, role=role)
            made[key] = people.link_telegram(db.uow(), phone=phone, telegram_user_id=user["id"],
                                             chat_id=user["id"]).person
        from domain.groups import services as groups
        g = groups.create_group(db.uow(), Actor.telegram(made["teacher"].id), "Class", [made["student"].id])

        for name in ("bot", "web", "scheduler"):
            procs[name] = subprocess.Popen([*cli, name], cwd=tmp_path, env=env, stdout=logs[name],
                                           stderr=subprocess.STDOUT)
        wait_http(f"http://127.0.0.1:{web_port}/health")
        for _ in range(100):
            if (await client.webhook()).get("url"):
                break
            await asyncio.sleep(0.1)
        assert (await client.webhook())["url"] == env["TELEGRAM_WEBHOOK_URL"]

        tasks.assign(db.uow(), Actor.telegram(made["teacher"].id), tasks.AssignmentSpec(
            title="Field trip form", group_ids=[g.id], due_at=db.clock.now() + timedelta(days=1)))
        chat = made["student"].telegram_chat_id
        card = await client.wait_for_bot_message(chat, 0, timeout=30)  # delivered by the bot process
        with db.uow(readonly=True) as uow:
            task_id = uow.session.scalar(select(Task.id))
        for action in ("start", "complete"):
            version = (await client.chat(chat))["version"]
            await client.press_button(chat, card["message_id"], f"task:{action}:{task_id}")  # handled by web
            await client.wait_for_change(chat, version, timeout=30)
        with db.uow(readonly=True) as uow:
            assert uow.session.scalar(select(Task.status)) == TaskStatus.DONE
        told = await client.wait_for_bot_message(made["teacher"].telegram_chat_id, 0, timeout=30)
        assert "completed" in told["text"]
        await client.aclose()
        db.engine.dispose()
    finally:
        codes = {}
        for name in ("bot", "web", "scheduler", "sandbox"):
            p = procs.get(name)
            if p is None:
                continue
            p.send_signal(signal.SIGTERM)
            try:
                codes[name] = p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[name] = "killed"
        for f in logs.values():
            f.close()
    for name in ("bot", "web", "scheduler"):
        assert codes[name] == 0, (name, codes, (tmp_path / f"{name}.log").read_text()[-3000:])
