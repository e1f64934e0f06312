"""A requester's signed link: their tickets and the public timeline, a comment without signing in; the
link is for its purpose only, expires, and is revoked with the person's other links."""

from __future__ import annotations

from datetime import timedelta

from domain.actors import Actor
from domain.people import services as people
from domain.tickets import links as desk_links
from domain.tickets import queries as ticket_queries
from domain.tickets import services as desk
from tests.auxil.console import csrf_in
from tests.auxil.web import client, dashboard_path, make_deps


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
        assert 'id="my-requests"' in board and 'href="/r/' in board
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
