"""Sandbox mode's email: the sandbox's SMTP server (its Mailbox tab) and the SMTP_* settings pointing at it."""

from __future__ import annotations

import socket

from adapters.settings import Settings

SANDBOX_FROM = "Taskbell <taskbell@example.com>"  # the sender of the sandbox's emails (no mail leaves the machine)


def smtp_port(settings: Settings) -> int:
    """SANDBOX_PORT + 1 when that is free (8082 by default), else any free port."""
    wanted = settings.sandbox_port + 1 if settings.sandbox_port else 0
    for port in (wanted, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port for the sandbox's SMTP server")


def pointed_at_sandbox(settings: Settings, port: int) -> Settings:
    """Unless SMTP_HOST is set, the settings with SMTP_HOST/PORT/FROM/TLS=none naming the sandbox's server."""
    if "smtp_host" not in Settings.model_fields or getattr(settings, "smtp_host", None):
        return settings
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": SANDBOX_FROM,
                                       "smtp_tls": "none"})

