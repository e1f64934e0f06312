"""Referrals in the domain, on both databases: students and parents refer (name, phone checked, note),
admins list them (masked without pii.full), invite the person through the people service, decline or
reopen; when the person is enrolled (in the console, the chat or a roster CSV) the referrer is thanked
once, through the outbox."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches, roster_import
from domain.errors import Forbidden, InvalidInput
from domain.models import AuditEntry, Notification, Person, Referral, ReferralStatus, Role
from domain.perms import services as perms
from domain.referrals import services as referrals
from tests.factories import SYSTEM


@pytest.fixture
def org(db, make_person):
    made = {"admin": make_person(Role.ADMIN, "Ada Admin"), "admin2": make_person(Role.ADMIN, "Ali Admin"),
            "teacher": make_person(Role.TEACHER, "Tess Teacher"), "sam": make_person(Role.STUDENT, "Sam Student"),
            "pat": make_person(Role.PARENT, "Pat Parent")}
    made["batch"] = batches.create_batch(db.uow(), SYSTEM, name="Physics 10", teacher_ids=[made["teacher"].id])
    return made


def web(person) -> Actor:
    return Actor.web(person.id, "203.0.113.9")


def thanks(db) -> list[tuple[int, dict]]:
    with db.uow(readonly=True) as uow:
        return [(n.recipient_id, n.data) for n in uow.session.scalars(
            select(Notification).where(Notification.kind == "referral_thanks"))]


def test_students_and_parents_refer_and_each_answer_is_checked(db, org):
    rid = referrals.refer(db.uow(), Actor.telegram(org["sam"].id), name="  Rita   Rao ", phone="+44 7700 900777",
                          note="Wants maths")
    with db.uow(readonly=True) as uow:
        ref = uow.session.get(Referral, rid)
    assert (ref.name, ref.phone, ref.note, ref.status, ref.referrer_id) == (
        "Rita Rao", "+447700900777", "Wants maths", ReferralStatus.NEW, org["sam"].id)
    for kw, words in ((dict(name=""), "name is required"), (dict(phone="+44 12"), "not a valid phone"),
                      (dict(phone="call me"), "not a phone number"), (dict(note="x" * 501), "too long"),
                      (dict(phone=org["pat"].phone), "your own number"),
                      (dict(phone="+447700900777"), "referred already")):
        args = {"name": "Noor", "phone": "+447700900888", "note": "", **kw}
        with pytest.raises(InvalidInput, match=words):
            referrals.refer(db.uow(), Actor.telegram(org["pat"].id), **args)
    with pytest.raises(Forbidden):  # teachers hold no referrals.make
        referrals.refer(db.uow(), web(org["teacher"]), name="Noor", phone="+447700900888")


def test_admins_list_masked_without_pii_full_invite_decline_and_reopen(db, org):
    rid = referrals.refer(db.uow(), Actor.telegram(org["pat"].id), name="Rita Rao", phone="+447700900777")
    full = referrals.list_referrals(db.uow(), web(org["admin"]))
    assert [(r.name, r.phone, r.referrer) for r in full] == [("Rita Rao", "+447700900777", "Pat Parent")]
    with db.uow(readonly=True) as uow:
        assert uow.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "pii.view")).one()[
            "where"] == "console.referrals"
    perms.set_permission(db.uow(), web(org["admin"]), org["admin2"].id, "pii.full", "revoke")
    masked = referrals.list_referrals(db.uow(), web(org["admin2"]))
    assert [(r.name, r.phone, r.referrer) for r in masked] == [("Rita R.", "77****0777", "Pat P.")]
    with pytest.raises(Forbidden):
        referrals.list_referrals(db.uow(), web(org["teacher"]))
    person_id = referrals.invite(db.uow(), web(org["admin"]), rid)
    assert referrals.invite(db.uow(), web(org["admin"]), rid) == person_id  # found, not added twice
    with db.uow(readonly=True) as uow:
        person = uow.session.get(Person, person_id)
        ref = uow.session.get(Referral, rid)
    assert (person.name, person.phone, person.role) == ("Rita Rao", "+447700900777", Role.STUDENT)
    assert (ref.status, ref.person_id) == (ReferralStatus.INVITED, person_id)
    assert referrals.set_status(db.uow(), web(org["admin"]), rid, ReferralStatus.DECLINED)
    assert not referrals.set_status(db.uow(), web(org["admin"]), rid, ReferralStatus.DECLINED)
    with pytest.raises(InvalidInput, match="nobody to invite"):
        referrals.invite(db.uow(), web(org["admin"]), rid)
    assert referrals.set_status(db.uow(), web(org["admin"]), rid, ReferralStatus.NEW)
    assert [r.status for r in referrals.list_referrals(db.uow(), web(org["admin"]), ReferralStatus.NEW)] == [
        ReferralStatus.NEW]


def test_the_referrer_is_thanked_once_when_the_person_enrols(db, org):
    rid = referrals.refer(db.uow(), Actor.telegram(org["sam"].id), name="Rita Rao", phone="+447700900777")
    person_id = referrals.invite(db.uow(), web(org["admin"]), rid)
    other = batches.create_batch(db.uow(), SYSTEM, name="Maths 10")
    batches.enrol(db.uow(), web(org["teacher"]), org["batch"].id, person_id, date(2026, 11, 2))
    assert thanks(db) == [(org["sam"].id, {"referral_id": rid, "name": "Rita Rao"})]
    batches.unenrol(db.uow(), web(org["admin"]), org["batch"].id, person_id, date(2026, 11, 3))
    batches.enrol(db.uow(), web(org["admin"]), org["batch"].id, person_id, date(2026, 11, 4))
    batches.enrol(db.uow(), web(org["admin"]), other.id, person_id, date(2026, 11, 4))
    assert len(thanks(db)) == 1
    with db.uow(readonly=True) as uow:
        ref = uow.session.get(Referral, rid)
        audited = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "referral.enrolled")).one()
    assert ref.status == ReferralStatus.ENROLLED and ref.thanked_at is not None
    assert audited.actor_id == org["teacher"].id


def test_a_roster_csv_enrolling_someone_referred_by_phone_thanks_the_referrer(db, org, make_person):
    rita = make_person(Role.STUDENT, "Rita Rao")  # already on the allowlist when referred: matched by phone
    rid = referrals.refer(db.uow(), Actor.telegram(org["pat"].id), name="Rita", phone=rita.phone)
    roster_import.apply(db.uow(), web(org["admin"]), f"student,batch\n{rita.phone},Physics 10\n", date(2026, 11, 2))
    assert thanks(db) == [(org["pat"].id, {"referral_id": rid, "name": "Rita"})]
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Referral, rid).person_id == rita.id
