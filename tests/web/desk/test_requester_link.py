"""A requester's signed link: their tickets and the public timeline, a comment without signing in; the
link is for its purpose only, expires, and is revoked with the person's other links."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from adapters.attachments import FileAttachments
from domain.actors import Actor
from domain.people import services as people
from domain.tickets import links as desk_links
from domain.tickets import queries as ticket_queries
from domain.tickets import services as desk
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, dashboard_path, make_deps
from tests.domain.files.test_attachment_store import jpeg_with_gps, pdf_bytes


def _path(deps, person_id, **kw):
    return f"/r/{desk_links.requester_token(deps.links, person_id, deps.db.clock.now(), **kw)}"


async def test_the_requester_reads_their_tickets_and_comments_without_signing_in(db, world, clock):
    mine = world.file(title="Leaking tap")
    desk.reject(world.db.uow(), world.actor(world.lead), mine, "Plumber comes Monday anyway")
    other = world.file(world.otto, team_id=world.operations.id, title="Refund", fields={"booking_id": "BK-1"})
    note = world.file(title="Broken lamp")
    desk.comment(world.db.uow(), world.actor(world.lead), note, "Secret supplier note", internal=True)
    deps = make_deps(db)
    base = _path(deps, world.rita.id)
    async with client(deps) as http:
        board = (await http.get(dashboard_path(deps, world.rita.id))).text
        assert 'id="my-requests"' in board and 'href="/r/' in board and 'id="team-tickets"' not in board
        lead_board = (await http.get(dashboard_path(deps, world.lead.id))).text
        assert 'id="team-tickets"' in lead_board
        page = (await http.get(base)).text
        assert f'id="request-{mine}"' in page and f'id="request-{note}"' in page
        assert f'id="request-{other}"' not in page
        page = (await http.get(f"{base}/tickets/{mine}")).text
        assert "Plumber comes Monday anyway" in page
        assert (await http.get(f"{base}/tickets/{other}")).status_code == 404
        page = (await http.get(f"{base}/tickets/{note}")).text
        assert "Secret supplier note" not in page
        r = await http.post(f"{base}/tickets/{note}/comment", data={"csrf": csrf_in(page), "text": "It flickers"})
        assert r.status_code == 303 and r.headers["location"].endswith("?m=commented")
        r = await http.post(f"{base}/tickets/{note}/comment", data={"csrf": "0" * 64, "text": "forged"})
        assert r.status_code == 403
        r = await http.post(f"{base}/tickets/{other}/comment", data={"csrf": csrf_in(page), "text": "sneaky"})
        assert r.status_code == 404
    seen = ticket_queries.get_ticket(db.uow(readonly=True), world.actor(world.lead), note)
    comments = [(e.actor_id, e.text) for e in seen.timeline if e.kind == "comment"]
    assert comments == [(world.lead.id, "Secret supplier note"), (world.rita.id, "It flickers")]


async def test_the_link_is_for_this_purpose_only_expires_and_is_revoked(db, world, clock):
    deps = make_deps(db)
    async with client(deps) as http:
        dashboard_token = dashboard_path(deps, world.rita.id).rsplit("/", 1)[1]
        assert (await http.get(f"/r/{dashboard_token}")).status_code == 403  # another purpose's token
        assert (await http.get("/r/not-a-token")).status_code == 403
        old = desk_links.requester_token(deps.links, world.rita.id, clock.now() - desk_links.TTL - timedelta(1))
        assert (await http.get(f"/r/{old}")).status_code == 410
        fresh = _path(deps, world.rita.id)
        assert (await http.get(fresh)).status_code == 200
        people.revoke_links(db.uow(), Actor.system(), world.rita.id)
        assert (await http.get(fresh)).status_code == 403
        assert (await http.get(_path(deps, world.rita.id, generation=1))).status_code == 200


async def test_the_requester_adds_photos_shown_through_short_lived_signed_links(db, world, tmp_path):
    tid = world.file(title="Cracked window")
    deps = dataclasses.replace(make_deps(db), attachments=FileAttachments(tmp_path / "attachments"))
    base = _path(deps, world.rita.id)
    async with client(deps) as http:
        page = (await http.get(f"{base}/tickets/{tid}")).text
        r = await http.post(f"{base}/tickets/{tid}/comment", data={"csrf": csrf_in(page), "text": ""},
                            files=[("photo", ("crack.jpg", jpeg_with_gps(), "image/jpeg")),
                                   ("photo", ("plan.pdf", pdf_bytes(), "application/pdf"))])
        assert r.status_code == 303, r.text
        page = (await http.get(f"{base}/tickets/{tid}")).text
        photo = re.search(r'<img class="ticket-photo" src="(/files/[^"]+)"', page)
        assert photo and 'href="/files/' in page.split(photo.group(1), 1)[1]  # the PDF, as a link
        shown = await http.get(photo.group(1))
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert b"PhoneMaker" not in shown.content  # kept without its metadata
        r = await http.post(f"{base}/tickets/{tid}/comment", data={"csrf": csrf_in(page), "text": "virus"},
                            files=[("photo", ("cat.jpg", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg"))])
        assert r.status_code == 422 and "executable" in r.text
    detail = ticket_queries.get_ticket(db.uow(readonly=True), world.actor(world.lead), tid)
    assert sorted(a.kind for a in detail.attachments) == ["document", "photo"]
    assert [e.text for e in detail.timeline if e.kind == "comment"] == [None]
    assert len(list((tmp_path / "attachments").rglob("*.*"))) == 2  # the refused file was never kept
    async with client(deps) as http:  # a lead sees the photo on the ticket's page too
        await sign_in(http, db, world.lead)
        assert '<img class="ticket-photo" src="/files/' in (await http.get(f"/admin/tickets/{tid}")).text
