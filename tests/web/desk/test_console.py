"""The service desk in the console over HTTP, on both databases: the ticket list (filters, search, CSV with
the formula guard), a ticket's page and its actions, team pages, and who may see what."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

from adapters.attachments import FileAttachments
from domain.models import TicketStatus
from domain.teams import queries as team_queries
from domain.tickets import queries as ticket_queries
from domain.tickets import services as desk
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps
from tests.domain.files.test_attachment_store import jpeg_with_gps
from web.nonces import new_nonce

NONCE = 'name="nonce" value="'


def _form(html: str, **fields: object) -> dict[str, object]:
    """The page's tokens (a page without forms: a fresh nonce) with `fields`."""
    nonce = html.split(NONCE, 1)[1].split('"', 1)[0] if NONCE in html else new_nonce()
    return {"csrf": csrf_in(html), "nonce": nonce, **fields}


def _status(world, tid):
    return ticket_queries.get_ticket(world.db.uow(readonly=True), world.actor(world.admin), tid).status


async def test_the_list_filters_searches_and_exports_what_the_viewer_may_see(db, world):
    booking = world.file(team_id=world.operations.id, title="=HYPERLINK(\"http://evil\")",
                         fields={"booking_id": "BK-4471"})
    tap = world.file(title="Leaking tap")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = (await http.get("/admin/tickets")).text
        assert f'id="ticket-{booking}"' in page and f'id="ticket-{tap}"' in page and 'href="/admin/tickets"' in page
        found = (await http.get("/admin/tickets", params={"q": "BK-4471"})).text
        assert f'id="ticket-{booking}"' in found and f'id="ticket-{tap}"' not in found
        by_team = (await http.get("/admin/tickets", params={"team_id": world.facilities.id, "status": "new"})).text
        assert f'id="ticket-{tap}"' in by_team and f'id="ticket-{booking}"' not in by_team
        by_requester = (await http.get("/admin/tickets", params={"requester_id": world.otto.id})).text
        assert "No tickets match." in by_requester
        dated = (await http.get("/admin/tickets", params={"from": "2026-11-03", "to": "2026-11-09"})).text
        assert "No tickets match." in dated  # filed on 2 November (the test clock)
        export = await http.get("/admin/tickets.csv", params={"team_id": world.operations.id})
        assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert [r["title"] for r in rows] == ["'=HYPERLINK(\"http://evil\")"]  # the formula guard
        assert rows[0]["fields"] == "booking_id=BK-4471"
    async with client(make_deps(db)) as http:  # a Facilities lead sees Facilities only
        await sign_in(http, db, world.lead)
        page = (await http.get("/admin/tickets")).text
        assert f'id="ticket-{tap}"' in page and f'id="ticket-{booking}"' not in page
        assert (await http.get(f"/admin/tickets/{booking}")).status_code == 404
        assert "BK-4471" not in (await http.get("/admin/tickets.csv")).text
        assert (await http.get("/admin/teams")).status_code == 403


async def test_a_lead_accepts_assigns_and_resolves_and_another_team_cannot_act(db, world):
    tid = world.file(title="Leaking tap", description="Drips all night")
    desk.comment(world.db.uow(), world.actor(world.rita), tid, "Still dripping")
    async with client(make_deps(db)) as http:  # Otto leads Operations, not Facilities
        await sign_in(http, db, world.otto)
        own = (await http.get("/admin/tickets")).text
        r = await http.post(f"/admin/tickets/{tid}/accept", data=_form(own, assignee_id=str(world.otto.id)))
        assert r.status_code == 404 and _status(world, tid) == TicketStatus.NEW
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.lead)
        page = (await http.get(f"/admin/tickets/{tid}")).text
        assert "Drips all night" in page and "Still dripping" in page and 'id="reject-form"' in page
        assert 'data-field="location"' in page and "Room 4" in page
        r = await http.post(f"/admin/tickets/{tid}/accept", data=_form(
            page, assignee_id=[str(world.crew.id), str(world.crew2.id)]))
        assert r.status_code == 303 and r.headers["location"] == f"/admin/tickets/{tid}?m=ticket_changed"
        page = (await http.get(r.headers["location"])).text
        assert _status(world, tid) == TicketStatus.ACCEPTED and "Carl Crew, Cora Crew" in page
        assert re.search(r"assigned\s+<span class=\"assigned\">Carl Crew, Cora Crew</span>", page)
        r = await http.post(f"/admin/tickets/{tid}/comment", data=_form(page, text="Parts ordered", internal="1"))
        assert r.status_code == 303
        page = (await http.get(f"/admin/tickets/{tid}")).text
        assert "noted (internal)" in page and "Parts ordered" in page
        assert "via web · 127.0.0.1" in page and "via telegram" in page  # channel and IP, for staff
        r = await http.post(f"/admin/tickets/{tid}/resolve", data=_form(page, note="New washer"))
        assert r.status_code == 303 and _status(world, tid) == TicketStatus.RESOLVED
        page = (await http.get(f"/admin/tickets/{tid}")).text
        r = await http.post(f"/admin/tickets/{tid}/reopen", data=_form(page, reason=""))
        assert r.status_code == 422 and _status(world, tid) == TicketStatus.RESOLVED
        page = (await http.get(f"/admin/tickets/{tid}")).text
        r = await http.post(f"/admin/tickets/{tid}/reopen", data=_form(page, reason="Dripping again"))
        assert r.status_code == 303 and _status(world, tid) != TicketStatus.RESOLVED
    rita_view = ticket_queries.get_ticket(world.db.uow(readonly=True), world.actor(world.rita), tid)
    assert "Parts ordered" not in [e.text for e in rita_view.timeline]


async def test_reject_and_cancel_from_the_page(db, world):
    first, second = world.file(title="Paint the hall"), world.file(title="Fix the gate")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.lead)
        page = (await http.get(f"/admin/tickets/{first}")).text
        r = await http.post(f"/admin/tickets/{first}/reject", data=_form(page, reason="Not ours: ask the council"))
        assert r.status_code == 303 and _status(world, first) == TicketStatus.REJECTED
        assert "Not ours: ask the council" in (await http.get(f"/admin/tickets/{first}")).text
        page = (await http.get(f"/admin/tickets/{second}")).text
        r = await http.post(f"/admin/tickets/{second}/cancel", data=_form(page, reason="Duplicate"))
        assert r.status_code == 303 and _status(world, second) == TicketStatus.CANCELLED


async def test_team_pages_set_members_fields_and_the_cc_list(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = (await http.get("/admin/teams")).text
        assert "Facilities" in page and "Lena Lead" in page
        r = await http.post("/admin/teams", data=_form(page, name="Transport", fields="route | Route | required"))
        assert r.status_code == 303
        team_path = r.headers["location"].split("?")[0]
        team_id = int(team_path.rsplit("/", 1)[1])
        page = (await http.get(team_path)).text
        assert "route | Route | required" in page
        r = await http.post(f"{team_path}/members", data=_form(page, add_id=str(world.crew.id), add_lead="1",
                                                                add_new="1"))
        assert r.status_code == 303
        page = (await http.get(team_path)).text
        r = await http.post(f"{team_path}/members", data=_form(
            page, person_id=str(world.crew.id), **{f"keep_{world.crew.id}": "1", f"lead_{world.crew.id}": "1"},
            add_id=str(world.nina.id), add_resolved="1"))
        assert r.status_code == 303
        row = team_queries.get_team(db.uow(readonly=True), world.actor(world.admin), team_id)
        assert [(m.name, m.is_lead, m.notify_new, m.notify_resolved) for m in row.members] == [
            ("Carl Crew", True, False, False), ("Nina Notify", False, False, True)]
        assert [(f.key, f.label, f.required) for f in row.fields] == [("route", "Route", True)]
        page = (await http.get(team_path)).text
        r = await http.post(team_path, data=_form(page, name="Transport", fields="route | Route\nbus | Bus",
                                                  file_kinds="docx, .xlsx ../etc"))
        assert r.status_code == 303
        row = team_queries.get_team(db.uow(readonly=True), world.actor(world.admin), team_id)
        assert [(f.key, f.required) for f in row.fields] == [("route", False), ("bus", False)]
        assert row.options["file_kinds"] == ["docx", "xlsx"] and "docx" in row.file_kinds
        page = (await http.get("/admin/teams")).text
        r = await http.post("/admin/teams/cc", data=_form(page, person_id=[str(world.admin.id), str(world.rita.id)]))
        assert r.status_code == 303
        cc = team_queries.org_cc(db.uow(readonly=True), world.actor(world.admin))
        assert sorted(p.id for p in cc) == sorted([world.admin.id, world.rita.id])


async def test_filing_from_the_console_with_fields_a_contact_and_a_photo(db, world, tmp_path):
    deps = dataclasses.replace(make_deps(db), attachments=FileAttachments(tmp_path / "attachments"))
    async with client(deps) as http:
        await sign_in(http, db, world.otto)
        page = (await http.get("/admin/tickets/new")).text
        assert f'name="field_{world.operations.id}_booking_id"' in page
        base = {"team_id": str(world.operations.id), "title": "Refund for a late shuttle"}
        r = await http.post("/admin/tickets/new", data=_form(page, **base))
        assert r.status_code == 422 and 'id="form-error"' in r.text  # the required booking id
        r = await http.post("/admin/tickets/new", data=_form(
            r.text, **base, **{f"field_{world.operations.id}_booking_id": "BK-777",
                               f"field_{world.facilities.id}_location": "ignored"},
            contact_name="Zara Guest", contact_phone="+447700900999"),
            files=[("photo", ("receipt.jpg", jpeg_with_gps(), "image/jpeg"))])
        assert r.status_code == 303 and r.headers["location"].endswith("?m=filed"), r.text
        tid = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
        page = (await http.get(r.headers["location"])).text
        assert "Request filed." in page and '<img class="ticket-photo" src="/files/' in page
    otto_view = ticket_queries.get_ticket(db.uow(readonly=True), world.actor(world.otto), tid)
    assert otto_view.row.fields == {"booking_id": "BK-777"} and otto_view.row.contact.phone == "+447700900999"
    assert [a.kind for a in otto_view.attachments] == ["photo"]
    async with client(deps) as http:  # not on the team: Rita may not file for an outsider
        await sign_in(http, db, world.rita)
        page = (await http.get("/admin/tickets/new")).text
        r = await http.post("/admin/tickets/new", data=_form(
            page, team_id=str(world.facilities.id), title="For my friend", contact_name="Friend"),
            files=[("photo", ("door.jpg", jpeg_with_gps(), "image/jpeg"))])
        assert r.status_code == 403
    assert len(list((tmp_path / "attachments").rglob("*.*"))) == 1  # the refused request kept no file
