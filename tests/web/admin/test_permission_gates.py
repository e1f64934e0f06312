"""Console pages open by named permission, not by role: a teacher granted people.manage (and the others)
opens their pages and sees them in the nav; without the grant the page refuses. Task review checks
tasks.review in the service: an admin whose grant is revoked cannot accept."""

from __future__ import annotations

import pytest

from domain.actors import Actor
from domain.alerts import services as alerts
from domain.attendance import batches
from domain.errors import Forbidden
from domain.models import Role
from domain.perms import services as perms
from domain.tasks import services as tasks
from taskbell.demo_ops import seed_permissions
from tests.auxil.console import sign_in
from tests.auxil.web import client, make_deps
from tests.factories import assign_one

PAGES = {"people.manage": "/admin/people", "settings.manage": "/admin/settings", "ops.admin": "/admin/sla",
         "alerts.manage": "/admin/alert-rules", "audit.read": "/admin/audit", "delivery.manage": "/admin/delivery"}


async def test_a_teacher_opens_the_pages_of_the_permissions_granted(db, make_person):
    admin, tess = make_person(Role.ADMIN, "Ada Admin"), make_person(Role.TEACHER, "Tess Teacher")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, tess)
        for name, path in PAGES.items():
            r = await http.get(path)
            assert r.status_code == 403 and name in r.text and "Not for you" in r.text, path
        nav = (await http.get("/admin/tasks")).text
        assert 'href="/admin/people"' not in nav and 'href="/admin/audit"' not in nav
        perms.set_permission(db.uow(), Actor.web(admin.id, None), tess.id, "people.manage", "grant")
        r = await http.get("/admin/people")
        assert r.status_code == 200 and "Ada A." in r.text and 'href="/admin/people"' in r.text
        assert (await http.get(f"/admin/people/{admin.id}/permissions")).status_code == 200
        assert (await http.get("/admin/settings")).status_code == 403
        for name in ("settings.manage", "ops.admin", "alerts.manage", "audit.read", "delivery.manage"):
            perms.set_permission(db.uow(), Actor.web(admin.id, None), tess.id, name, "grant")
        for path in PAGES.values():
            assert (await http.get(path)).status_code == 200, path
        nav = (await http.get("/admin/tasks")).text
        assert 'href="/admin/sla"' in nav and 'href="/admin/settings"' in nav and 'href="/admin/audit"' in nav
        assert 'href="/admin/backups"' not in nav
        assert 'href="/admin/alert-rules"' in (await http.get("/admin/alerts")).text


def test_an_admin_without_tasks_review_cannot_accept(db, make_person):
    ada, bea, sam = (make_person(Role.ADMIN, "Ada Admin"), make_person(Role.ADMIN, "Bea Boss"),
                     make_person(Role.STUDENT, "Sam Student"))
    task = assign_one(db, bea, sam, "Essay", requires_review=True)
    tasks.complete_task(db.uow(), Actor.telegram(sam.id), task)
    perms.set_permission(db.uow(), Actor.web(ada.id, None), bea.id, "tasks.review", "revoke")
    with pytest.raises(Forbidden):
        tasks.approve_task(db.uow(), Actor.telegram(bea.id), task)
    with pytest.raises(Forbidden):
        tasks.reopen_task(db.uow(), Actor.telegram(bea.id), task, "Again")
    perms.set_permission(db.uow(), Actor.web(ada.id, None), bea.id, "tasks.review", "default")
    assert tasks.approve_task(db.uow(), Actor.telegram(bea.id), task).changed


def test_the_demo_grants_reach_their_services(db, make_person):
    meera, raj = make_person(Role.TEACHER, "Meera Iyer"), make_person(Role.MEMBER, "Raj Patel")
    with pytest.raises(Forbidden):
        alerts.broadcast(db.uow(), Actor.telegram(raj.id), "Fire drill", "At 11", roles=["member"])
    assert seed_permissions(db, {"meera": meera.id, "raj": raj.id}) == "2 permission grants"
    assert alerts.broadcast(db.uow(), Actor.telegram(raj.id), "Fire drill", "At 11", roles=["member"]) >= 1
    made = batches.create_batch(db.uow(), Actor.telegram(meera.id), name="Year 8 Chemistry", subject="Chemistry",
                                level="8", teacher_ids=[meera.id])
    assert made.name == "Year 8 Chemistry"
