"""Dashboard links can be revoked: /revoke, a status or role change, and each link checks its generation."""

from __future__ import annotations

import pytest

from domain.actors import Actor
from domain.errors import Forbidden
from domain.models import PersonStatus, Role
from domain.people import services as people
from tests.auxil.web import client, make_deps

pytestmark = pytest.mark.asyncio


async def test_revoked_and_stale_links_stop_working_new_ones_work(db, make_person):
    me, other = make_person(Role.STUDENT, "Rae Revoke"), make_person(Role.STUDENT)
    deps = make_deps(db)
    old = f"/d/{deps.links.dashboard_token(me.id, db.clock.now())}"
    async with client(deps) as http:
        assert (await http.get(old)).status_code == 200
        with pytest.raises(Forbidden):
            people.revoke_links(db.uow(), Actor.telegram(other.id), me.id)
        generation = people.revoke_links(db.uow(), Actor.telegram(me.id), me.id)
        refused = await http.get(old)
        assert refused.status_code == 403 and "replaced by a newer one" in refused.text
        assert (await http.get(f"{old}/state")).status_code == 403
        fresh = f"/d/{deps.links.dashboard_token(me.id, db.clock.now(), generation)}"
        assert (await http.get(fresh)).status_code == 200

        people.set_role(db.uow(), Actor.system(), me.id, Role.MEMBER)  # a role change revokes too
        assert (await http.get(fresh)).status_code == 403
        newest = f"/d/{deps.links.dashboard_token(me.id, db.clock.now(), people.link_generation(db.uow(), me.id))}"
        people.set_status(db.uow(), Actor.system(), me.id, PersonStatus.DISABLED)
        disabled = await http.get(newest)
        assert disabled.status_code == 403 and "not active" in disabled.text
        people.set_status(db.uow(), Actor.system(), me.id, PersonStatus.ACTIVE)
        assert (await http.get(newest)).status_code == 403  # re-enabled: links from before stay dead
