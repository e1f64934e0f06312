"""SANDBOX_EXTERNAL=1: `taskbell run` in sandbox mode on a sandbox that runs on its own (as the bench's soak
runs it): no sandbox of its own, the demo people mirrored into that one, its messages sent there, and a
SIGTERM that leaves the other sandbox up and exits in seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from adapters.settings import SANDBOX_TOKEN
from tests.system.conftest import midday_zone
from tests.system.test_processes import free_port, wait_http
from tgsandbox.server import SandboxServer

pytestmark = pytest.mark.slow


def port_pair() -> int:
    """A free port whose next one is free too (the sandbox's SMTP server)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


def test_run_uses_the_sandbox_already_running(tmp_path):
    port, web_port = port_pair(), free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SECRET_KEYS": "s" * 32,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'taskbell.db'}", "SANDBOX_PORT": str(port),
           "SANDBOX_EXTERNAL": "1", "WEB_PORT": str(web_port), "TIMEZONE": midday_zone(),
           "APP_BASE_URL": f"http://127.0.0.1:{web_port}"}
    control = f"http://127.0.0.1:{port}/sandbox"
    with SandboxServer(token=SANDBOX_TOKEN, port=port, smtp_port=port + 1):
        log_path = tmp_path / "run.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, "-m", "taskbell.cli", "run"], cwd=tmp_path, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{web_port}/health", timeout=90)  # it did not fail to bind `port`
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                users = httpx.get(f"{control}/users").json()["users"]
                sent = httpx.get(f"{control}/stats").json()["by_method"].get("sendMessage", {})
                if sent and any(u["hint"] for u in users):
                    break
                time.sleep(0.5)
            assert any(u["hint"] for u in users), log_path.read_text()[-2000:]  # the demo people, with hints
            assert sent.get("200"), log_path.read_text()[-2000:]  # its messages reach this sandbox
        finally:
            began = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = process.wait(60)
        took = time.monotonic() - began
        assert code == 0 and took < 15, log_path.read_text()[-2000:]
        assert httpx.get(f"{control}/users").status_code == 200  # the sandbox is still up: not ours to stop
