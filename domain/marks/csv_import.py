"""Marks from a CSV for one test: a preview with a result per row that writes nothing, then the import of
the valid rows in one transaction (the pattern of domain.attendance.roster_import).

The header names the columns: `student` (a name or a phone; the student must be on the test's sheet) and
`marks` (0 to the maximum, or A / absent; empty leaves the student as they are).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.attendance.roster_import import csv_records
from domain.errors import InvalidInput
from domain.marks import access
from domain.marks.sheet import Entry, Saved, commit_marks, current_marks, parse_entry, roster
from domain.models import ClassTest, Person, Role
from domain.phones import PhoneError, normalise_phone
from domain.uow import UnitOfWork

COLUMNS = ("student", "marks")
ACTIONS = {"new": "will be entered", "change": "will be changed", "same": "no change",
           "blank": "no marks given: left as it is"}


@dataclass(frozen=True)
class MarksRow:
    line: int
    student: str
    marks: str
    action: str  # "new", "change", "same", "blank" or "error"
    error: str = ""
    name: str = ""  # the student found

    @property
    def ok(self) -> bool:
        return self.action != "error"

    @property
    def result(self) -> str:
        return self.error if not self.ok else ACTIONS[self.action]


@dataclass(frozen=True)
class MarksPreview:
    rows: list[MarksRow]

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.rows)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def writable(self) -> int:
        return self.count("new") + self.count("change")


def _student(session: Session, text: str, on_sheet: dict[int, str], region: str | None) -> int:
    try:
        phone = normalise_phone(text, region) if any(ch.isdigit() for ch in text) else None
    except PhoneError:
        phone = None
    found = list(session.scalars(select(Person.id).where(
        Person.role == Role.STUDENT, Person.phone == phone if phone else func.lower(Person.name) == text.lower())))
    if not found:
        raise InvalidInput(f"No student called {text!r}.")
    here = [i for i in found if i in on_sheet]
    if not here:
        raise InvalidInput(f"{on_sheet.get(found[0]) or text} is not in this batch on the test's date.")
    if len(here) > 1:
        raise InvalidInput(f"Several students are called {text!r}; use their phone.")
    return here[0]


def _parse(session: Session, test: ClassTest, text: str,
           region: str | None) -> tuple[list[MarksRow], dict[int, Entry]]:
    records = csv_records(text, COLUMNS, required="student")
    on_sheet = dict(roster(session, test))
    have = current_marks(session, test.id)
    rows: list[MarksRow] = []
    entries: dict[int, Entry] = {}
    seen: set[int] = set()
    for line, rec in records:
        student_t, marks_t = rec.get("student", ""), rec.get("marks", "")
        try:
            if not student_t:
                raise InvalidInput("The student is missing.")
            student_id = _student(session, student_t, on_sheet, region)
            if student_id in seen:
                raise InvalidInput("This student is also on an earlier line.")
            seen.add(student_id)
            entry = parse_entry(marks_t, False, test.max_marks)
            if entry is None:
                rows.append(MarksRow(line, student_t, marks_t, "blank", name=on_sheet[student_id]))
                continue
            row = have.get(student_id)
            same = row is not None and (row.marks, bool(row.absent)) == entry
            action = "same" if same else ("new" if row is None else "change")
            entries[student_id] = entry
            rows.append(MarksRow(line, student_t, marks_t, action, name=on_sheet[student_id]))
        except InvalidInput as exc:
            rows.append(MarksRow(line, student_t, marks_t, "error", exc.message))
    return rows, entries


def preview(uow: UnitOfWork, actor: Actor, test_id: int, text: str, region: str | None = None) -> MarksPreview:
    """What the import would do, row by row; writes nothing."""
    with uow:
        _me, test, _batch = access.load_test(uow.session, actor, test_id)
        return MarksPreview(_parse(uow.session, test, text, region)[0])


def apply(uow: UnitOfWork, actor: Actor, test_id: int, text: str, region: str | None = None) -> Saved:
    """Write the valid rows in one transaction (one audit entry); rows with errors are skipped."""
    with uow:
        _me, test, _batch = access.load_test(uow.session, actor, test_id)
        _parsed, entries = _parse(uow.session, test, text, region)
        return commit_marks(uow, actor, test, entries, "csv")
