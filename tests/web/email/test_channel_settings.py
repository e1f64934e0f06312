"""The channel settings page behind a signed link (both databases): show, change, one-click unsubscribe."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.actors import Actor
from domain.email_actions import SignedMailLinks
from domain.links import LinkSigner
from domain.mail import channels
from domain.models import AuditEntry, Notification, Role
from tests.auxil.web import BASE_URL, KEYS, client, make_deps
from tests.web.dashboard.test_dashboard import snapshot


def settings_path(db, person_id: int) -> str:
    return SignedMailLinks(LinkSigner(KEYS), BASE_URL, db).settings_url(person_id)[len(BASE_URL):]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def chosen(db, person_id: int) -> dict[str, str]:
    return channels.channel_choices(db.uow(readonly=True), Actor.system(), person_id).chosen


async def test_settings_change_by_signed_link_and_get_changes_nothing(db, make_person, clock):
    me = make_person(Role.PARENT, "Pat Parent")
    channels.set_email(db.uow(), Actor.system(), "pat@example.org", me.id)
    path = settings_path(db, me.id)
    before = snapshot(db)
    async with client(make_deps(db)) as http:
        page = await http.get(path)
        assert page.status_code == 200 and "Pat Parent" in page.text
        assert 'name="ch_tasks" value="telegram" aria-label="Tasks: telegram" checked' in page.text
        assert snapshot(db) == before
        saved = await http.post(path, data={"csrf": csrf_of(page.text), "ch_tasks": "both", "ch_briefs": "email"})
        assert saved.status_code == 303
        assert chosen(db, me.id)["tasks"] == "both" and chosen(db, me.id)["briefs"] == "email"
        assert chosen(db, me.id)["alerts"] == "telegram"
        shown = await http.get(saved.headers["location"])
        assert "Saved." in shown.text and 'value="both" aria-label="Tasks: both" checked' in shown.text
        bad = await http.post(path, data={"csrf": csrf_of(page.text), "ch_tasks": "pigeon"})
        assert bad.status_code == 400 and 'id="channels-error"' in bad.text
        assert chosen(db, me.id)["tasks"] == "both"
        stale = await http.post(path, data={"csrf": "0" * 64, "ch_tasks": "email"})
        assert stale.status_code == 403 and chosen(db, me.id)["tasks"] == "both"
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.channels")) is not None


async def test_one_click_unsubscribe_switches_email_off_for_that_group_only(db, make_person, clock):
    me = make_person(Role.TEACHER, "Tess Teacher")
    channels.set_channels(db.uow(), Actor.system(), {"tasks": "both", "briefs": "email"}, me.id)
    path = settings_path(db, me.id)
    async with client(make_deps(db)) as http:
        confirm = await http.get(f"{path}/unsubscribe/briefs")
        assert confirm.status_code == 200 and chosen(db, me.id)["briefs"] == "email"  # a GET changes nothing
        # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", with no form token of ours
        done = await http.post(f"{path}/unsubscribe/briefs", data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 303
        assert chosen(db, me.id) == {**chosen(db, me.id), "briefs": "telegram", "tasks": "both"}
        assert (await http.post(f"{path}/unsubscribe/nonsense")).status_code == 404
        forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
        assert (await http.post(f"{forged}/unsubscribe/tasks")).status_code == 403
        assert chosen(db, me.id)["tasks"] == "both"
        # List-Unsubscribe names the settings page itself: a one-click POST there turns email off everywhere
        assert (await http.post(forged, data={"List-Unsubscribe": "One-Click"})).status_code == 403
        assert chosen(db, me.id)["tasks"] == "both"
        everything = await http.post(path, data={"List-Unsubscribe": "One-Click"})
        assert everything.status_code == 303 and set(chosen(db, me.id).values()) == {"telegram"}


async def test_the_dashboard_links_to_the_settings_page(db, make_person):
    me = make_person(Role.STUDENT, "Sam Student")
    deps = make_deps(db)
    async with client(deps) as http:
        board = await http.get(f"/d/{deps.links.dashboard_token(me.id, db.clock.now())}")
        link = re.search(r'href="(/e/settings/[^"]+)" id="channels-link"', board.text).group(1)
        page = await http.get(link)
        assert page.status_code == 200 and "Sam Student" in page.text


async def test_verify_the_address_from_the_settings_link(db, make_person, monkeypatch):
    monkeypatch.setattr(db, "email_enabled", True)
    me = make_person(Role.PARENT, "Pat Parent")
    channels.set_email(db.uow(), Actor.system(), "pat@example.org", me.id)
    path = settings_path(db, me.id)
    async with client(make_deps(db)) as http:
        page = await http.get(path)
        assert 'id="verify-email"' in page.text
        sent = await http.post(f"{path}/verify", data={"csrf": csrf_of(page.text)})
        assert sent.status_code == 303 and "m=code_sent" in sent.headers["location"]
        with db.uow(readonly=True) as uow:
            code = uow.session.scalars(select(Notification.data).where(
                Notification.kind == "login_code", Notification.recipient_id == me.id)).one()["code"]
        stale = await http.post(f"{path}/verify/code", data={"csrf": "0" * 64, "code": code})
        assert stale.status_code == 403 and not channels.channel_choices(
            db.uow(readonly=True), Actor.system(), me.id).email_verified
        ok = await http.post(f"{path}/verify/code", data={"csrf": csrf_of(page.text), "code": code})
        assert "m=verified" in ok.headers["location"]
        assert channels.channel_choices(db.uow(readonly=True), Actor.system(), me.id).email_verified
        assert 'id="verify-email"' not in (await http.get(path)).text
