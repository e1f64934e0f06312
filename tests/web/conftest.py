"""The web tests' fixtures: the app served by uvicorn and one Chromium for every page test.

Sync Playwright marks its own event loop as running in the main thread between two calls, so no
asyncio test (pytest-asyncio's loop) can run while it is alive. Chromium is therefore started once,
by the first page test, and the page tests run after every other test of the session (see
`pytest_collection_modifyitems`); the browser closes when the session ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.auxil.console import BROWSER_ARGS, CHROMIUM, new_page, session_cookie
from tests.auxil.web import make_deps, serve
from web.deps import WebDeps


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the shared `browser` go last (stable: their order among themselves stays)."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's) per test module; each test opens its own context.

    Module scope, not session: Playwright's sync API keeps an event loop running in the thread while
    it lives, so asyncio tests that a pytest-xdist worker runs after a page test would fail."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def served(db) -> Iterator[tuple[str, WebDeps]]:
    """The real app on a free port (base URL, its deps); the bot's username is known."""
    deps = make_deps(db, bot_username="TaskbellBot")
    with serve(deps) as base:
        yield base, deps


@pytest.fixture
def as_person(browser, served, db):
    """Opens pages signed in as the given person (a fresh server-side session in a cookie)."""
    pages = []

    def open_as(person, width: int = 1100, height: int = 900):
        page = new_page(browser, width, height)
        page.context.add_cookies([session_cookie(db, person, served[0])])
        pages.append(page)
        return page

    yield open_as
    for page in pages:
        page.context.close()
