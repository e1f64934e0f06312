"""Photos and documents in the sandbox: sent by users (control API), shaped as Telegram's, fetched
with getFile and /file/bot<token>/<path>, and sent by the bot with an upload or a file_id."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from PIL import Image
from telegram import Update

from tests.auxil.telegram import running_sandbox
from tests.sandbox.test_update_shapes import unknown_fields
from tgsandbox import SandboxClient, SandboxServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN = "123456:FILES-test-token"


def picture(kind: str, size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 90)).save(out, kind)
    return out.getvalue()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox(TOKEN, per_chat_per_second=10_000, global_per_second=10_000)


@pytest.fixture
async def control(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    client = SandboxClient(sandbox.url)
    await client.reset()
    yield client
    await client.aclose()


@pytest.fixture
async def tg(sandbox: SandboxServer) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=sandbox.bot_base_url, base_file_url=sandbox.bot_base_file_url) as bot:
        yield bot


async def test_photos_and_documents_from_users_parse_with_ptbs_own_de_json(control):
    ann = await control.create_user("Ann", phone="+447700900001")
    await control.send_photo(ann["id"], picture("JPEG"), caption="the leak")
    await control.send_photo(ann["id"], picture("WEBP", (50, 40)))
    await control.send_document(ann["id"], b"%PDF-1.4\n%%EOF\n", "quote.pdf", caption="the quote")
    await control.send_document(ann["id"], b"MZ\x90\x00", "holiday.jpg")  # the name lies; Telegram believes it
    updates = [Update.de_json(raw, None) for raw in await control.pending_updates()]
    for update in updates:
        assert unknown_fields(update) == [], update.to_dict()
    jpeg, webp, pdf, exe = (u.message for u in updates)
    assert [(s.width, s.height) for s in jpeg.photo] == [(90, 60), (120, 80)] and jpeg.caption == "the leak"
    assert jpeg.photo[-1].file_size == len(picture("JPEG")) and jpeg.photo[0].file_id != jpeg.photo[-1].file_id
    assert (webp.photo[-1].width, webp.photo[-1].height) == (50, 40)
    assert (pdf.document.file_name, pdf.document.mime_type, pdf.caption) == ("quote.pdf", "application/pdf", "the quote")
    assert (exe.document.file_name, exe.document.mime_type, exe.document.file_size) == ("holiday.jpg", "image/jpeg", 4)


async def test_a_bot_downloads_what_a_user_sent_through_get_file(control, tg, sandbox):
    ann = await control.create_user("Ann")
    await control.send_photo(ann["id"], picture("PNG"))
    await control.send_document(ann["id"], b"%PDF-1.4\n%%EOF\n", "quote.pdf")
    photo, document = (u.message for u in await tg.get_updates())
    got = await tg.get_file(photo.photo[-1].file_id)
    assert got.file_path.endswith(".png") and got.file_size == len(picture("PNG"))
    assert bytes(await got.download_as_bytearray()) == picture("PNG")
    got = await tg.get_file(document.document.file_id)
    assert got.file_path.startswith(f"{sandbox.bot_base_file_url}{TOKEN}/documents/") and got.file_path.endswith(".pdf")
    assert bytes(await got.download_as_bytearray()) == b"%PDF-1.4\n%%EOF\n"
    wrong = httpx.get(got.file_path.replace(TOKEN, "123456:WRONG"))
    assert wrong.status_code == 401


async def test_get_file_refuses_a_file_over_20_mb_as_telegram_does(control, tg):
    ann = await control.create_user("Ann")
    await control.send_document(ann["id"], b"\x00" * (20 * 1024 * 1024 + 1), "big.bin")
    (update,) = await tg.get_updates()
    assert update.message.document.file_size == 20 * 1024 * 1024 + 1
    with pytest.raises(telegram.error.BadRequest, match="too big"):
        await tg.get_file(update.message.document.file_id)


async def test_what_the_bot_sends_shows_in_the_chat_and_a_file_id_sends_it_again(control, tg):
    ann = await control.create_user("Ann")
    ben = await control.create_user("Ben")
    sent = await tg.send_photo(ann["id"], picture("JPEG"), caption="before")
    again = await tg.send_photo(ben["id"], sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    doc = await tg.send_document(ben["id"], b"%PDF-1.4\n%%EOF\n", filename="report.pdf")
    (shown_photo,) = await control.messages(ann["id"])
    assert shown_photo["photo"][-1]["file_id"] == sent.photo[-1].file_id and shown_photo["caption"] == "before"
    assert await control.file_content(sent.photo[-1].file_id) == picture("JPEG")
    ben_messages = await control.messages(ben["id"])
    assert [bool(m["photo"]) for m in ben_messages] == [True, False]
    assert ben_messages[1]["document"]["file_name"] == "report.pdf"
    assert await control.file_content(doc.document.file_id) == b"%PDF-1.4\n%%EOF\n"


async def test_the_chat_page_serves_pictures_inline_and_anything_else_only_as_a_download(control, sandbox):
    ann = await control.create_user("Ann")
    await control.send_photo(ann["id"], picture("PNG"))
    await control.send_document(ann["id"], b"<script>alert(1)</script>", "page.html")
    photo, page = await control.messages(ann["id"])
    shown = httpx.get(f"{sandbox.url}/sandbox/files/{photo['photo'][-1]['file_id']}/content")
    assert shown.headers["content-type"] == "image/png" and shown.headers["content-disposition"] == "inline"
    html = httpx.get(f"{sandbox.url}/sandbox/files/{page['document']['file_id']}/content")
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"] == 'attachment; filename="page.html"'
    assert html.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{sandbox.url}/sandbox/files/nope/content").status_code == 404


async def test_photos_sent_together_arrive_as_one_album(control, tg):
    ann = await control.create_user("Ann")
    await control.send_photo(ann["id"], picture("JPEG"), caption="two views", media_group_id="77")
    await control.send_photo(ann["id"], picture("PNG"), media_group_id="77")
    await control.send_document(ann["id"], b"%PDF-1.4\n%%EOF\n", "alone.pdf")
    raw = await control.pending_updates()
    first, second, alone = (Update.de_json(r, None).message for r in raw)
    assert all(unknown_fields(Update.de_json(r, None)) == [] for r in raw)
    assert first.media_group_id == second.media_group_id == "77" and alone.media_group_id is None
    assert (first.caption, second.caption) == ("two views", None)


async def test_the_bot_sends_an_album_of_uploads_and_file_ids(control, tg):
    ann = await control.create_user("Ann")
    first = await tg.send_photo(ann["id"], picture("JPEG"))
    album = await tg.send_media_group(ann["id"], [
        telegram.InputMediaPhoto(first.photo[-1].file_id, caption="<b>before</b>", parse_mode="HTML"),
        telegram.InputMediaPhoto(picture("PNG")),
    ])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id is not None
    assert album[0].caption == "before" and album[0].caption_entities[0].type == "bold"
    assert album[0].photo[-1].file_unique_id == first.photo[-1].file_unique_id
    docs = await tg.send_media_group(ann["id"], [
        telegram.InputMediaDocument(b"%PDF-1.4\n%%EOF\n", filename="a.pdf"),
        telegram.InputMediaDocument(b"x,y\n", filename="b.csv"),
    ])
    assert [d.document.file_name for d in docs] == ["a.pdf", "b.csv"]
    assert len(await control.messages(ann["id"])) == 5
    with pytest.raises(telegram.error.BadRequest, match="photos only or documents only"):
        await tg.send_media_group(ann["id"], [telegram.InputMediaPhoto(picture("PNG")),
                                              telegram.InputMediaDocument(b"x", filename="c.txt")])
