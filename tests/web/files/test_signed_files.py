"""Stored files are shown on the web only through short-lived signed links."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
from PIL import Image

from adapters.attachments import FileAttachments
from domain.files import FILE_LINK_TTL, file_token, file_url
from domain.links import LinkSigner
from tests.auxil.web import client, make_deps
from tests.domain.files.test_attachment_store import GPS_IFD, jpeg_with_gps, pdf_bytes


@pytest.fixture
def deps(db, tmp_path):
    return dataclasses.replace(make_deps(db), attachments=FileAttachments(tmp_path / "attachments"))


async def test_a_signed_link_shows_the_stored_image_until_it_expires(deps, clock):
    stored = deps.attachments.put(jpeg_with_gps(), "yard.jpg")
    token = file_token(deps.links, stored.key, clock.now())
    assert file_url("https://desk.example/", token) == f"https://desk.example/files/{token}"
    async with client(deps) as http:
        shown = await http.get(f"/files/{token}")
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert shown.headers["content-disposition"] == "inline"
        assert shown.headers["x-content-type-options"] == "nosniff"
        assert not Image.open(io.BytesIO(shown.content)).getexif().get_ifd(GPS_IFD)
        clock.advance(seconds=FILE_LINK_TTL.total_seconds() + 1)
        late = await http.get(f"/files/{token}")
        assert late.status_code == 410 and "expired" in late.text


async def test_forged_tampered_or_other_purpose_links_show_nothing(deps, clock):
    stored = deps.attachments.put(pdf_bytes(), "invoice.pdf")
    token = file_token(deps.links, stored.key, clock.now())
    other_key = file_token(LinkSigner(("another-key-0123456789abcdef",)), stored.key, clock.now())
    dashboard = deps.links.dashboard_token(1, clock.now())
    outside = deps.links.sign("file", {"k": "../../etc/passwd"}, clock.now())
    async with client(deps) as http:
        ok = await http.get(f"/files/{token}")
        assert ok.status_code == 200 and ok.content == pdf_bytes()
        assert ok.headers["content-type"] == "application/pdf"
        for bad in (token[:-2] + "xx", other_key, dashboard, outside):
            refused = await http.get(f"/files/{bad}")
            assert refused.status_code == 403 and refused.content != pdf_bytes(), bad
        deps.attachments.delete(stored.key)
        gone = await http.get(f"/files/{token}")
        assert gone.status_code == 404 and "no longer kept" in gone.text


async def test_a_link_signed_before_it_was_valid_for_an_hour_is_still_fresh(deps, clock):
    stored = deps.attachments.put(pdf_bytes(), "a.pdf")
    token = file_token(deps.links, stored.key, clock.now() - FILE_LINK_TTL + timedelta(minutes=1))
    async with client(deps) as http:
        assert (await http.get(f"/files/{token}")).status_code == 200
