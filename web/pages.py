"""HTML rendering: the Jinja2 environment (autoescaped), time filters, the refusal page."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from domain.timeparse import zone_or as zone  # noqa: F401  (pages.zone: used by routes)
from domain.words import STATUS_WORDS, plural, when_text

TEMPLATES_DIR = Path(__file__).parent / "templates"
NO_STORE = {"cache-control": "no-store"}



def local_time(value: datetime | None, tz: ZoneInfo) -> str:
    """'Mon 2 Nov, 14:05' in the reader's zone."""
    if value is None:
        return ""
    return when_text(value, tz)  # the one format, as the bot writes it


def duration(value: timedelta | None) -> str:
    """A short human duration: '45 s', '12 min', '3 h 5 min', '2 d 4 h'."""
    if value is None:
        return "–"
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        rest = minutes % 60
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    rest = hours % 24
    return f"{days} d {rest} h" if rest else f"{days} d"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def filesize(value: int | None) -> str:
    """'812 B', '14.2 KB', '3.1 MB'."""
    if value is None:
        return "–"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(local_time=local_time, duration=duration, percent=percent, filesize=filesize,
                       plural=plural, status_word=STATUS_WORDS.get)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, context, status_code=status_code,
                                          headers=NO_STORE)
    return response  # type: ignore[return-value]


REFUSALS = {
    400: "That did not work",
    401: "Please sign in",
    403: "This link cannot be used",
    404: "Not found",
    405: "Not allowed",
    409: "That cannot be done now",
    410: "This link has expired",
    429: "Too many tries",
    500: "Something went wrong",
}


def refusal(request: Request, status_code: int, message: str, *, title: str | None = None,
            back_url: str | None = None, back_label: str = "Back to your tasks",
            hint: bool = True) -> HTMLResponse:
    """A plain page explaining why a request was refused (never a traceback)."""
    return render(request, "refusal.html", {
        "status": status_code, "title": title or REFUSALS.get(status_code, "Refused"),
        "message": message, "back_url": back_url, "back_label": back_label, "hint": hint}, status_code)
