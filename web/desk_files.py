"""A ticket's photos and files on the web: kept ones shown through short-lived signed links
(/files/<token>, domain.files), and a form's files checked and kept for a comment."""

from __future__ import annotations

from collections.abc import Sequence

from domain import files
from domain.tickets.rows import AttachmentIn, AttachmentRow
from web.deps import WebDeps
from web.uploads import store_upload

MAX_FILES = 6  # at most this many files with one comment


def file_links(deps: WebDeps, attachments: Sequence[AttachmentRow]) -> dict[int, str]:
    """attachment id -> a signed /files/ path, for the files the store keeps (Telegram-only ones have none)."""
    now = deps.db.clock.now()
    return {a.id: f"/files/{files.file_token(deps.links, a.file_key, now)}" for a in attachments
            if a.file_key and files.KEY_PATTERN.match(a.file_key)}


async def kept_uploads(deps: WebDeps, uploads: Sequence[object],
                       allowed: frozenset[str] = files.DEFAULT_KINDS) -> list[AttachmentIn]:
    """The form's files, each checked by content and size and kept (FileRefused says why one is not;
    the ones kept before it are deleted again)."""
    out: list[AttachmentIn] = []
    for upload in list(uploads)[:MAX_FILES]:
        try:
            stored = await store_upload(deps.attachments, upload, allowed)
        except Exception:
            forget(deps, out)
            raise
        if stored is not None:
            out.append(AttachmentIn(kind="photo" if stored.is_image else "document", file_key=stored.key,
                                    filename=stored.filename[:200], content_type=stored.mime, size=stored.size))
    return out


def forget(deps: WebDeps, kept: Sequence[AttachmentIn]) -> None:
    """Delete files kept for a comment that was then refused (so nothing is left behind)."""
    if deps.attachments is None:
        return
    for f in kept:
        if f.file_key:
            deps.attachments.delete(f.file_key)
