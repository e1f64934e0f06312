"""Logging: one line per event, JSON when LOG_FORMAT=json, and no secrets in any line."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Bot tokens (in Bot API URLs), sign-in codes and link tokens must never reach a log.
_PATTERNS = [
    (re.compile(r"bot\d{3,}:[A-Za-z0-9_-]{10,}"), "bot<token>"),
    (re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}\b"), "<token>"),
    (re.compile(r"(/(?:d|login/link|attendance/sheet)/)[A-Za-z0-9._~-]{16,}"), r"\1<token>"),
    (re.compile(r"(code[\"']?\s*[:=]\s*[\"']?)\d{6}"), r"\1******"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            data["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def setup(level: int = logging.INFO, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "alembic.runtime.plugins",
                  "alembic.runtime.migration", "uvicorn.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
