"""The composition root hands the mailer the web app's signed links, and they open the web app's pages."""

from __future__ import annotations

from domain.models import Role
from mailer.links import MailLinks
from taskbell.container import Container
from tests.auxil.web import BASE_URL, client, make_deps, make_settings


async def test_the_container_gives_the_mailer_links_the_web_app_serves(db, make_person):
    me = make_person(Role.STUDENT, "Sam Student")
    container = Container(make_settings())
    container.__dict__["db"] = db  # the test's database instead of the settings' one
    links: MailLinks = container.mail_links
    settings = links.settings_url(me.id)
    assert settings is not None and settings.startswith(f"{BASE_URL}/e/settings/")
    async with client(make_deps(db)) as http:
        page = await http.get(settings[len(BASE_URL):])
    assert page.status_code == 200 and "Sam Student" in page.text
