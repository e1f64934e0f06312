"""Idempotent writes: a client's `Idempotency-Key` on the API, a form's nonce in the console.

A request is first claimed (a `running` row, committed on its own), then the guarded use case writes
its change and the answer to give again in ONE transaction (`record`), so a retry finds either no
write and no answer, or both. The same key with the same body gets the stored answer; with another
body a 422; while the first is still running a 409. A claim older than LEASE belongs to a request that
died (its write rolled back); a retry takes it over, and the old attempt, should it wake, cannot record
its answer and rolls back. Keys are kept KEEP and purged by the scheduler.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.errors import DomainError, IllegalTransition, InvalidInput
from domain.models import IdempotencyKey
from domain.uow import Database, UnitOfWork

KEEP = timedelta(hours=24)
LEASE = timedelta(seconds=60)
MAX_KEY = 128
KEY_PATTERN = re.compile(rf"^[A-Za-z0-9._:~+/=-]{{1,{MAX_KEY}}}$")
API, FORM = "api", "form"
RUNNING, DONE = "running", "done"

T = TypeVar("T")


class BadKey(DomainError):
    """The key is empty, too long, or has characters other than letters, digits and ._:~+/=- (400)."""

    code = "bad_idempotency_key"


class KeyReused(InvalidInput):
    """The key was used before for another request (422)."""

    code = "idempotency_key_reused"


class KeyInProgress(IllegalTransition):
    """A request with this key is still running (409)."""

    code = "idempotency_key_in_progress"


@dataclass(frozen=True)
class Stored:
    """The answer the first request with a key gave: its HTTP status and JSON."""

    status: int
    answer: dict[str, Any]


@dataclass(frozen=True)
class Once:
    """One keyed request: whose, which key, what it asks (fingerprint), and how its result is answered."""

    person_id: int
    scope: str
    key: str
    fingerprint: str
    answer: Callable[[Any], tuple[int, dict[str, Any]]] = lambda _result: (200, {})
    claim: str = field(default_factory=lambda: secrets.token_hex(16))


def checked_key(raw: str) -> str:
    """A client's key as given, or BadKey."""
    if not KEY_PATTERN.fullmatch(raw):
        raise BadKey(f"The Idempotency-Key must be 1 to {MAX_KEY} characters: letters, digits and ._:~+/=- "
                     "(a UUID is a good choice).")
    return raw


def canonical_json(body: bytes) -> bytes:
    """A JSON body with sorted keys and no spaces (so a reformatted retry matches); other bodies as given."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (ValueError, UnicodeDecodeError):
        return body


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the method, the path and the (canonical) body."""
    digest = hashlib.sha256(method.upper().encode() + b"\n" + path.encode("utf-8", "surrogatepass") + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _where(once: Once) -> Any:
    return (IdempotencyKey.person_id == once.person_id, IdempotencyKey.scope == once.scope,
            IdempotencyKey.key == once.key)


def claim(uow: UnitOfWork, once: Once) -> Stored | None:
    """Start a keyed request: None to go ahead, the stored answer of a finished one, else 422 or 409."""
    with uow:
        session, now = uow.session, uow.now
        mod = postgresql if uow.dialect == "postgresql" else sqlite
        for _ in range(3):
            inserted = session.execute(mod.insert(IdempotencyKey).values(
                person_id=once.person_id, scope=once.scope, key=once.key, fingerprint=once.fingerprint,
                claim=once.claim, state=RUNNING, claimed_at=now,
            ).on_conflict_do_nothing(index_elements=["person_id", "scope", "key"])
                .returning(IdempotencyKey.claim)).first()
            if inserted is not None:
                uow.commit()
                return None
            row = session.execute(select(IdempotencyKey.fingerprint, IdempotencyKey.state, IdempotencyKey.claim,
                                         IdempotencyKey.claimed_at, IdempotencyKey.status, IdempotencyKey.answer)
                                  .where(*_where(once))).first()
            if row is None:  # released by a failed first request between the two statements
                continue
            if row.fingerprint != once.fingerprint:
                raise KeyReused("This Idempotency-Key was already used for a different request; "
                                "use a new key for a new request.")
            if row.state == DONE:
                return Stored(row.status or 200, row.answer or {})
            if row.claimed_at > now - LEASE:
                break
            taken = session.execute(update(IdempotencyKey).where(
                *_where(once), IdempotencyKey.claim == row.claim, IdempotencyKey.state == RUNNING,
            ).values(claim=once.claim, claimed_at=now).execution_options(synchronize_session=False)).rowcount
            if taken == 1:
                uow.commit()
                return None
        raise KeyInProgress("A request with this Idempotency-Key is still in progress; retry in a moment.")


def record(uow: UnitOfWork, once: Once | None, result: object) -> None:
    """Inside the guarded write's transaction: store the answer to give again (nothing without a key)."""
    if once is None:
        return
    status, answer = once.answer(result)
    finish(uow, once, status, answer)


def finish(uow: UnitOfWork, once: Once, status: int, answer: dict[str, Any]) -> None:
    """Mark the claim done with its answer in the current transaction; KeyInProgress if it was taken over."""
    done = uow.session.execute(update(IdempotencyKey).where(
        *_where(once), IdempotencyKey.claim == once.claim, IdempotencyKey.state == RUNNING,
    ).values(state=DONE, status=status, answer=answer, finished_at=uow.now)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise KeyInProgress("A retry with this Idempotency-Key took this request over; nothing was changed here.")


def complete(uow: UnitOfWork, once: Once, status: int, answer: dict[str, Any]) -> None:
    """Mark a claim done in a transaction of its own (a console form whose write has committed)."""
    with uow:
        finish(uow, once, status, answer)
        uow.commit()


def release(uow: UnitOfWork, once: Once) -> None:
    """Forget this attempt's claim (its request wrote nothing), so the same key may be tried again."""
    with uow:
        uow.session.execute(delete(IdempotencyKey).where(
            *_where(once), IdempotencyKey.claim == once.claim, IdempotencyKey.state == RUNNING))
        uow.commit()


def perform(db: Database, once: Once | None, use_case: Callable[[Once | None], T]) -> T | Stored:
    """Run `use_case(once)` at most once per key: the stored answer when the key was used already."""
    if once is None:
        return use_case(None)
    stored = claim(db.uow(), once)
    if stored is not None:
        return stored
    try:
        return use_case(once)
    except BaseException:
        release(db.uow(), once)
        raise


def purge(uow: UnitOfWork) -> int:
    """Forget keys claimed more than KEEP ago; returns how many."""
    with uow:
        n = uow.session.execute(delete(IdempotencyKey).where(IdempotencyKey.claimed_at < uow.now - KEEP)).rowcount
        uow.commit()
        return n
