"""The sign-in limits under concurrency, on both databases: 30 clients at once get exactly the limit,
and a refused request leaves the codes already sent working."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from domain.auth import services as auth
from domain.errors import InvalidInput
from domain.models import AuditEntry, Notification, OtpChallenge, Role
from tests.auxil.console import code_for

KEY = "server-key-for-otp-0123456789"
CLIENTS = 30


def at_once(n: int, work: Callable[[int], None]) -> tuple[int, int]:
    """Run `work(i)` in n threads released together (each opens its own unit of work);
    returns (succeeded, refused)."""
    barrier = threading.Barrier(n)
    ok: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
            ok.append(i)
        except (auth.TooManyRequests, InvalidInput):
            refused.append(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return len(ok), len(refused)


def codes_sent(db, person_id: int) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "login_code", Notification.recipient_id == person_id)) or 0


def test_30_concurrent_requests_for_one_phone_from_one_address_issue_exactly_the_limit(db, make_person):
    p = make_person(Role.MEMBER)
    issued, refused = at_once(CLIENTS, lambda i: auth.request_code(
        db.uow(), phone=p.phone, ip="203.0.113.9", key=KEY, browser=f"browser-{i}"))
    assert (issued, refused) == (auth.PER_PHONE_PER_HOUR, CLIENTS - auth.PER_PHONE_PER_HOUR)
    assert codes_sent(db, p.id) == auth.PER_PHONE_PER_HOUR


def test_30_concurrent_requests_from_30_addresses_stop_at_the_phone_wide_cap(db, make_person):
    p = make_person(Role.MEMBER)
    issued, _refused = at_once(CLIENTS, lambda i: auth.request_code(
        db.uow(), phone=p.phone, ip=f"198.51.100.{i + 1}", key=KEY, browser=f"browser-{i}"))
    assert issued == auth.PER_PHONE_ALL_PER_HOUR
    assert codes_sent(db, p.id) == auth.PER_PHONE_ALL_PER_HOUR


def test_30_concurrent_requests_from_one_address_for_30_phones_stop_at_the_address_limit(db):
    issued, _refused = at_once(CLIENTS, lambda i: auth.request_code(
        db.uow(), phone=f"+4477009{i + 70000:05d}", ip="203.0.113.10", key=KEY, browser=f"b-{i}"))
    assert issued == auth.PER_IP_PER_HOUR


def test_30_concurrent_requests_from_one_browser_stop_at_the_browser_limit(db):
    issued, _refused = at_once(CLIENTS, lambda i: auth.request_code(
        db.uow(), phone=f"+4477009{i + 80000:05d}", ip=f"192.0.2.{i + 1}", key=KEY, browser="one-browser"))
    assert issued == auth.PER_BROWSER_PER_HOUR


def test_30_concurrent_wrong_guesses_are_counted_exactly_to_the_limit(db, make_person):
    p = make_person(Role.MEMBER)
    attempt = auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)
    code = code_for(db, p.id)
    wrong = "000000" if code != "000000" else "111111"
    _ok, refused = at_once(CLIENTS, lambda i: auth.verify_code(
        db.uow(), attempt_id=attempt.attempt_id, code=wrong, ip=None, key=KEY))
    assert refused == CLIENTS
    with db.uow(readonly=True) as uow:
        attempts = uow.session.scalar(select(OtpChallenge.attempts))
        compared = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "login.code_wrong"))
    assert (attempts, compared) == (auth.MAX_GUESSES, auth.MAX_GUESSES)
    with pytest.raises(InvalidInput):  # spent: even the right code is refused now
        auth.verify_code(db.uow(), attempt_id=attempt.attempt_id, code=code, ip=None, key=KEY)


def test_a_refused_request_leaves_the_live_code_working(db, make_person):
    p = make_person(Role.MEMBER)
    mine = auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.20", key=KEY, browser="mine")
    code = code_for(db, p.id)
    for _ in range(auth.PER_PHONE_PER_HOUR - 1):  # a stranger at the same address spends the rest
        auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.20", key=KEY, browser="stranger")
    with pytest.raises(auth.TooManyRequests):
        auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.20", key=KEY, browser="stranger")
    with pytest.raises(auth.TooManyRequests):
        auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.20", key=KEY, browser="mine")
    assert auth.verify_code(db.uow(), attempt_id=mine.attempt_id, code=code, ip=None, key=KEY).id == p.id


def test_a_strangers_requests_from_elsewhere_leave_the_owner_a_budget(db, make_person, clock):
    p = make_person(Role.MEMBER)
    for _ in range(auth.PER_PHONE_PER_HOUR):
        auth.request_code(db.uow(), phone=p.phone, ip="203.0.113.66", key=KEY, browser="attacker")
    with pytest.raises(auth.TooManyRequests):
        auth.request_code(db.uow(), phone=p.phone, ip="203.0.113.66", key=KEY, browser="attacker-2")
    owner = auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.5", key=KEY, browser="owner")
    assert auth.verify_code(db.uow(), attempt_id=owner.attempt_id, code=code_for(db, p.id), ip=None,
                            key=KEY).id == p.id
    clock.advance(hours=1, seconds=1)  # the hour is over: the stranger's address may ask again
    auth.request_code(db.uow(), phone=p.phone, ip="203.0.113.66", key=KEY, browser="attacker")


def test_a_browser_that_signed_in_before_skips_the_shared_budgets(db, make_person):
    p = make_person(Role.MEMBER)
    other = make_person(Role.MEMBER)
    for i in range(auth.PER_PHONE_ALL_PER_HOUR):  # many addresses spend the phone-wide cap
        auth.request_code(db.uow(), phone=p.phone, ip=f"203.0.113.{i + 1}", key=KEY, browser=f"a-{i}")
    with pytest.raises(auth.TooManyRequests):
        auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.5", key=KEY, browser="new")
    with pytest.raises(auth.TooManyRequests):  # trust is for the person the browser signed in as
        auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.5", key=KEY, browser="other",
                          trusted_person_id=other.id)
    for _ in range(auth.PER_BROWSER_PER_HOUR):
        auth.request_code(db.uow(), phone=p.phone, ip="203.0.113.1", key=KEY, browser="owner",
                          trusted_person_id=p.id)
    with pytest.raises(auth.TooManyRequests):  # its own budget still holds
        auth.request_code(db.uow(), phone=p.phone, ip="203.0.113.1", key=KEY, browser="owner",
                          trusted_person_id=p.id)
