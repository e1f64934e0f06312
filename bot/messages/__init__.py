"""Telegram messages and keyboards per feature; importing this package registers every kind's renderer."""

from bot.messages import (
           account,
           alerts,
           announcements,
           attendance,
           decline,
           family,
           fees,
           homework,
           inbox,
           marks,
           reminders,
           tasks,
           tickets,
)
from bot.messages.registry import Rendered, Renderer, UnknownKind, check_renderers

__all__ = ["Rendered", "Renderer", "UnknownKind", "account", "alerts", "announcements", "attendance", "check_renderers", "decline", "family",
           "fees", "homework", "inbox", "marks",
           "reminders", "tasks", "tickets"]
