"""One vocabulary, one format, correct plurals: the chat and the console read the same words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.handlers.tasks import _list_view
from bot.messages.tasks import card_text, state_line
from bot.timefmt import due_phrase, local
from domain import words
from domain.models import Priority, TaskStatus
from domain.tasks.queries import TaskRow
from web.pages import local_time, make_templates

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _row(**changes: object) -> TaskRow:
    values: dict[str, object] = dict(
        id=1, assignment_id=1, title="Essay", description="", priority=Priority.NORMAL,
        status=TaskStatus.PENDING, due_at=None, requires_review=False, assignee_id=2, assignee_name="Sam",
        assigner_id=3, assigner_name="Tess", created_at=NOW, updated_at=NOW, started_at=None,
        completed_at=None, resolved_at=None, cancelled_at=None, reopen_count=0, last_note=None)
    values.update(changes)
    return TaskRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("changes, state", [
    ({}, "pending"),
    ({"status": TaskStatus.IN_PROGRESS}, "in progress"),
    ({"status": TaskStatus.DONE}, "done"),
    ({"status": TaskStatus.DONE, "requires_review": True}, "awaiting review"),
    ({"status": TaskStatus.RESOLVED, "requires_review": True}, "approved"),
    ({"status": TaskStatus.IN_PROGRESS, "reopen_count": 1}, "reopened"),
    ({"status": TaskStatus.DONE, "reopen_count": 1}, "done"),
    ({"status": TaskStatus.CANCELLED}, "cancelled"),
    ({"status": TaskStatus.DECLINED}, "declined"),
])
def test_one_vocabulary_in_the_chat_and_on_the_console(changes: dict[str, object], state: str) -> None:
    row = _row(**changes)
    assert row.state == state
    assert state_line(row).endswith(state.capitalize())
    assert state.capitalize() in card_text(row, "Europe/London")
    html = make_templates().env.from_string("{{ t.state }}").render(t=row)
    assert html == state


def test_the_console_status_filter_uses_the_same_words() -> None:
    env = make_templates().env
    shown = [env.from_string("{{ s | status_word }}").render(s=s) for s in TaskStatus]
    assert shown == ["pending", "in progress", "done", "approved", "cancelled", "declined"]


def test_plurals() -> None:
    assert words.plural(1, "group") == "1 group"
    assert words.plural(2, "open item") == "2 open items"
    assert words.plural(0, "person", "people") == "0 people"
    assert words.plural(1, "person", "people") == "1 person"
    assert make_templates().env.from_string('{{ n | plural("task") }}').render(n=3) == "3 tasks"


def test_one_date_and_time_format_for_the_bot_and_the_web() -> None:
    london = ZoneInfo("Europe/London")
    assert local(NOW, "Europe/London") == local_time(NOW, london) == "Mon 2 Nov, 09:00"
    assert words.day_text(date(2026, 11, 9)) == "Mon 9 Nov"
    far = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert local(far, "Asia/Tokyo") == local_time(far, ZoneInfo("Asia/Tokyo")) == "Fri 31 Dec, 23:00 UTC"


def test_no_due_time_reads_naturally() -> None:
    assert due_phrase(None, "Europe/London") == "no due time"
    assert due_phrase(NOW, "Europe/London") == "due Mon 2 Nov, 09:00"
    card = card_text(_row(), "Europe/London")
    assert "No due time" in card and "Due: " not in card
    text, _ = _list_view([_row()], 1, 0, "Europe/London", NOW)
    assert "no due time" in text and "due no due" not in text


def test_no_awkward_strings_in_what_people_read() -> None:
    """No "(s)" plurals and no "due no due time" in the bot's, the domain's or the console's texts."""
    offenders = []
    for folder in ("bot", "domain", "web", "mailer"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"[a-z]\(s\)", line) and not re.search(r"(field|kind|column)\(s\)", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
                if "due no due" in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
