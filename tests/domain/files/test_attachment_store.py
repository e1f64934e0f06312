"""The attachment store keeps only what passes the checks by content, and never keeps location."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from adapters.attachments import FileAttachments
from domain.errors import NotFound
from domain.files import DEFAULT_KINDS, IMAGE_KINDS, MAX_BYTES, FileRefused, check_kind, megabytes

GPS_IFD = 0x8825


def jpeg_with_gps(width: int = 40, height: int = 30, orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds a GPS position (and a camera), like a phone photo."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
            b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def store(tmp_path: Path) -> FileAttachments:
    return FileAttachments(tmp_path / "attachments")


def test_a_jpeg_loses_its_gps_location_and_other_metadata(store):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the fixture really has GPS
    stored = store.put(original, "IMG_0001.jpg")
    kept = store.open(stored.key)
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG" and image.size == (40, 30)
    assert not image.getexif().get_ifd(GPS_IFD) and len(image.getexif()) == 0
    assert "comment" not in image.info and b"taken at home" not in kept and b"PhoneMaker" not in kept
    assert (stored.kind, stored.mime, stored.size, stored.filename) == ("jpeg", "image/jpeg", len(kept), "IMG_0001.jpg")
    assert stored.is_image and len(stored.sha256) == 64


def test_a_rotated_photo_is_stored_upright_once_its_orientation_tag_is_gone(store):
    stored = store.put(jpeg_with_gps(40, 30, orientation=6), "sideways.jpg")  # 6: rotate 90° to view
    assert Image.open(io.BytesIO(store.open(stored.key))).size == (30, 40)


@pytest.mark.parametrize("kind", ["png", "webp", "gif"])
def test_other_images_are_kept_without_exif(store, kind):
    out = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0)})
    image = Image.new("RGB", (12, 9), (0, 90, 200))
    image.save(out, {"png": "PNG", "webp": "WEBP", "gif": "GIF"}[kind], **({} if kind == "gif" else {"exif": exif}))
    stored = store.put(out.getvalue(), f"picture.{kind}")
    kept = Image.open(io.BytesIO(store.open(stored.key)))
    assert stored.kind == kind and kept.size == (12, 9) and not kept.getexif().get_ifd(GPS_IFD)


def test_a_pdf_is_accepted_as_it_is(store):
    stored = store.put(pdf_bytes(), "invoice.pdf")
    assert (stored.kind, stored.mime, stored.is_image) == ("pdf", "application/pdf", False)
    assert store.open(stored.key) == pdf_bytes()


def test_an_executable_renamed_jpg_is_refused_saying_what_it_is(store, tmp_path):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    with pytest.raises(FileRefused, match=r"^This file is an executable, not an image or a PDF\.$"):
        store.put(exe, "holiday.jpg")
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    with pytest.raises(FileRefused, match="executable"):
        store.put(elf, "photo.jpeg")
    assert not any(p.is_file() for p in (tmp_path / "attachments").rglob("*"))  # nothing kept


def test_a_25_mb_file_is_refused_with_its_size_and_the_limit(store):
    big = jpeg_with_gps() + b"\x00" * (25 * 1024 * 1024)
    with pytest.raises(FileRefused, match=r"^This file is 25 MB; the limit is 20 MB\.$"):
        store.put(big, "big.jpg")
    with pytest.raises(FileRefused, match="empty"):
        store.put(b"", "nothing.jpg")


def test_a_file_exactly_at_the_limit_is_measured_not_refused_for_size(store):
    with pytest.raises(FileRefused, match="not recognised"):  # refused for its kind, not its size
        store.put(b"\x00" * MAX_BYTES, "zeros.bin")


def test_text_archives_and_broken_images_are_refused_with_reasons(store):
    with pytest.raises(FileRefused, match="type was not recognised; send an image or a PDF"):
        store.put(b"just some text\n", "notes.txt")
    with pytest.raises(FileRefused, match="an archive, not an image or a PDF"):
        store.put(b"PK\x03\x04" + b"\x00" * 100, "photos.zip")
    with pytest.raises(FileRefused, match="damaged"):
        store.put(jpeg_with_gps()[:200], "cut.jpg")


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(store):
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 MP in a few KB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(FileRefused, match="too many pixels"):
        store.put(out.getvalue(), "huge.png")


def test_a_caller_may_allow_more_kinds_or_only_images(store):
    with pytest.raises(FileRefused, match=r"^This file is a PDF, not an image\.$"):
        store.put(pdf_bytes(), "scan.pdf", allowed=IMAGE_KINDS)
    stored = store.put(b"PK\x03\x04" + b"\x00" * 100, "bundle.zip", allowed=DEFAULT_KINDS | {"zip"})
    assert stored.kind == "zip" and store.open(stored.key).startswith(b"PK")
    check_kind("pdf", DEFAULT_KINDS)  # accepted: no refusal


def test_keys_are_never_paths_a_caller_made_up(store, tmp_path):
    (tmp_path / "secret.txt").write_text("no")
    for key in ("../secret.txt", "/etc/passwd", "ab/../../secret.txt", "ab/cd.jpg"):
        with pytest.raises(NotFound):
            store.open(key)
    stored = store.put(pdf_bytes(), "a.pdf")
    store.delete(stored.key)
    store.delete(stored.key)  # already gone: no error
    with pytest.raises(NotFound, match="no longer kept"):
        store.open(stored.key)


def test_sizes_read_as_people_say_them():
    assert [megabytes(n) for n in (300 * 1024, 1536 * 1024, 20 * 1024 * 1024, 25 * 1024 * 1024 + 5)] == [
        "300 KB", "1.5 MB", "20 MB", "25 MB"]
