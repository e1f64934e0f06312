"""The console's SLA page (admins) over HTTP on both databases: the defaults per team and priority, a
policy saved (validated, audited, the open tickets recomputed), the business calendar, a lead refused."""

from __future__ import annotations

from datetime import timedelta

from domain.models import AuditEntry, Ticket
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.databases import count
from tests.auxil.web import client, make_deps


def _due(db, tid):
    with db.uow(readonly=True) as uow:
        return uow.session.get(Ticket, tid).first_response_due_at


async def test_an_admin_sets_a_policy_and_the_calendar(db, world, clock):
    tid = world.file()
    start = clock.now()
    fac = world.facilities.id
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = await http.get("/admin/sla")
        assert page.status_code == 200 and ">SLA</a>" in page.text
        assert f'id="p-{fac}-urgent"' in page.text and 'value="1h"' in page.text and 'value="4h"' in page.text
        token = csrf_in(page.text)
        form = {"csrf": token, "team_id": str(fac), "priority": "normal", "first_response": "2x",
                "resolution": "8h", "business_hours": "no"}
        r = await http.post("/admin/sla/policy", data=form)
        assert r.status_code == 422 and "write minutes (90), hours (4h) or days (3d)" in r.text
        r = await http.post("/admin/sla/policy", data={**form, "first_response": "90"})
        assert (r.status_code, r.headers["location"]) == (303, "/admin/sla?m=policy")
        assert _due(db, tid) == start + timedelta(minutes=90)
        page = await http.get(r.headers["location"])
        assert "the open tickets were recomputed" in page.text and 'value="90m"' in page.text
        assert f'id="p-{fac}-normal-reset"' in page.text
        assert count(db, AuditEntry, AuditEntry.action == "sla.policy") == 1

        r = await http.post("/admin/sla/calendar", data={"csrf": token, "day": ["1", "2"], "start": "18:00",
                                                         "end": "09:00", "holidays": ""})
        assert r.status_code == 422 and "must end after it starts" in r.text
        r = await http.post("/admin/sla/calendar", data={"csrf": token, "day": ["1", "2", "3"], "start": "08:00",
                                                         "end": "17:00", "holidays": "2026-12-25\n2027-01-01"})
        assert r.headers["location"] == "/admin/sla?m=calendar"
        page = await http.get("/admin/sla")
        assert "2026-12-25\n2027-01-01" in page.text and 'value="08:00"' in page.text
        assert count(db, AuditEntry, AuditEntry.action == "sla.calendar") == 1

        r = await http.post("/admin/sla/policy", data={"csrf": token, "team_id": str(fac), "priority": "normal",
                                                       "reset": "1"})
        assert r.headers["location"] == "/admin/sla?m=reset" and _due(db, tid) == start + timedelta(hours=24)


async def test_a_lead_may_not_see_the_sla_page(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.lead)
        assert (await http.get("/admin/sla")).status_code == 403
