"""Photos and documents people send: sized up before downloading, fetched from Telegram, then kept.

Telegram lets a bot download at most 20 MB, so a bigger file is refused from the size Telegram
reports, without downloading it. The file_id is kept beside the stored file, so the bot can show
the file again (sendPhoto / sendDocument with the file_id) without uploading it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from anyio import to_thread
from telegram import Bot, Message
from telegram.error import BadRequest

from domain.files import (
    DEFAULT_KINDS,
    MAX_BYTES,
    AttachmentStore,
    FileRefused,
    StoredFile,
    check_size,
)


@dataclass(frozen=True)
class IncomingFile:
    """A photo or document in a message, as Telegram describes it (nothing downloaded yet)."""

    file_id: str
    file_unique_id: str
    size: int | None
    filename: str
    is_photo: bool


@dataclass(frozen=True)
class ReceivedFile:
    """A file kept by the store, with the Telegram file_id that can send it again."""

    file_id: str
    file_unique_id: str
    is_photo: bool
    stored: StoredFile

    @property
    def kind(self) -> str:
        """How Telegram carried it: "photo" or "document" (a ticket attachment's kind)."""
        return "photo" if self.is_photo else "document"


def incoming_file(message: Message) -> IncomingFile | None:
    """The message's photo (its largest size) or document; None when it carries neither."""
    if message.photo:
        largest = message.photo[-1]
        return IncomingFile(largest.file_id, largest.file_unique_id, largest.file_size, "photo.jpg", True)
    if message.document:
        doc = message.document
        return IncomingFile(doc.file_id, doc.file_unique_id, doc.file_size, doc.file_name or "document", False)
    return None


async def receive_file(bot: Bot, incoming: IncomingFile, store: AttachmentStore,
                       allowed: frozenset[str] = DEFAULT_KINDS) -> ReceivedFile:
    """Download one file (refused first when Telegram says it is over 20 MB) and keep it; FileRefused says why."""
    if incoming.size is not None:
        check_size(incoming.size, MAX_BYTES)
    try:
        file = await bot.get_file(incoming.file_id)
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            raise FileRefused(f"This file is over {MAX_BYTES // (1024 * 1024)} MB, the limit.") from None
        raise
    if file.file_size is not None:
        check_size(file.file_size, MAX_BYTES)
    content = bytes(await file.download_as_bytearray())
    stored = await to_thread.run_sync(store.put, content, incoming.filename, allowed)
    return ReceivedFile(incoming.file_id, incoming.file_unique_id, incoming.is_photo, stored)


async def send_again(bot: Bot, chat_id: int, received: ReceivedFile, caption: str | None = None) -> Message:
    """Show a received file in another chat by its file_id (Telegram does not need it uploaded again)."""
    if received.is_photo:
        return await bot.send_photo(chat_id, received.file_id, caption=caption and caption[:1024])
    return await bot.send_document(chat_id, received.file_id, caption=caption and caption[:1024])
