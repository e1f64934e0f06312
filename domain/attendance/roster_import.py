"""Importing enrolments and parent links from CSV: a preview with per-row results that writes nothing,
then the import of the valid rows in one transaction (the pattern of domain.people.csv_import).

The header names the columns: `student` (required: a name or a phone), `batch` (a batch's name),
`enrolled_on` (YYYY-MM-DD, default today) and `parent` (a parent's name or phone). A row with a batch
enrols the student; a row with a parent links them; a row may do both. Admins only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput
from domain.models import Batch, Enrolment, ParentLink, Person, Role
from domain.perms.catalogue import CLASSES_MANAGE
from domain.perms.check import require
from domain.phones import PhoneError, normalise_phone
from domain.referrals import thanks as referral_thanks
from domain.uow import UnitOfWork

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
COLUMNS = ("student", "batch", "enrolled_on", "parent")


@dataclass(frozen=True)
class RosterRow:
    line: int
    student: str
    batch: str
    enrolled_on: str
    parent: str
    action: str  # "enrol", "link", "enrol and link", "same" or "error"
    error: str = ""
    student_id: int | None = None
    batch_id: int | None = None
    parent_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.action != "error"


@dataclass(frozen=True)
class RosterPreview:
    rows: list[RosterRow]

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.rows)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def writable(self) -> int:
        return sum(r.ok and r.action != "same" for r in self.rows)


@dataclass(frozen=True)
class RosterResult:
    enrolled: int
    linked: int
    skipped: int


def csv_records(text: str, columns: tuple[str, ...] = COLUMNS,
                required: str = "student") -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV whose header names `columns` (`required` among them), with their line numbers;
    InvalidInput when the file is empty, too large, not CSV or names other columns (marks import too)."""
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_BYTES // 1024} KiB; split it.")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput("The file is empty.")
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        rows = [(reader.line_num, [c.strip() for c in cells]) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as exc:
        raise InvalidInput(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    header = [c.lower() for c in rows[0][1]] if rows else []
    if required not in header:
        raise InvalidInput(f"The first row must name the columns: {', '.join(columns)} ({required} is required).")
    if unknown := [h for h in header if h not in columns]:
        raise InvalidInput(f"Unknown column(s): {', '.join(unknown)}. Use: {', '.join(columns)}.")
    records = [(line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
               for line, cells in rows[1:]]
    if len(records) > MAX_ROWS:
        raise InvalidInput(f"The file has more than {MAX_ROWS} rows; split it.")
    if not records:
        raise InvalidInput("The file has no rows to import.")
    return records


def _person(session: Session, text: str, role: Role, region: str | None) -> Person:
    """One person of `role` by phone or exact name (case ignored); InvalidInput when none or several."""
    what = role.value
    try:
        phone = normalise_phone(text, region) if any(ch.isdigit() for ch in text) else None
    except PhoneError:
        phone = None
    found = list(session.scalars(select(Person).where(
        Person.role == role, Person.phone == phone if phone else func.lower(Person.name) == text.lower())))
    if not found:
        raise InvalidInput(f"No {what} called {text!r}.")
    if len(found) > 1:
        raise InvalidInput(f"Several {what}s are called {text!r}; use their phone.")
    return found[0]


def _parse(session: Session, text: str, region: str | None, today: date) -> list[RosterRow]:
    batches = {b.name.lower(): b for b in session.scalars(select(Batch))}
    out: list[RosterRow] = []
    seen: set[tuple[str, int, int]] = set()
    for line, rec in csv_records(text):
        student_t, batch_t, day_t, parent_t = (rec.get(c, "") for c in COLUMNS)
        base = dict(line=line, student=student_t, batch=batch_t, enrolled_on=day_t, parent=parent_t)
        try:
            if not student_t:
                raise InvalidInput("The student is missing.")
            if not batch_t and not parent_t:
                raise InvalidInput("Give a batch, a parent, or both.")
            student = _person(session, student_t, Role.STUDENT, region)
            batch = batches.get(batch_t.lower()) if batch_t else None
            if batch_t and batch is None:
                raise InvalidInput(f"No batch called {batch_t!r}.")
            if batch is not None and not batch.active:
                raise InvalidInput(f"{batch.name} is inactive.")
            try:
                day = date.fromisoformat(day_t) if day_t else today
            except ValueError:
                raise InvalidInput("Write the enrolment date as YYYY-MM-DD.") from None
            parent = _person(session, parent_t, Role.PARENT, region) if parent_t else None
            enrol = link = False
            if batch is not None:
                row = session.get(Enrolment, (batch.id, student.id))
                enrol = row is None or row.left_on is not None
                if ("enrol", batch.id, student.id) in seen:
                    raise InvalidInput("This enrolment is also on an earlier line.")
                seen.add(("enrol", batch.id, student.id))
            if parent is not None:
                link = session.get(ParentLink, (parent.id, student.id)) is None
                if ("link", parent.id, student.id) in seen:
                    raise InvalidInput("This parent link is also on an earlier line.")
                seen.add(("link", parent.id, student.id))
            action = {(True, True): "enrol and link", (True, False): "enrol", (False, True): "link"}.get(
                (enrol, link), "same")
            out.append(RosterRow(**{**base, "enrolled_on": day.isoformat()}, action=action, student_id=student.id,
                                 batch_id=batch.id if enrol and batch else None,
                                 parent_id=parent.id if link and parent else None))
        except InvalidInput as exc:
            out.append(RosterRow(**base, action="error", error=exc.message))
    return out


def preview(uow: UnitOfWork, actor: Actor, text: str, today: date, region: str | None = None) -> RosterPreview:
    """What the import would do, row by row; writes nothing (classes.manage)."""
    with uow:
        require(uow.session, actor, CLASSES_MANAGE)
        return RosterPreview(_parse(uow.session, text, region, today))


def apply(uow: UnitOfWork, actor: Actor, text: str, today: date, region: str | None = None) -> RosterResult:
    """Enrol and link the valid rows in one transaction, each audited; rows with errors are skipped."""
    with uow:
        require(uow.session, actor, CLASSES_MANAGE)
        rows = _parse(uow.session, text, region, today)
        now, enrolled, linked = uow.now, 0, 0
        for r in rows:
            if r.batch_id is not None and r.student_id is not None:
                day = date.fromisoformat(r.enrolled_on)
                row = uow.session.get(Enrolment, (r.batch_id, r.student_id))
                if row is None:
                    uow.session.add(Enrolment(batch_id=r.batch_id, student_id=r.student_id, enrolled_on=day))
                else:
                    row.enrolled_on, row.left_on = day, None
                audit.record(uow.session, actor, "batch.enrol", "batch", r.batch_id, now, student_id=r.student_id,
                             enrolled_on=r.enrolled_on, via="csv")
                referral_thanks.on_enrolled(uow.session, actor, r.student_id, r.batch_id, now)
                enrolled += 1
            if r.parent_id is not None and r.student_id is not None:
                uow.session.add(ParentLink(parent_id=r.parent_id, child_id=r.student_id, created_at=now))
                audit.record(uow.session, actor, "person.link_parent", "person", r.student_id, now,
                             parent_id=r.parent_id, via="csv")
                linked += 1
        skipped = sum(not r.ok for r in rows)
        audit.record(uow.session, actor, "rosters.import", "batch", None, now, enrolled=enrolled, linked=linked,
                     skipped=skipped)
        uow.commit()
    return RosterResult(enrolled, linked, skipped)
