"""Paged lists in a chat: one page count and one « Prev / Next » row for every paged keyboard."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton

from bot.callbacks import AnyCallback, encode


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill (at least one, so an empty list still has a page)."""
    return max(1, (total + per_page - 1) // per_page)


def nav_rows(page: int, pages: int, to: Callable[[int], AnyCallback], *, prev: str = "« Prev",
             next_: str = "Next »") -> list[list[InlineKeyboardButton]]:
    """The row of Prev / Next buttons that apply, as a list of rows (empty when there is one page)."""
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(prev, callback_data=encode(to(page - 1))))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(next_, callback_data=encode(to(page + 1))))
    return [nav] if nav else []
