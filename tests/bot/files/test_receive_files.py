"""The bot receives photos and documents over the sandbox: refused by size before downloading, checked
by content, kept without location, and sent again by file_id without uploading."""

from __future__ import annotations

import io

import pytest
import telegram
from PIL import Image

from adapters.attachments import FileAttachments
from bot.files import IncomingFile, incoming_file, receive_file, send_again
from domain.files import FileRefused
from tests.auxil.telegram import TOKEN
from tests.domain.files.test_attachment_store import GPS_IFD, jpeg_with_gps, pdf_bytes

pytestmark = pytest.mark.asyncio(loop_scope="module")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
async def tg(sandbox):
    async with telegram.Bot(TOKEN, base_url=sandbox.bot_base_url, base_file_url=sandbox.bot_base_file_url) as bot:
        await bot.get_updates(offset=-1)  # forget what earlier tests left
        yield bot


async def next_message(tg: telegram.Bot) -> telegram.Message:
    (update,) = await tg.get_updates(offset=None, timeout=0)
    await tg.get_updates(offset=update.update_id + 1, timeout=0)
    return update.message


@pytest.fixture
def store(tmp_path):
    return FileAttachments(tmp_path / "attachments")


async def test_a_photo_round_trip_keeps_no_location_and_is_sent_again_by_file_id(client, tg, store):
    ann = await client.create_user("Ann Photo")
    lead = await client.create_user("Lara Lead")
    await client.send_photo(ann["id"], jpeg_with_gps(), caption="broken window")
    incoming = incoming_file(await next_message(tg))
    assert incoming is not None and incoming.is_photo and incoming.size == len(jpeg_with_gps())
    received = await receive_file(tg, incoming, store)
    assert received.file_id == incoming.file_id and (received.kind, received.stored.kind) == ("photo", "jpeg")
    kept = Image.open(io.BytesIO(store.open(received.stored.key)))
    assert not kept.getexif().get_ifd(GPS_IFD) and kept.size == (40, 30)
    shown = await send_again(tg, lead["id"], received, caption="From Ann")
    assert shown.photo[-1].file_unique_id == incoming.file_unique_id
    uploads = (await client.stats())["by_method"]
    assert "sendPhoto" in uploads and (await client.messages(lead["id"]))[-1]["caption"] == "From Ann"


async def test_a_pdf_document_is_kept_and_sent_again_as_a_document(client, tg, store):
    ann = await client.create_user("Ann Pdf")
    await client.send_document(ann["id"], pdf_bytes(), "quote.pdf")
    received = await receive_file(tg, incoming_file(await next_message(tg)), store)
    assert (received.stored.kind, received.stored.filename, received.kind) == ("pdf", "quote.pdf", "document")
    assert store.open(received.stored.key) == pdf_bytes()
    again = await send_again(tg, ann["id"], received)
    assert again.document.file_unique_id == received.file_unique_id


async def test_an_executable_renamed_jpg_is_refused_after_download_by_its_content(client, tg, store, tmp_path):
    ann = await client.create_user("Ann Exe")
    await client.send_document(ann["id"], EXE, "holiday.jpg")
    incoming = incoming_file(await next_message(tg))
    with pytest.raises(FileRefused, match=r"^This file is an executable, not an image or a PDF\.$"):
        await receive_file(tg, incoming, store)
    assert not (tmp_path / "attachments").exists() or not any((tmp_path / "attachments").rglob("*.*"))


async def test_a_25_mb_file_is_refused_from_its_size_without_downloading(client, tg, store):
    ann = await client.create_user("Ann Big")
    await client.send_document(ann["id"], b"%PDF-1.4\n" + b"\x00" * (25 * 1024 * 1024), "scan.pdf")
    incoming = incoming_file(await next_message(tg))
    await client.reset_stats()
    with pytest.raises(FileRefused, match=r"^This file is 25 MB; the limit is 20 MB\.$"):
        await receive_file(tg, incoming, store)
    assert "getFile" not in (await client.stats())["by_method"]  # refused before asking Telegram
    unsized = IncomingFile(incoming.file_id, incoming.file_unique_id, None, "scan.pdf", False)
    with pytest.raises(FileRefused, match="over 20 MB"):  # Telegram's getFile refuses it too
        await receive_file(tg, unsized, store)


async def test_a_text_message_carries_no_file(client, tg):
    ann = await client.create_user("Ann Text")
    await client.send_text(ann["id"], "hello")
    assert incoming_file(await next_message(tg)) is None
