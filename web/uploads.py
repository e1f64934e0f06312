"""Files sent with a web form: refused by size before they are read whole, then kept by the store."""

from __future__ import annotations

from anyio import to_thread
from starlette.datastructures import UploadFile

from domain.errors import InvalidInput
from domain.files import (
    DEFAULT_KINDS,
    MAX_BYTES,
    AttachmentStore,
    FileRefused,
    StoredFile,
    check_size,
    megabytes,
)


async def store_upload(store: AttachmentStore | None, upload: object,
                       allowed: frozenset[str] = DEFAULT_KINDS) -> StoredFile | None:
    """Keep a form's file (FileRefused says why not); None when the field holds no file."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    if store is None:
        raise InvalidInput("Files cannot be kept here.")
    if upload.size is not None:  # Starlette counts the bytes as the form arrives
        check_size(upload.size, MAX_BYTES)
    content = await upload.read(MAX_BYTES + 1)  # never more than the limit in memory
    if len(content) > MAX_BYTES:
        raise FileRefused(f"This file is over {megabytes(MAX_BYTES)}, the limit.")
    return await to_thread.run_sync(store.put, content, upload.filename, allowed)
