"""The service desk in the JSON API over HTTP on both databases: list (filtered, searched, paged), get,
create, comment, the transitions, the OpenAPI document, and the one visibility rule."""

from __future__ import annotations

from domain.models import TicketStatus
from domain.tickets import services as desk
from domain.tickets.rows import Contact, TicketSpec
from tests.auxil.web import api_token, client, make_deps


async def test_file_comment_triage_and_resolve_through_the_api(db, world):
    rita, lead, otto = (api_token(db, p.id) for p in (world.rita, world.lead, world.otto))
    async with client(make_deps(db)) as http:
        r = await http.post("/api/tickets", headers=rita, json={
            "team_id": world.facilities.id, "title": "Broken window", "description": "Glass on the floor",
            "fields": {"location": "Hall"}})
        assert r.status_code == 201, r.text
        ticket = r.json()["ticket"]["ticket"]
        tid = ticket["id"]
        assert ticket["status"] == "new" and ticket["fields"] == {"location": "Hall"}
        assert "cancel" in r.json()["ticket"]["actions"] and "accept" not in r.json()["ticket"]["actions"]

        # Another team's lead cannot see it, list it, or act on it.
        assert (await http.get(f"/api/tickets/{tid}", headers=otto)).status_code == 404
        assert (await http.post(f"/api/tickets/{tid}/accept", headers=otto, json={})).status_code == 404
        assert (await http.post(f"/api/tickets/{tid}/comments", headers=otto, json={"text": "hi"})).status_code == 404
        assert (await http.get("/api/tickets", headers=otto)).json()["total"] == 0
        # The requester may not triage their own ticket.
        assert (await http.post(f"/api/tickets/{tid}/accept", headers=rita, json={})).status_code == 403

        r = await http.post(f"/api/tickets/{tid}/accept", headers=lead,
                            json={"assignee_ids": [world.crew.id], "note": "On it"})
        assert r.status_code == 200 and r.json()["changed"] and r.json()["ticket"]["ticket"]["status"] == "accepted"
        r = await http.post(f"/api/tickets/{tid}/comments", headers=lead, json={"text": "Glazier booked",
                                                                               "internal": True})
        assert r.status_code == 201
        r = await http.post(f"/api/tickets/{tid}/comments", headers=rita, json={"text": "Thanks", "internal": True})
        assert r.status_code == 403
        r = await http.post(f"/api/tickets/{tid}/comments", headers=rita, json={"text": "Thanks!"})
        assert r.status_code == 201
        seen = (await http.get(f"/api/tickets/{tid}", headers=rita)).json()
        texts = [e["text"] for e in seen["timeline"] if e["kind"] == "comment"]
        assert texts == ["Thanks!"]  # the internal note never reaches the requester
        staff = (await http.get(f"/api/tickets/{tid}", headers=lead)).json()
        assert {e["channel"] for e in staff["timeline"]} == {"api"}
        assert [e["text"] for e in staff["timeline"] if e["kind"] == "comment"] == ["Glazier booked", "Thanks!"]

        r = await http.post(f"/api/tickets/{tid}/resolve", headers=lead, json={"note": "Replaced"})
        assert r.json()["ticket"]["ticket"]["status"] == TicketStatus.RESOLVED.value
        r = await http.post(f"/api/tickets/{tid}/reopen", headers=rita, json={})
        assert r.status_code == 422  # a reason is needed
        r = await http.post(f"/api/tickets/{tid}/reopen", headers=rita, json={"reason": "Cracked again"})
        assert r.status_code == 200 and r.json()["ticket"]["ticket"]["status"] != "resolved"


async def test_an_outside_contact_is_masked_for_anyone_not_on_the_team(db, world):
    otto, rita = api_token(db, world.otto.id), api_token(db, world.rita.id)
    tid = desk.file_ticket(world.db.uow(), world.actor(world.otto), TicketSpec(
        world.operations.id, "Double charge", fields={"booking_id": "BK-5"}, watcher_ids=[world.rita.id],
        contact=Contact("Zara Guest", "+447700900999", "zara@example.com"))).ticket.id
    async with client(make_deps(db)) as http:
        staff = (await http.get(f"/api/tickets/{tid}", headers=otto)).json()["ticket"]["contact"]
        watcher = (await http.get(f"/api/tickets/{tid}", headers=rita)).json()["ticket"]["contact"]
    assert staff == {"name": "Zara Guest", "phone": "+447700900999", "email": "zara@example.com"}
    assert watcher == {"name": "Zara Guest", "phone": "hidden", "email": "hidden"}


async def test_list_filters_search_paging_and_errors(db, world):
    booking = world.file(team_id=world.operations.id, title="Refund", fields={"booking_id": "BK-4471"})
    world.file(team_id=world.operations.id, title="Seat change", fields={"booking_id": "BK-1000"})
    world.file(title="Leaking tap")
    admin = api_token(db, world.admin.id)
    async with client(make_deps(db)) as http:
        r = await http.get("/api/tickets", headers=admin, params={"q": "BK-4471"})
        assert r.status_code == 200 and [t["id"] for t in r.json()["items"]] == [booking]
        r = await http.get("/api/tickets", headers=admin, params={"team_id": world.operations.id, "limit": 1})
        assert r.json()["total"] == 2 and len(r.json()["items"]) == 1
        r = await http.get("/api/tickets", headers=admin, params={"status": "new", "offset": 2})
        assert r.json()["total"] == 3 and len(r.json()["items"]) == 1
        assert (await http.get("/api/tickets", headers=admin, params={"status": "nope"})).status_code == 400
        assert (await http.get("/api/tickets", headers=admin, params={"limit": "0"})).status_code == 400
        assert (await http.get("/api/tickets")).status_code == 401
        r = await http.post("/api/tickets", headers=admin, json={"team_id": world.operations.id, "title": "x",
                                                                 "colour": "red"})
        assert r.status_code == 422 and "colour" in r.json()["error"]["message"]
        r = await http.post("/api/tickets", headers=admin, json={"team_id": world.operations.id, "title": "No id"})
        assert r.status_code == 422  # the team's required booking id is missing
        once = {**admin, "Idempotency-Key": "file-once-1"}
        body = {"team_id": world.facilities.id, "title": "Lights out", "fields": {"location": "Gym"}}
        first = await http.post("/api/tickets", headers=once, json=body)
        again = await http.post("/api/tickets", headers=once, json=body)
        assert first.status_code == again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
        assert again.json() == first.json()
        doc = (await http.get("/api/openapi.json")).json()
        assert {"/tickets", "/tickets/{ticket_id}", "/tickets/{ticket_id}/comments",
                "/tickets/{ticket_id}/resolve"} <= set(doc["paths"])
        assert doc["paths"]["/tickets"]["get"]["operationId"] == "listTickets"
