"""What the bot's handlers and delivery loop need, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

from domain.config import Settings
from domain.links import LinkSigner
from domain.tokens import Signer
from domain.uow import Database


@dataclass
class BotDeps:
    settings: Settings
    db: Database
    signer: Signer
    bot_username: str = ""
    links: LinkSigner = field(init=False)

    def __post_init__(self) -> None:
        self.links = LinkSigner(self.settings.secret_keys)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def region(self) -> str | None:
        return self.settings.phone_region


def deps_of(context: CallbackContext) -> BotDeps:  # type: ignore[type-arg]
    return context.application.bot_data["deps"]
