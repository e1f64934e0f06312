"""The portal in Chromium at a phone's width (390 px): one column, no sideways scrolling, the child picker
works by tapping, nothing to submit. The screenshot is kept for the README when TASKBELL_ARTEFACTS is set."""

from __future__ import annotations

import tempfile
from pathlib import Path

from domain.actors import Actor
from domain.announcements import services as announcements
from domain.portal.links import portal_token
from tests.auxil.console import new_page
from tests.auxil.paths import artefacts_or
from tests.domain.attendance.test_family import klass  # noqa: F401 - the fixture: three Mondays taken

ARTEFACTS = artefacts_or(Path(tempfile.gettempdir()) / "taskbell-artefacts")


def test_a_parent_reads_both_children_on_a_phone(browser, served, db, klass):  # noqa: F811
    base, deps = served
    teacher, parent = klass["teacher"], klass["parents"][1]
    announcements.post(db.uow(), Actor.telegram(teacher.id), f"batch:{klass['batch'].id}", "Lab on Monday",
                       "Bring goggles and the worksheet from last week.", urgent=True)
    token = portal_token(deps.links, parent.id, db.clock.now())
    page = new_page(browser, 390, 844)
    try:
        page.goto(f"{base}/p/{token}")
        assert page.locator("h1").inner_text() == "Student 0"
        assert page.locator(".kids .kid").all_inner_texts() == ["Student 0", "Student 1"]
        assert page.locator("#attendance .mark").count() == 3 and "Lab on Monday" in page.inner_text("#announcements")
        assert page.locator("form, input, textarea, button").count() == 0  # nothing to submit
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "portal-phone.png"), full_page=True)
        page.get_by_role("link", name="Student 1").click()
        page.wait_for_url(f"**/p/{token}/child/2")
        assert page.locator("h1").inner_text() == "Student 1"
        assert page.locator(".kid.chosen").inner_text() == "Student 1" and not page.console_errors
    finally:
        page.context.close()
