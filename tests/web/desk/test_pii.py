"""Permissions and PII over HTTP on both databases: an admin whose pii.full is revoked (on the console,
audited with the user agent) sees masked phones, e-mails and names on every surface people's data leaves
by; an admin with full access sees them whole, and each such view or export is audited."""

from __future__ import annotations

from sqlalchemy import select, update

from domain.actors import Actor
from domain.alerts import services as alerts
from domain.errors import Forbidden
from domain.groups import services as groups
from domain.mail import channels
from domain.models import AuditEntry, Person, Role
from domain.ops import backups, delivery_email
from domain.people import queries as people_queries
from domain.perms import services as perms
from domain.perms.catalogue import PERMISSIONS, PII_FULL
from domain.perms.check import can
from domain.pii import mask_email, mask_name, mask_phone, redact_text, redactor
from domain.reminders import briefs
from domain.tickets.rows import Contact
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import api_token, client, make_deps

AGENT = {"user-agent": "PermsTest/1.0 (audit)"}


def test_masks():
    assert mask_phone("+919876543210") == "98****3210"
    assert mask_phone("+447700900006") == "77****0006"
    assert mask_email("john@example.com") == "j***@example.com"
    assert mask_name("Rita Requester") == "Rita R." and mask_name("Rita") == "Rita"
    assert mask_phone(None) is None and mask_email(None) is None


def test_a_text_quoting_people_is_redacted_for_its_reader(db, world, make_person):
    bea = make_person(Role.ADMIN, "Bea Boss")
    perms.set_permission(db.uow(), Actor.system(), bea.id, PII_FULL, "revoke")
    channels.set_email(db.uow(), Actor.web(world.admin.id, None), "rita@example.com", world.rita.id)
    with db.uow(readonly=True) as uow:
        rita = uow.session.get(Person, world.rita.id)
        text = f"Call {rita.name} on {rita.phone} or write to {rita.email}."
        for reader, whole in ((bea, False), (world.admin, True)):
            me = uow.session.get(Person, reader.id)
            out = redact_text(text, [rita], redactor(uow.session, Actor.web(me.id, None), me, "test", uow.now))
            assert (rita.phone in out, "rita@example.com" in out) == (whole, whole), out
            assert whole or (mask_phone(rita.phone) in out and "r***@example.com" in out)


def test_role_defaults_reproduce_today_and_overrides_change_them(db, world, make_person, tmp_path):
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    with db.uow(readonly=True) as uow:
        admin, t = uow.session.get(Person, world.admin.id), uow.session.get(Person, teacher.id)
        assert all(can(uow.session, admin, p) for p in PERMISSIONS)
        assert can(uow.session, t, "tasks.assign") and not can(uow.session, t, "people.manage")
        assert not can(uow.session, t, PII_FULL)
    ada = Actor.web(world.admin.id, "127.0.0.1")
    try:
        people_queries.list_people(db.uow(), Actor.web(teacher.id, None))
        raise AssertionError("a teacher listed people")
    except Forbidden:
        pass
    perms.set_permission(db.uow(), ada, teacher.id, "people.manage", "grant")
    assert any(p.id == teacher.id for p in people_queries.list_people(db.uow(), Actor.web(teacher.id, None)))
    bea = make_person(Role.ADMIN, "Bea Boss")
    perms.set_permission(db.uow(), ada, bea.id, "backups.run", "revoke")
    try:
        backups.overview(db.uow(), Actor.web(bea.id, None), tmp_path)
        raise AssertionError("a revoked backups.run still lists backups")
    except Forbidden:
        pass
    perms.set_permission(db.uow(), ada, bea.id, "backups.run", "default")
    backups.overview(db.uow(), Actor.web(bea.id, None), tmp_path)
    try:
        perms.set_permission(db.uow(), ada, world.admin.id, PII_FULL, "revoke")
        raise AssertionError("an admin changed their own permissions")
    except Exception as exc:  # InvalidInput
        assert "your own" in str(exc)


async def test_a_viewer_without_full_access_sees_masked_values_everywhere(db, world, make_person):
    bea = make_person(Role.ADMIN, "Bea Boss")
    ada = Actor.web(world.admin.id, "127.0.0.1")
    channels.set_email(db.uow(), ada, "rita@example.com", world.rita.id)
    with db.uow() as uow:  # a mail server refused Rita's address (the delivery page lists it)
        uow.session.execute(update(Person).where(Person.id == world.rita.id)
                            .values(email_unreachable_at=uow.now))
        uow.commit()
    tid = world.file(world.otto, team_id=world.operations.id, title="Double charge",
                     fields={"booking_id": "BK-5"},
                     contact=Contact("Zara Guest", "+447700900999", "zara@example.com"))
    group = groups.create_group(db.uow(), ada, "Desk group", [world.rita.id])
    rita_phone = world.rita.phone
    rita_masked = mask_phone(rita_phone)
    assert rita_masked == rita_phone[3:5] + "****" + rita_phone[-4:]

    # Ada revokes Bea's full access on the console; the change is audited with the user agent.
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = await http.get(f"/admin/people/{bea.id}/permissions")
        assert page.status_code == 200 and "pii.full" in page.text
        r = await http.post(f"/admin/people/{bea.id}/permissions", headers=AGENT, data={
            "csrf": csrf_in(page.text), "permission": PII_FULL, "change": "revoke"})
        assert r.status_code == 303
        assert 'id="perm-pii-full" data-held="no"' in (await http.get(r.headers["location"])).text
    with db.uow(readonly=True) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "permission.revoke")).one()
        assert (entry.actor_id, entry.object_id, entry.user_agent) == (world.admin.id, str(bea.id), AGENT["user-agent"])
        assert entry.details["permission"] == PII_FULL

    async with client(make_deps(db)) as http:
        await sign_in(http, db, bea)
        surfaces = {
            "people": (await http.get("/admin/people", headers=AGENT)).text,
            "csv": (await http.get("/admin/people.csv", headers=AGENT)).text,
            "ticket": (await http.get(f"/admin/tickets/{tid}")).text,
            "group": (await http.get(f"/admin/groups/{group.id}")).text,
            "api": (await http.get(f"/api/tickets/{tid}", headers=api_token(db, bea.id))).text,
            "tickets": (await http.get("/admin/tickets")).text,
            "tickets.csv": (await http.get("/admin/tickets.csv")).text,
            "api.tickets": (await http.get("/api/tickets", headers=api_token(db, bea.id))).text,
            "queue": (await http.get("/admin/queue")).text,
            "alerts": (await http.get("/admin/alerts")).text,
        }
    email_page = delivery_email.email_overview(db.uow(), Actor.web(bea.id, None))
    surfaces["delivery"] = repr(email_page.refused)
    surfaces["brief"] = repr(briefs.compose(db.uow(readonly=True), bea.id, "UTC"))
    surfaces["alert list"] = repr(alerts.list_mine(db.uow(readonly=True), Actor.telegram(bea.id)))
    for where, text in surfaces.items():
        for whole in (rita_phone, "rita@example.com", "+447700900999", "zara@example.com"):
            assert whole not in text, (where, whole)
    assert rita_masked in surfaces["group"]
    for where in ("people", "csv"):
        assert rita_masked in surfaces[where] and "Rita R." in surfaces[where], where
        assert "Rita Requester" not in surfaces[where], where
    assert "r***@example.com" in surfaces["people"] and "r***@example.com" in surfaces["delivery"]
    for where in ("ticket", "api", "tickets.csv"):
        assert "77****0999" in surfaces[where] and "z***@example.com" in surfaces[where], where
        assert "Zara G." in surfaces[where], where
    with db.uow(readonly=True) as uow:
        assert uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "pii.view")).all() == []

    # Ada has full access: she sees the values whole, and each view and export is audited (who, whose, where).
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        listing = (await http.get("/admin/people", headers=AGENT)).text
        export = (await http.get("/admin/people.csv", headers=AGENT)).text
        audit_page = (await http.get("/admin/audit", params={"action": "pii.view"})).text
    assert audit_page.count(AGENT["user-agent"]) >= 2  # the audit page shows the agent beside the IP
    assert rita_phone in listing and "rita@example.com" in listing and rita_phone in export
    with db.uow(readonly=True) as uow:
        views = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "pii.view")
                                    .order_by(AuditEntry.id)).all()
    assert [v.details["where"] for v in views] == ["console.people", "csv.people"]
    for v in views:
        assert v.actor_id == world.admin.id and v.user_agent == AGENT["user-agent"] and v.ip
        assert world.rita.id in v.details["whose"] and world.admin.id not in v.details["whose"]

    # The ticket's outside contact seen whole (console, API, CSV) is audited too: who, whose, where, IP, agent.
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        shown = (await http.get(f"/admin/tickets/{tid}", headers=AGENT)).text
        await http.get(f"/api/tickets/{tid}", headers={**AGENT, **api_token(db, world.admin.id)})
        await http.get("/admin/tickets.csv", headers=AGENT)
    assert "+447700900999" in shown or "07700 900999" in shown
    with db.uow(readonly=True) as uow:
        seen = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "pii.view",
                                                            AuditEntry.object_type == "ticket")
                                   .order_by(AuditEntry.id)).all()
    assert [v.details["where"] for v in seen] == ["console.ticket", "api.ticket", "csv.tickets"]
    for v in seen:
        assert v.actor_id == world.admin.id and v.user_agent == AGENT["user-agent"] and v.ip
        assert len(v.details["whose"]) == 1 and v.details["whose"][0].startswith("Zara Guest (contact of #")
        assert tid in v.details["tickets"]
