"""Matching pasted names and phones to people."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.models import (
    Person,
    PersonStatus,
)
from domain.people.viewer import Member, load_viewer, phone_for
from domain.phones import PhoneError, normalise_phone
from domain.uow import UnitOfWork

ENTRY_SPLIT = re.compile(r"[,;\n\r]+")


def split_entries(text: str) -> list[str]:
    """Comma, semicolon or new-line separated entries, trimmed, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for raw in ENTRY_SPLIT.split(text or ""):
        entry = " ".join(raw.split())
        if entry and entry.lower() not in {s.lower() for s in seen}:
            seen[entry] = None
    return list(seen)


@dataclass(frozen=True)
class Unmatched:
    entry: str
    reason: str


@dataclass(frozen=True)
class MatchResult:
    matched: list[tuple[str, Member]]
    unmatched: list[Unmatched]

    @property
    def ids(self) -> list[int]:
        return list(dict.fromkeys(m.id for _e, m in self.matched))


MAX_ENTRIES = 500


def match_people(uow: UnitOfWork, actor: Actor, text: str, region: str | None = None) -> MatchResult:
    """Match pasted phones or names to people who are not disabled (exact name, any case)."""
    entries = split_entries(text)
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"Paste at most {MAX_ENTRIES} entries at a time.")
    phones: dict[str, str] = {}
    names: list[str] = []
    for entry in entries:
        if re.fullmatch(r"[+0-9 ()\-.]{6,}", entry) and sum(ch.isdigit() for ch in entry) >= 6:
            try:
                phones[entry] = normalise_phone(entry, region)
            except PhoneError:
                phones[entry] = ""
        else:
            names.append(entry)
    with uow:
        viewer = load_viewer(uow, actor)
        live = Person.status != PersonStatus.DISABLED
        by_phone = {p.phone: p for p in uow.session.scalars(
            select(Person).where(Person.phone.in_([e for e in phones.values() if e]), live))}
        lowered = [n.lower() for n in names]
        by_name: dict[str, list[Person]] = defaultdict(list)
        if lowered:
            for p in uow.session.scalars(select(Person).where(func.lower(Person.name).in_(lowered), live)
                                         .order_by(Person.id)):
                by_name[p.name.lower()].append(p)
        show = phone_for(uow.session, viewer)
    matched: list[tuple[str, Member]] = []
    unmatched: list[Unmatched] = []
    for entry in entries:
        if entry in phones:
            person = by_phone.get(phones[entry]) if phones[entry] else None
            if person is None:
                unmatched.append(Unmatched(entry, "not a valid phone number" if not phones[entry]
                                           else "no one on the allowlist has this phone"))
                continue
        else:
            found = by_name.get(entry.lower(), [])
            if not found:
                unmatched.append(Unmatched(entry, "no one has this name"))
                continue
            if len(found) > 1:
                unmatched.append(Unmatched(entry, f"{len(found)} people have this name; use a phone"))
                continue
            person = found[0]
        matched.append((entry, Member(person.id, person.name, show(person.phone), person.role,
                                      person.status)))
    return MatchResult(matched, unmatched)


