"""Homework's inputs and read models: frozen dataclasses the bot, the console and other features share.

Inputs:   HomeworkSpec (what `services.assign` needs); files come as domain.tickets.rows.AttachmentIn.
Answers:  HomeworkSummary (a line of the teacher's list, with counts), HomeworkDetail (with every
          student's ItemRow), ItemRow, FileRow, StudentHomework (what `queries.homework_for_student` gives).
Vocabulary: the item states people read (open, handed in, late, missing, reviewed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.tickets.rows import AttachmentIn

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_HAND_IN = 4000
MAX_COMMENT = 500
MAX_FILES = 10
SUMMARY_DESCRIPTION = 300  # a description shown in a summary (a chat message, a list) is cut to this

OPEN, HANDED_IN, LATE, MISSING, REVIEWED = "open", "handed_in", "late", "missing", "reviewed"
STATE_WORDS = {OPEN: "open", HANDED_IN: "handed in", LATE: "handed in late", MISSING: "missing",
               REVIEWED: "reviewed"}


def state_text(state: str) -> str:
    """An item's state in words (chat and web)."""
    return STATE_WORDS.get(state, state)


def shorten(text: str, limit: int = SUMMARY_DESCRIPTION) -> str:
    """A long description cut for a summary, with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class HomeworkSpec:
    """What `assign` needs: the batch, the words, the due time (aware) and the teacher's files."""

    batch_id: int
    title: str
    due_at: datetime
    description: str = ""
    attachments: Sequence[AttachmentIn] = ()


@dataclass(frozen=True)
class HomeworkResult:
    homework_id: int
    students: int
    message: str


@dataclass(frozen=True)
class ItemResult:
    """What a hand-in or a review did (`changed` False: it was so already)."""

    item_id: int
    changed: bool
    late: bool
    message: str


@dataclass(frozen=True)
class FileRow:
    id: int
    kind: str  # photo or document
    telegram_file_id: str | None
    file_key: str | None
    filename: str | None


@dataclass(frozen=True)
class HomeworkSummary:
    """A homework as the teacher's list shows it: "18 of 24 handed in"."""

    id: int
    batch_id: int
    batch: str
    title: str
    description: str
    due_at: datetime
    set_count: int
    handed_in: int
    late: int
    reviewed: int
    files: int = 0

    @property
    def counts_text(self) -> str:
        return f"{self.handed_in} of {self.set_count} handed in"

    @property
    def to_review(self) -> int:
        return self.handed_in - self.reviewed


@dataclass(frozen=True)
class ItemRow:
    """One student's item: their state, hand-in and review."""

    id: int
    homework_id: int
    student_id: int
    student: str
    state: str  # OPEN, HANDED_IN, LATE, MISSING or REVIEWED
    text: str | None
    handed_in_at: datetime | None
    late: bool
    comment: str | None
    reviewed_at: datetime | None
    files: tuple[FileRow, ...] = ()

    @property
    def state_text(self) -> str:
        return state_text(self.state)

    @property
    def handed_in(self) -> bool:
        return self.handed_in_at is not None


@dataclass(frozen=True)
class HomeworkDetail:
    summary: HomeworkSummary
    set_by: str | None
    files: tuple[FileRow, ...]
    items: tuple[ItemRow, ...] = field(default_factory=tuple)
    may_review: bool = False


@dataclass(frozen=True)
class StudentHomework:
    """A student's homework for other features (the portal, the risk engine)."""

    item_id: int
    homework_id: int
    title: str
    batch: str
    due_at: datetime
    status: str  # OPEN (not due yet), HANDED_IN, LATE, MISSING or REVIEWED
    comment: str | None
    description: str = ""
    files: int = 0
