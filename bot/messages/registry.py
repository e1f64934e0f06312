"""One renderer per notification kind, registered against `NotificationKind`, and the Renderer that
dispatches to them. Renderers only read; what must be written first (a one-time link) is done by a
kind's *preparer*, an explicit domain call the delivery loop makes before rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.messages import limits
from domain.links import LinkSigner
from domain.outbox import Delivery, NotificationKind
from domain.tasks.queries import TaskRow, task_card, task_cards
from domain.uow import Database


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    edit: tuple[int, int] | None = None  # (chat id, message id) to edit instead of sending
    # Only an edit: when there is no message to edit (never sent, or gone), nothing is sent instead.
    edit_only: bool = False
    # Once this message is sent, an older message to edit, and its new text (no buttons): a stale card
    # pointing to the newer one.
    supersedes: tuple[tuple[int, int], str] | None = None
    # Sent as a Telegram paid broadcast (allow_paid_broadcast): an announcement, when the rule is on.
    paid: bool = False


class UnknownKind(Exception):
    """A stored notification whose kind this bot has no renderer for (say, written by a newer version)."""


class MissingRenderers(RuntimeError):
    """Some notification kind has no renderer: raised at start, so no intent becomes a dead letter."""


RenderFn = Callable[["Renderer", Delivery], Rendered]
PrepareFn = Callable[["Renderer", Delivery], dict[str, Any]]

RENDERERS: dict[NotificationKind, RenderFn] = {}
PREPARERS: dict[NotificationKind, PrepareFn] = {}


def renders(kind: NotificationKind) -> Callable[[RenderFn], RenderFn]:
    """Register the renderer of one kind (once)."""
    def register(fn: RenderFn) -> RenderFn:
        if kind in RENDERERS:
            raise RuntimeError(f"two renderers for {kind.value!r}")
        RENDERERS[kind] = fn
        return fn
    return register


def prepares(kind: NotificationKind) -> Callable[[PrepareFn], PrepareFn]:
    """Register what must be written before a kind is rendered; its result joins the delivery's data."""
    def register(fn: PrepareFn) -> PrepareFn:
        PREPARERS[kind] = fn
        return fn
    return register


def check_renderers() -> None:
    """Every kind the domain can enqueue has a renderer, or the bot does not start.

    Importing this module imports the `bot.messages` package first, which registers every feature.
    """
    missing = sorted(k.value for k in NotificationKind if k not in RENDERERS)
    if missing:
        raise MissingRenderers(f"no renderer for notification kind(s): {', '.join(missing)}")


class Renderer:
    """Turns claimed outbox rows into Telegram messages; holds what a batch shares (task cards)."""

    def __init__(self, db: Database, org_tz: str, links: LinkSigner, base_url: str) -> None:
        check_renderers()
        self.db, self.org_tz, self.links, self.base_url = db, org_tz, links, base_url
        self._cards: dict[int, TaskRow] | None = None

    def prepare(self, d: Delivery) -> Delivery:
        """Do the writes a kind needs before rendering (a one-time link); the rows stay as stored."""
        fn = PREPARERS.get(_kind(d))  # type: ignore[arg-type]
        return d if fn is None else replace(d, data={**d.data, **fn(self, d)})

    def render(self, d: Delivery) -> Rendered:
        """The message for one row; reads only."""
        fn = RENDERERS.get(_kind(d))  # type: ignore[arg-type]
        if fn is None:
            raise UnknownKind(d.kind)
        rendered = fn(self, d)
        return replace(rendered, text=limits.fit(rendered.text))  # never over Telegram's 4,096

    def prefetch(self, deliveries: list[Delivery]) -> None:
        """Load every task card a batch needs in one query (render() then reads them)."""
        ids = [int(d.data["task_id"]) for d in deliveries if d.kind.startswith("task_") and "task_id" in d.data]
        self._cards = task_cards(self.db.uow(readonly=True), ids)

    def card(self, d: Delivery, *, with_progress: bool = False) -> TaskRow:
        """The task card a row is about (from the prefetched batch when it can)."""
        task_id = int(d.data["task_id"])
        if not with_progress and self._cards is not None and task_id in self._cards:
            return self._cards[task_id]
        return task_card(self.db.uow(readonly=True), task_id, with_progress=with_progress)


def _kind(d: Delivery) -> NotificationKind | None:
    try:
        return NotificationKind(d.kind)
    except ValueError:
        return None
