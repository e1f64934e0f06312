"""Rendered pages kept for a few seconds and served again while their marker (what the page was built from)
is unchanged: the dashboard's answer to 64 people reloading at once (bench row 4).

One per web process (app.state.page_cache), used only on the event loop (no lock). Freshness is measured
with the injected clock, so tests that move the clock see pages rebuilt."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

FRESH = timedelta(seconds=10)  # what the marker does not cover (overdue labels, attendance) may lag this much
MAX_PAGES = 512
MAX_BYTES = 16 * 1024 * 1024  # whichever bound comes first (a page with 200 open tasks is ~150 KB)


@dataclass(frozen=True)
class Page:
    marker: str
    built_at: datetime
    body: bytes


class PageCache:
    """Least recently used pages, each served for FRESH after it was built; past that, one request rebuilds
    it while the others arriving meanwhile still get the last one (no stampede of 64 rebuilds)."""

    def __init__(self, fresh: timedelta = FRESH, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES) -> None:
        self.fresh, self.max_pages, self.max_bytes = fresh, max_pages, max_bytes
        self._pages: OrderedDict[Hashable, Page] = OrderedDict()
        self._bytes = 0
        self._building: set[Hashable] = set()

    def get(self, key: Hashable, now: datetime) -> Page | None:
        """The page kept under `key` if it may be served at `now`: fresh, or being rebuilt by another
        request; None tells the caller to build it (and to call `built` when done, whatever happened)."""
        page = self._pages.get(key)
        if page is not None and page.built_at <= now and (now < page.built_at + self.fresh
                                                         or key in self._building):
            self._pages.move_to_end(key)
            return page
        self._building.add(key)
        return None

    def built(self, key: Hashable, page: Page | None) -> None:
        """The request that got None from `get` is done: keep `page` (if any), dropping the least recently
        used beyond max_pages or max_bytes."""
        self._building.discard(key)
        if page is None:
            return
        if (old := self._pages.pop(key, None)) is not None:
            self._bytes -= len(old.body)
        self._pages[key] = page
        self._bytes += len(page.body)
        while self._pages and (len(self._pages) > self.max_pages or self._bytes > self.max_bytes):
            self._bytes -= len(self._pages.popitem(last=False)[1].body)
