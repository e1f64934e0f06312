"""A file sent with a web form goes through the same checks as one sent in Telegram."""

from __future__ import annotations

import io

import pytest
from starlette.datastructures import UploadFile

from adapters.attachments import FileAttachments
from domain.errors import InvalidInput
from domain.files import FileRefused
from tests.domain.files.test_attachment_store import jpeg_with_gps, pdf_bytes
from web.uploads import store_upload

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(content: bytes, name: str, size: int | None = -1) -> UploadFile:
    return UploadFile(io.BytesIO(content), filename=name, size=len(content) if size == -1 else size)


async def test_a_form_file_is_kept_or_refused_with_the_reason(tmp_path):
    store = FileAttachments(tmp_path / "attachments")
    kept = await store_upload(store, upload(jpeg_with_gps(), "door.jpg"))
    assert kept is not None and kept.kind == "jpeg" and b"PhoneMaker" not in store.open(kept.key)
    assert (await store_upload(store, upload(pdf_bytes(), "quote.pdf"))).kind == "pdf"
    with pytest.raises(FileRefused, match=r"^This file is an executable, not an image or a PDF\.$"):
        await store_upload(store, upload(EXE, "door.jpg"))
    big = b"%PDF-1.4\n" + b"\x00" * (25 * 1024 * 1024)
    with pytest.raises(FileRefused, match=r"^This file is 25 MB; the limit is 20 MB\.$"):
        await store_upload(store, upload(big, "scan.pdf"))
    with pytest.raises(FileRefused, match=r"^This file is over 20 MB, the limit\.$"):  # size not told
        await store_upload(store, upload(big, "scan.pdf", size=None))


async def test_an_empty_file_field_is_no_file_and_no_store_refuses(tmp_path):
    assert await store_upload(FileAttachments(tmp_path), upload(b"", "")) is None
    assert await store_upload(FileAttachments(tmp_path), "not a file") is None
    with pytest.raises(InvalidInput, match="cannot be kept"):
        await store_upload(None, upload(pdf_bytes(), "a.pdf"))
