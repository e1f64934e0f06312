"""`taskbell web --workers 2`: one socket, two worker processes both serving it, a killed worker started
again, and SIGTERM stopping them all with exit code 0 (SQLite file; the parent checks the schema once)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
STARTED = re.compile(r"web worker (\d+) started \(pid (\d+)\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float = 90.0, what: str = "") -> object:  # processes start slowly on a busy machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise TimeoutError(what)


def health(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def workers(log: Path) -> dict[int, int]:
    """Worker number -> pid of its latest start, from the parent's log lines."""
    return {int(n): int(pid) for n, pid in STARTED.findall(log.read_text())}


def established_by_pid(port: int, pids: list[int]) -> dict[int, int]:
    """How many established TCP connections on `port` each pid holds (from /proc: no pid is served)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01":  # local port, ESTABLISHED
                inodes.add(cols[9])
    counts = {}
    for pid in pids:
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            held += target.startswith("socket:[") and target[8:-1] in inodes
        counts[pid] = held
    return counts


def served_by_both(port: int, pids: list[int]) -> bool:
    """Open 16 connections at once, one request each, held open while counting who accepted them."""
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for _ in range(16)]
    try:
        with ThreadPoolExecutor(16) as pool:
            assert all(r.status_code == 200 for r in pool.map(lambda c: c.get("/health"), clients))
        return all(n > 0 for n in established_by_pid(port, pids).values())
    finally:
        for c in clients:
            c.close()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="counts connections through Linux /proc")
def test_two_workers_serve_one_port_restart_and_stop(tmp_path):
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "SECRET_KEYS": "s" * 32, "WEB_PORT": str(port), "APP_BASE_URL": f"http://127.0.0.1:{port}",
           "TIMEZONE": "Europe/London"}
    cli = [sys.executable, "-m", "taskbell.cli"]
    assert subprocess.run([*cli, "migrate"], cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode == 0
    log = tmp_path / "web.log"
    with open(log, "w") as out:
        parent = subprocess.Popen([*cli, "web", "--workers", "2"], cwd=tmp_path, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: health(port), what="/health")
        first = wait_for(lambda: len(workers(log)) == 2 and workers(log), what="two workers")
        assert len(set(first.values())) == 2 and parent.pid not in first.values()
        wait_for(lambda: log.read_text().count("serving (pid") == 2, what="both workers serving")
        wait_for(lambda: served_by_both(port, list(first.values())), timeout=60, what="both workers accept")

        os.kill(first[1], signal.SIGKILL)  # a worker dies: the parent starts it again
        again = wait_for(lambda: workers(log).get(1) != first[1] and workers(log), what="worker 1 restarted")
        assert again[2] == first[2] and again[1] != first[1]
        assert "web worker 1 ended unexpectedly (signal 9)" in log.read_text()
        wait_for(lambda: log.read_text().count("serving (pid") == 3, what="the new worker serving")
        wait_for(lambda: served_by_both(port, list(again.values())), timeout=60, what="both accept again")

        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=15) == 0, log.read_text()[-3000:]
        for pid in again.values():  # the parent waited for its children: they are gone
            assert not Path(f"/proc/{pid}").exists()
        assert not health(port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_workers_setting_is_validated(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "SECRET_KEYS": "s" * 32, "WEB_WORKERS": "65"}
    cli = [sys.executable, "-m", "taskbell.cli"]
    bad = subprocess.run([*cli, "web"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "WEB_WORKERS must be a whole number from 1 to 64" in bad.stderr
    env["WEB_WORKERS"] = "2"
    flag = subprocess.run([*cli, "web", "--workers", "0"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert flag.returncode == 2 and "--workers must be a whole number from 1 to 64" in flag.stderr
