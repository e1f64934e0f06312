"""The console's alerts over HTTP on both databases: the unread badge, read and dismiss, my subscriptions,
an admin's broadcast and the rules page (a non-admin refused)."""

from __future__ import annotations

import re

from domain.actors import Actor
from domain.alerts import rules as alert_rules
from domain.alerts import services as alerts
from domain.models import AlertRule, Priority
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.databases import count
from tests.auxil.web import client, make_deps


def _badge(html: str) -> str | None:
    m = re.search(r'id="alerts-unread"[^>]*>(\d+)<', html)
    return m.group(1) if m else None


async def test_badge_read_dismiss_and_subscriptions(db, world):
    world.file(title="Gas smell", priority=Priority.URGENT)
    world.file(title="Water everywhere", priority=Priority.URGENT)
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.lead)
        page = await http.get("/admin/tickets")
        assert _badge(page.text) == "2"
        page = await http.get("/admin/alerts")
        assert "Urgent request #1: Gas smell" in page.text and "Urgent request #2: Water everywhere" in page.text
        first, second = (int(i) for i in re.findall(r'id="alert-(\d+)"', page.text)[::-1])
        token = csrf_in(page.text)
        r = await http.post(f"/admin/alerts/{first}/read", data={"csrf": token})
        assert (r.status_code, r.headers["location"]) == (303, "/admin/alerts?m=read")
        page = await http.get("/admin/alerts")
        assert _badge(page.text) == "1" and f'id="alert-{first}"' in page.text
        r = await http.post(f"/admin/alerts/{second}/dismiss", data={"csrf": token})
        page = await http.get("/admin/alerts")
        assert _badge(page.text) is None and f'id="alert-{second}"' not in page.text
        form = {"csrf": token, "on_sla_breach": "1", "ch_sla_breach": "both", "ch_critical_item": "telegram"}
        r = await http.post("/admin/alerts/subscriptions", data=form)
        assert r.headers["location"] == "/admin/alerts?m=subs"
        r = await http.post(f"/admin/alerts/{first}/dismiss", data={"csrf": csrf_in(page.text)})
        assert r.status_code == 303
        r = await http.post("/admin/alert-rules/sla_breach", data={"csrf": token, "severity": "info"})
        assert r.status_code == 403
    mine = {s.type: s for s in alert_rules.my_subscriptions(db.uow(readonly=True), Actor.web(world.lead.id, None))}
    assert mine["sla_breach"].channel == "both" and mine["sla_breach"].enabled and not mine["critical_item"].enabled
    world.file(title="Third", priority=Priority.URGENT)  # unsubscribed from critical_item: not told
    assert alerts.list_unread(db.uow(readonly=True), Actor.web(world.lead.id, None)) == []


async def test_admin_rules_and_broadcast(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        page = await http.get("/admin/alert-rules")
        assert page.status_code == 200 and 'id="rule-sla_breach"' in page.text and "Facilities" in page.text
        token = csrf_in(page.text)
        form = {"csrf": token, "enabled": "1", "severity": "warning", "threshold": "30", "window": "0",
                "roles": ["admin"], "teams": [str(world.facilities.id)], "people": ""}
        r = await http.post("/admin/alert-rules/sla_at_risk", data=form)
        assert (r.status_code, r.headers["location"]) == (303, "/admin/alert-rules?m=rule")
        r = await http.post("/admin/alert-rules/sla_at_risk", data={**form, "severity": "loud"})
        assert r.status_code == 422
        r = await http.post("/admin/alerts/broadcast", data={"csrf": token, "title": "Fire drill at 11",
                                                             "text": "Meet outside", "roles": ["member"],
                                                             "teams": "", "groups": "", "severity": "info"})
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/alerts?sent=")
        told = int(r.headers["location"].split("=")[1])
    assert count(db, AlertRule) == 1
    view = alert_rules.list_rules(db.uow(readonly=True), Actor.web(world.admin.id, None))
    at_risk = next(r for r in view.rules if r.type == "sla_at_risk")
    assert (at_risk.threshold, at_risk.teams, at_risk.severity) == (30, (world.facilities.id,), "warning")
    members = [p for p in (world.lead, world.crew, world.crew2, world.nina, world.rita, world.otto, world.outsider)
               if p.role.value == "member"]
    assert told == len(members) and told > 0
    assert [a.title for a in alerts.list_unread(db.uow(readonly=True), Actor.web(members[0].id, None))] == [
        "Fire drill at 11"]


async def test_rule_and_broadcast_forms_offer_names_not_ids(db, world):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, world.admin)
        rules = await http.get("/admin/alert-rules")
        assert f'<option value="{world.lead.id}"' in rules.text and 'name="people" multiple' in rules.text
        own = (await http.get("/admin/alerts")).text
        assert f'name="teams" value="{world.facilities.id}"> Facilities' in own and "(ids)" not in own
        token = csrf_in(rules.text)
        r = await http.post("/admin/alert-rules/sla_breach", data={
            "csrf": token, "enabled": "1", "severity": "urgent", "window": "0", "people": [str(world.lead.id)]})
        assert r.status_code == 303
        r = await http.post("/admin/alerts/broadcast", data={"csrf": csrf_in(own), "title": "Team meeting",
                                                             "teams": [str(world.facilities.id)], "severity": "info"})
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/alerts?sent=")
    view = alert_rules.list_rules(db.uow(readonly=True), Actor.web(world.admin.id, None))
    assert next(r for r in view.rules if r.type == "sla_breach").people == (world.lead.id,)
    assert "Team meeting" in [a.title for a in alerts.list_unread(db.uow(readonly=True), Actor.web(world.lead.id, None))]
