"""The engagement page in Chromium: the card, the people with reasons, the profiles and the insights, no
script errors; a narrow screen keeps every table readable. Refreshes tests/artefacts/engagement.png when asked."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from adapters.learning import SklearnLearner, SkopsStore
from domain.engagement import training
from domain.models import Role
from taskbell.demo_engagement import seed_engagement
from tests.auxil.paths import artefacts_or

ARTEFACTS = artefacts_or(Path(tempfile.gettempdir()) / "taskbell-artefacts")
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_the_engagement_page_in_a_browser(db, make_person, served, as_person, tmp_path):
    if db.dialect != "sqlite":
        pytest.skip("one database is enough for a page")
    admin = make_person(Role.ADMIN, "Asha Rao")
    seed_engagement(db, admin.id)
    training.train(db, SklearnLearner(), SkopsStore(tmp_path / "models"), "UTC")
    page = as_person(admin)
    page.goto(f"{served[0]}/admin/engagement")
    expect(page.locator("#eng-verdict")).to_contain_text("Showing the model's predictions")
    expect(page.locator("#eng-people tbody tr")).to_have_count(30)
    expect(page.locator("#eng-people tbody tr").first).to_contain_text("at risk")
    expect(page.locator("#eng-insights")).to_contain_text("Night shift")
    assert page.console_errors == []
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "engagement.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#eng-card")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
