"""Importing people from a CSV file (name, phone, role[, timezone]): a preview with per-row errors
that writes nothing, then the import, in one transaction. A phone already on the allowlist updates
that person (name, role, time zone) instead of adding them twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from domain import audit
from domain.actors import Actor
from domain.errors import DomainError, InvalidInput
from domain.models import Person, PersonStatus, Role
from domain.people.services import check_timezone, clean_name, parse_role
from domain.perms.catalogue import PEOPLE_MANAGE
from domain.perms.check import require
from domain.phones import normalise_phone
from domain.uow import UnitOfWork

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
COLUMNS = ("name", "phone", "role", "timezone")


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    phone: str  # E.164 when valid, else as written
    role: str
    timezone: str
    action: str  # "add", "update", "same" or "error"
    error: str = ""
    person_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.action != "error"


@dataclass(frozen=True)
class ImportPreview:
    rows: list[ImportRow]

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.rows)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def writable(self) -> int:
        return self.count("add") + self.count("update")


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int
    skipped: int


def _records(text: str) -> list[tuple[int, list[str]]]:
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_BYTES // 1024} KiB; split it.")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                records.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise InvalidInput(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if records and [c.lower() for c in records[0][1][:2]] == ["name", "phone"]:
        header = [c.lower() for c in records[0][1]]
        if unknown := [h for h in header if h and h not in COLUMNS]:
            raise InvalidInput(f"Unknown column(s): {', '.join(unknown)}. Use: {', '.join(COLUMNS)}.")
        order = [header.index(c) if c in header else None for c in COLUMNS]
        if order[2] is None:
            raise InvalidInput("The file needs a role column.")
        records = [(line, [cells[i] if i is not None and i < len(cells) else "" for i in order])
                   for line, cells in records[1:]]
    if len(records) > MAX_ROWS:
        raise InvalidInput(f"The file has more than {MAX_ROWS} rows; split it.")
    if not records:
        raise InvalidInput("The file has no rows to import.")
    return records


def _parse(uow: UnitOfWork, text: str, region: str | None, me: Person) -> list[ImportRow]:
    parsed: list[tuple[int, list[str], str, str, Role | None, str | None, str]] = []
    for line, cells in _records(text):
        cells = [*cells, "", "", "", ""][:max(4, len(cells))]
        name, phone, role, tz = cells[0], cells[1], cells[2], cells[3]
        error, e164, role_, tz_ = "", phone, None, None
        try:
            if len(cells) > 4 and any(cells[4:]):
                raise InvalidInput("Too many columns; expected name, phone, role[, timezone].")
            name = clean_name(name)
            e164 = normalise_phone(phone, region)
            role_ = parse_role(role)
            tz_ = check_timezone(tz or None)
        except DomainError as exc:
            error = exc.message
        parsed.append((line, cells, name, e164, role_, tz_, error))
    phones = [p[3] for p in parsed if not p[6]]
    existing = {p.phone: p for p in uow.session.scalars(select(Person).where(Person.phone.in_(phones)))} \
        if phones else {}
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    for line, cells, name, e164, role_, tz_, error in parsed:
        role_text = role_.value if role_ else cells[2]
        tz_text = tz_ or cells[3]
        if not error and e164 in seen:
            error = f"This phone is also on line {seen[e164]}."
        if error:
            rows.append(ImportRow(line, name, e164, role_text, tz_text, "error", error))
            continue
        seen[e164] = line
        found = existing.get(e164)
        if found is None:
            rows.append(ImportRow(line, name, e164, role_text, tz_text, "add"))
            continue
        if found.id == me.id and role_ != Role.ADMIN:
            rows.append(ImportRow(line, name, e164, role_text, tz_text, "error",
                                  "You cannot remove your own admin role.", found.id))
            continue
        same = found.name == name and found.role == role_ and (tz_ is None or found.timezone == tz_)
        rows.append(ImportRow(line, name, e164, role_text, tz_text, "same" if same else "update",
                              person_id=found.id))
    return rows


def preview(uow: UnitOfWork, actor: Actor, text: str, region: str | None = None) -> ImportPreview:
    """What the import would do, row by row; writes nothing. Admins only."""
    with uow:
        me = require(uow.session, actor, PEOPLE_MANAGE)
        return ImportPreview(_parse(uow, text, region, me))


def apply(uow: UnitOfWork, actor: Actor, text: str, region: str | None = None) -> ImportResult:
    """Add and update the valid rows in one transaction; rows with errors are skipped."""
    with uow:
        me = require(uow.session, actor, PEOPLE_MANAGE)
        rows = _parse(uow, text, region, me)
        now = uow.now
        added = updated = 0
        for row in rows:
            if row.action == "add":
                person = Person(name=row.name, phone=row.phone, role=Role(row.role), status=PersonStatus.INVITED,
                                timezone=row.timezone or None, created_at=now, updated_at=now)
                uow.session.add(person)
                uow.session.flush()
                audit.record(uow.session, actor, "person.add", "person", person.id, now, role=row.role,
                             status=PersonStatus.INVITED.value, via="csv")
                added += 1
            elif row.action == "update":
                person = uow.session.get(Person, row.person_id)
                assert person is not None
                changes = {}
                if person.name != row.name:
                    changes["name"] = row.name
                if person.role.value != row.role:
                    changes["role"] = row.role
                if row.timezone and person.timezone != row.timezone:
                    changes["timezone"] = row.timezone
                person.name, person.role = row.name, Role(row.role)
                person.timezone = row.timezone or person.timezone
                person.updated_at = now
                audit.record(uow.session, actor, "person.update", "person", person.id, now, via="csv",
                             changed=sorted(changes))
                updated += 1
        audit.record(uow.session, actor, "people.import", "person", None, now, added=added, updated=updated,
                     skipped=sum(not r.ok for r in rows))
        uow.commit()
    return ImportResult(added, updated, sum(r.action == "same" for r in rows), sum(not r.ok for r in rows))
