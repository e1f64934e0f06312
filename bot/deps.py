"""What the bot's handlers and delivery loop need, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import CallbackContext

from adapters.settings import Settings
from domain.files import AttachmentStore
from domain.links import LinkSigner
from domain.tokens import Signer
from domain.uow import Database


@dataclass
class BotDeps:
    settings: Settings
    db: Database
    signer: Signer
    links: LinkSigner
    bot_username: str = ""  # the bot's public @username, learned once by the root ("" for the sandbox)
    attachments: AttachmentStore | None = None  # where photos and files people send are kept

    @property
    def region(self) -> str | None:
        return self.settings.phone_region


def deps_of(context: CallbackContext) -> BotDeps:  # type: ignore[type-arg]
    return context.application.bot_data["deps"]
