"""Who a delivery worker is: this process's worker id, and whether a process on this host still runs."""

from __future__ import annotations

import os
import secrets
import socket

from domain.workers import WorkerId


def this_worker() -> WorkerId:
    """A new worker id for this process: host (and PID namespace), process id and a random part."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    host = f"{socket.gethostname()[:80]}/{namespace}"
    return WorkerId(f"{host}:{os.getpid()}:{secrets.token_hex(4)}", host, os.getpid())


def process_running(pid: int) -> bool:
    """True if a process with this id runs on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
