"""Attachment rows of a ticket: Telegram's file_id (re-sent without re-uploading) and the stored file's key.

The content checks and storage belong to the files slice (ATTACHMENTS_DIR); this module only records
what was received, at most MAX_FILES per call, and refuses sizes over Telegram's 20 MB download limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.models import Ticket, TicketAttachment
from domain.tickets.rows import AttachmentIn
from domain.uow import UnitOfWork

MAX_FILES = 10
MAX_BYTES = 20 * 1024 * 1024
KINDS = ("photo", "document")


def add_attachments(uow: UnitOfWork, actor: Actor, ticket: Ticket, files: Sequence[AttachmentIn],
                    event_id: int | None, *, internal: bool = False) -> int:
    """Record the files of one event (a Telegram file seen twice on a ticket is kept once); how many were new."""
    if not files:
        return 0
    if len(files) > MAX_FILES:
        raise InvalidInput(f"At most {MAX_FILES} files at a time.")
    seen = set(uow.session.scalars(select(TicketAttachment.telegram_unique_id).where(
        TicketAttachment.ticket_id == ticket.id, TicketAttachment.telegram_unique_id.is_not(None))))
    added = 0
    for f in files:
        if f.kind not in KINDS:
            raise InvalidInput("A file is a photo or a document.")
        if not (f.telegram_file_id or f.file_key):
            raise InvalidInput("A file needs a Telegram file id or a stored file.")
        if f.size is not None and f.size > MAX_BYTES:
            raise InvalidInput("That file is over 20 MB; send a smaller one.")
        if f.telegram_unique_id and f.telegram_unique_id in seen:
            continue
        seen.add(f.telegram_unique_id)
        uow.session.add(TicketAttachment(
            ticket_id=ticket.id, event_id=event_id, uploaded_by_id=actor.person_id, kind=f.kind,
            telegram_file_id=f.telegram_file_id, telegram_unique_id=f.telegram_unique_id, file_key=f.file_key,
            filename=(f.filename or None) and f.filename[:200], content_type=f.content_type, size=f.size,
            internal=internal, created_at=uow.now))
        added += 1
    uow.session.flush()
    return added
