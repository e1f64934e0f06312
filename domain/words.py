"""The words people read, in one place: task states, plurals, and the date and time format.

The bot's messages and the web templates both use these, so a state or a time reads the same in the
chat and on the console.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from domain.models import TaskStatus
from domain.timeparse import shown_in

# The one vocabulary of task states (chat and web).
PENDING, IN_PROGRESS, DONE, AWAITING_REVIEW, APPROVED, REOPENED, CANCELLED, DECLINED = (
    "pending", "in progress", "done", "awaiting review", "approved", "reopened", "cancelled", "declined")
STATUS_WORDS = {
    TaskStatus.PENDING: PENDING,
    TaskStatus.IN_PROGRESS: IN_PROGRESS,
    TaskStatus.DONE: DONE,
    TaskStatus.RESOLVED: APPROVED,
    TaskStatus.CANCELLED: CANCELLED,
    TaskStatus.DECLINED: DECLINED,
}


def task_state(status: TaskStatus, requires_review: bool = False, reopen_count: int = 0) -> str:
    """A task's state in the one vocabulary: a reopened task still open is "reopened", a done task that
    needs review is "awaiting review"."""
    if status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS) and reopen_count:
        return REOPENED
    if status == TaskStatus.DONE and requires_review:
        return AWAITING_REVIEW
    return STATUS_WORDS[status]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 group', '2 groups', '0 open items' ('1 class', '2 classes' with the plural given)."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def day_text(day: date) -> str:
    """A date as people read it: 'Mon 2 Nov'."""
    return f"{day:%a} {day.day} {day:%b}"


def when_text(when: datetime, zone: tzinfo) -> str:
    """A moment in the reader's zone: 'Mon 2 Nov, 14:05'; a stored time too far out to convert says UTC."""
    local = shown_in(when, zone)
    suffix = "" if local.tzinfo is zone else " UTC"
    return f"{day_text(local.date())}, {local:%H:%M}{suffix}"
