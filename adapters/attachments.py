"""Attachments kept as files under ATTACHMENTS_DIR: checked by content, images stripped of metadata.

`filetype` reads a file's kind from its first bytes (never its name); Pillow re-saves images
without EXIF (so without GPS location), XMP or comments, turned upright first so dropping the
orientation tag changes nothing a person sees. Each file is written to a temporary name and moved
into place, so a half-written file is never served.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import NotFound
from domain.files import (
    DEFAULT_KINDS,
    IMAGE_KINDS,
    KEY_PATTERN,
    MAX_BYTES,
    MIME_BY_KIND,
    FileRefused,
    StoredFile,
    check_kind,
    check_size,
)

_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
JPEG_QUALITY = 90
MAX_PIXELS = 60_000_000  # decoding more takes hundreds of MB; a phone's 50 MP photo still fits


def detect(content: bytes) -> tuple[str | None, str | None]:
    """(kind, mime) from the content's first bytes; (None, None) when not recognised."""
    found = filetype.guess(content[:8192])
    if found is None:
        return None, None
    kind = {"jpg": "jpeg", "apng": "png"}.get(found.extension, found.extension)
    return kind, found.mime


def strip_image(content: bytes, kind: str) -> bytes:
    """The image re-saved without metadata (EXIF with GPS, XMP, comments); refuses one Pillow cannot read."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != _PIL_FORMAT[kind]:
                raise FileRefused(f"This file claims to be a {kind.upper()} image but is not one.")
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
            frames = getattr(image, "n_frames", 1)
            out = io.BytesIO()
            if frames > 1:  # animated GIF or WebP: keep the frames and timing, nothing else
                image.info = _kept_info(image.info)
                image.save(out, _PIL_FORMAT[kind], save_all=True, loop=image.info.get("loop", 0),
                           duration=image.info.get("duration", 100))
                return out.getvalue()
            upright = ImageOps.exif_transpose(image)
            upright.info = _kept_info(image.info)  # Pillow writes some info keys back (comments, XMP)
            icc = image.info.get("icc_profile")
            options: dict[str, object] = {"icc_profile": icc} if icc else {}
            if kind == "jpeg":
                if upright.mode not in ("RGB", "L", "CMYK"):
                    upright = upright.convert("RGB")
                options.update(quality=JPEG_QUALITY, optimize=True)
            elif kind == "webp":
                options.update(quality=JPEG_QUALITY)
            upright.save(out, _PIL_FORMAT[kind], **options)
            return out.getvalue()
    except FileRefused:
        raise
    except Image.DecompressionBombError:
        raise FileRefused("This image has too many pixels to handle; send a smaller one.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise FileRefused("This image is damaged and could not be read.") from None


def _kept_info(info: dict[str, object]) -> dict[str, object]:
    """Of an image's info, only what drawing it needs (transparency, frame timing); no metadata."""
    return {k: v for k, v in info.items() if k in ("transparency", "duration", "loop", "background")}


class FileAttachments:
    """An AttachmentStore on the local disk: `<root>/<2 hex>/<32 hex>.<kind>`."""

    def __init__(self, root: Path, limit: int = MAX_BYTES) -> None:
        self.root = Path(root)
        self.limit = limit

    def put(self, content: bytes, filename: str, allowed: frozenset[str] = DEFAULT_KINDS) -> StoredFile:
        """Check `content` (kind among `allowed`, size, readable), strip image metadata, keep it; or raise FileRefused."""
        check_size(len(content), self.limit)
        kind, mime = detect(content)
        check_kind(kind, allowed)
        assert kind is not None  # check_kind refused None
        if kind in IMAGE_KINDS:
            content = strip_image(content, kind)
        name = secrets.token_hex(16)
        key = f"{name[:2]}/{name}.{kind}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_bytes(content)
        os.replace(temporary, path)
        return StoredFile(key=key, kind=kind, mime=MIME_BY_KIND.get(kind, mime or "application/octet-stream"),
                          size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                          filename=_display_name(filename, kind))

    def open(self, key: str) -> bytes:
        """The kept bytes; raises NotFound for a key that is not (or no longer) kept."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("This file is no longer kept.") from None

    def delete(self, key: str) -> None:
        """Forget one file; a file already gone is no error."""
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):  # never a path a caller made up (.., absolute, other folders)
            raise NotFound("No such file.")
        return self.root / key


def _display_name(filename: str, kind: str) -> str:
    """The sender's file name, trimmed to its last part and 120 characters; a plain one when blank."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable())[:120]
    return name or f"file.{kind}"
