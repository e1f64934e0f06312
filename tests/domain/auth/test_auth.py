"""Web sign-in in the domain: one-time codes, sessions and sign-in links, on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.auth import services as auth
from domain.errors import InvalidInput
from domain.models import Notification, OtpChallenge, PersonStatus, Role
from domain.people import services as people
from tests.auxil.console import code_for

KEY = "server-key-for-otp-0123456789"


def test_known_and_unknown_phones_answer_alike_and_only_known_get_a_code(db, make_person):
    p = make_person(Role.MEMBER)
    known = auth.request_code(db.uow(), phone=p.phone, ip="198.51.100.1", key=KEY)
    unknown = auth.request_code(db.uow(), phone="+447700955555", ip="198.51.100.1", key=KEY)
    assert type(known) is type(unknown) and len(known.attempt_id) == len(unknown.attempt_id)
    with db.uow(readonly=True) as uow:
        notes = list(uow.session.scalars(select(Notification).where(Notification.kind == "login_code")))
        hashes = list(uow.session.scalars(select(OtpChallenge.code_hash)))
    assert [n.recipient_id for n in notes] == [p.id]
    code = notes[0].data["code"]
    assert len(code) == 6 and all(code not in h for h in hashes)
    with pytest.raises(InvalidInput):
        auth.verify_code(db.uow(), attempt_id=unknown.attempt_id, code=code, ip=None, key=KEY)
    assert auth.verify_code(db.uow(), attempt_id=known.attempt_id, code=code, ip=None, key=KEY).id == p.id
    with pytest.raises(InvalidInput):  # consumed exactly once
        auth.verify_code(db.uow(), attempt_id=known.attempt_id, code=code, ip=None, key=KEY)


def test_five_wrong_guesses_kill_the_code_and_a_new_request_leaves_the_old_one_working(db, make_person):
    p = make_person(Role.MEMBER)
    first = auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)
    code = code_for(db, p.id)
    second = auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)  # e.g. a stranger's request
    code2 = code_for(db, p.id)
    with pytest.raises(InvalidInput):  # each code works only with its own attempt
        auth.verify_code(db.uow(), attempt_id=second.attempt_id, code=code, ip=None, key=KEY)
    wrong = "000000" if code2 != "000000" else "111111"
    for _ in range(auth.MAX_GUESSES - 1):
        with pytest.raises(InvalidInput):
            auth.verify_code(db.uow(), attempt_id=second.attempt_id, code=wrong, ip=None, key=KEY)
    with pytest.raises(InvalidInput):
        auth.verify_code(db.uow(), attempt_id=second.attempt_id, code=code2, ip=None, key=KEY)
    assert auth.verify_code(db.uow(), attempt_id=first.attempt_id, code=code, ip=None, key=KEY).id == p.id


def test_codes_expire_after_ten_minutes(db, make_person, clock):
    p = make_person(Role.MEMBER)
    attempt = auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(InvalidInput):
        auth.verify_code(db.uow(), attempt_id=attempt.attempt_id, code=code_for(db, p.id), ip=None, key=KEY)


def test_rate_limits_per_phone_and_per_ip(db, make_person, clock):
    p = make_person(Role.MEMBER)
    for _ in range(auth.PER_PHONE_PER_HOUR):
        auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)
    with pytest.raises(auth.TooManyRequests):
        auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)
    for i in range(auth.PER_IP_PER_HOUR - 0):
        try:
            auth.request_code(db.uow(), phone=f"+4477009{i + 60000:05d}", ip="203.0.113.7", key=KEY)
        except auth.TooManyRequests:
            pytest.fail("limited too early")
    with pytest.raises(auth.TooManyRequests):
        auth.request_code(db.uow(), phone="+447700988888", ip="203.0.113.7", key=KEY)
    clock.advance(hours=1, seconds=1)
    auth.request_code(db.uow(), phone=p.phone, ip="203.0.113.7", key=KEY)


def test_two_concurrent_verifications_make_one_session(db, make_person):
    p = make_person(Role.MEMBER)
    attempt = auth.request_code(db.uow(), phone=p.phone, ip=None, key=KEY)
    code = code_for(db, p.id)
    wins, losses = [], []
    barrier = threading.Barrier(4)

    def verify() -> None:
        barrier.wait()
        try:
            wins.append(auth.verify_code(db.uow(), attempt_id=attempt.attempt_id, code=code, ip=None, key=KEY))
        except InvalidInput:
            losses.append(1)

    threads = [threading.Thread(target=verify) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 3


def test_sessions_time_out_end_at_logout_and_follow_status(db, make_person, clock):
    p = make_person(Role.TEACHER)
    s = auth.create_session(db.uow(), p.id, "192.0.2.1")
    assert auth.load_session(db.uow(), s.session_id).person.id == p.id
    assert auth.load_session(db.uow(), "forged") is None
    clock.advance(hours=1, minutes=59)
    assert auth.load_session(db.uow(), s.session_id) is not None  # touched: idle clock restarts
    clock.advance(hours=2, minutes=1)
    assert auth.load_session(db.uow(), s.session_id) is None  # idle too long

    s2 = auth.create_session(db.uow(), p.id, None)
    for _ in range(6):  # 11 hours, never idle for 2
        clock.advance(hours=1, minutes=50)
        assert auth.load_session(db.uow(), s2.session_id) is not None
    clock.advance(hours=1, minutes=1)
    assert auth.load_session(db.uow(), s2.session_id) is None  # absolute 12 h

    s3 = auth.create_session(db.uow(), p.id, None)
    people.set_status(db.uow(), Actor.system(), p.id, PersonStatus.DISABLED)
    assert auth.load_session(db.uow(), s3.session_id) is None
    people.set_status(db.uow(), Actor.system(), p.id, PersonStatus.ACTIVE)
    assert auth.load_session(db.uow(), s3.session_id) is not None
    auth.end_session(db.uow(), s3.session_id)
    assert auth.load_session(db.uow(), s3.session_id) is None


def test_sign_in_link_is_one_time_and_expires(db, make_person, clock):
    p = make_person(Role.MEMBER)
    token = auth.issue_one_time(db.uow(), purpose=auth.SIGNIN, person_id=p.id, ttl=auth.SIGNIN_LINK_TTL)
    assert auth.peek_one_time(db.uow(), purpose=auth.SIGNIN, token=token).person_id == p.id
    assert auth.peek_one_time(db.uow(), purpose=auth.SIGNIN, token=token).consumed_at is None  # peeking is free
    session = auth.sign_in_with_link(db.uow(), token=token, ip=None)
    assert session.person.id == p.id
    with pytest.raises(InvalidInput, match="already used"):
        auth.sign_in_with_link(db.uow(), token=token, ip=None)
    late = auth.issue_one_time(db.uow(), purpose=auth.SIGNIN, person_id=p.id, ttl=auth.SIGNIN_LINK_TTL)
    clock.advance(minutes=11)
    with pytest.raises(InvalidInput, match="expired"):
        auth.sign_in_with_link(db.uow(), token=late, ip=None)
    with pytest.raises(InvalidInput):
        auth.peek_one_time(db.uow(), purpose="attendance", token=token)
