"""Attachments: what a stored file is, which files are accepted, and the port that stores them.

The rules live here (which kinds are accepted, the 20 MB limit, the message that says why a file
is refused, the signed link that shows a stored file on the web); `adapters.attachments` reads the
bytes (content, never the name), strips image metadata and keeps the files in `ATTACHMENTS_DIR`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.errors import InvalidInput
from domain.links import LinkInvalid, LinkSigner

MAX_BYTES = 20 * 1024 * 1024  # Telegram lets bots download at most 20 MB; the web form keeps to it too
IMAGE_KINDS = frozenset({"jpeg", "png", "webp", "gif"})
DEFAULT_KINDS = IMAGE_KINDS | {"pdf"}  # images and PDF unless the caller (a team's rule) allows more
FILE_LINK = "file"
FILE_LINK_TTL = timedelta(hours=1)
KEY_PATTERN = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]{1,8}$")

MIME_BY_KIND = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
                "pdf": "application/pdf"}
_WHAT = {  # kind -> how a refusal names it
    "exe": "an executable", "elf": "an executable", "wasm": "an executable", "crx": "a browser extension",
    "zip": "an archive", "rar": "an archive", "7z": "an archive", "tar": "an archive", "gz": "an archive",
    "bz2": "an archive", "xz": "an archive", "zst": "an archive", "cab": "an archive",
    "doc": "a Word document", "docx": "a Word document", "odt": "a text document", "rtf": "a text document",
    "xls": "a spreadsheet", "xlsx": "a spreadsheet", "ods": "a spreadsheet",
    "ppt": "a presentation", "pptx": "a presentation", "odp": "a presentation",
    "sqlite": "a database file", "swf": "a Flash file", "ps": "a PostScript file",
    "jpeg": "a JPEG image", "png": "a PNG image", "webp": "a WebP image", "gif": "a GIF image",
    "pdf": "a PDF",
}


class FileRefused(InvalidInput):
    """A file that failed the checks (kind, size, unreadable image); the message says why."""

    code = "file_refused"


@dataclass(frozen=True)
class StoredFile:
    """A file kept by the store: `key` finds it again; size and hash are of the bytes kept."""

    key: str
    kind: str  # "jpeg", "png", "webp", "gif", "pdf", or a kind the caller allowed
    mime: str
    size: int
    sha256: str
    filename: str  # the sender's name for it (shown, never trusted)

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGE_KINDS


class AttachmentStore(Protocol):
    """Where attachments are kept; checks every file by its content before keeping it."""

    def put(self, content: bytes, filename: str, allowed: frozenset[str] = DEFAULT_KINDS) -> StoredFile:
        """Check `content` (kind among `allowed`, size, readable), strip image metadata, keep it; or raise FileRefused."""
        ...

    def open(self, key: str) -> bytes:
        """The kept bytes; raises NotFound for a key that is not (or no longer) kept."""
        ...

    def delete(self, key: str) -> None:
        """Forget one file; a file already gone is no error."""
        ...


# --- the rules ----------------------------------------------------------------------------------

def megabytes(size: int) -> str:
    """A size as people say it: "25 MB", "1.5 MB", "300 KB"."""
    if size >= 1024 * 1024:
        mb = size / (1024 * 1024)
        return f"{mb:.0f} MB" if mb >= 10 or mb.is_integer() else f"{mb:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def check_size(size: int, limit: int = MAX_BYTES) -> None:
    """Refuse an empty file or one over the limit, saying how big it is."""
    if size <= 0:
        raise FileRefused("This file is empty.")
    if size > limit:
        raise FileRefused(f"This file is {megabytes(size)}; the limit is {megabytes(limit)}.")


def expected(allowed: frozenset[str]) -> str:
    """What the caller accepts, in words: "an image", "an image or a PDF", "an image, a PDF or a spreadsheet"."""
    names = ["an image"] if allowed & IMAGE_KINDS else []
    for kind in sorted(allowed - IMAGE_KINDS):
        name = _WHAT.get(kind, f"a {kind.upper()} file")
        if name not in names:
            names.append(name)
    if len(names) <= 1:
        return names[0] if names else "nothing"
    return ", ".join(names[:-1]) + " or " + names[-1]


def check_kind(kind: str | None, allowed: frozenset[str]) -> None:
    """Refuse a kind the caller does not accept (None: the content was not recognised)."""
    if kind is not None and kind in allowed:
        return
    if kind is None:
        raise FileRefused(f"This file's type was not recognised; send {expected(allowed)}.")
    what = _WHAT.get(kind, f"a {kind.upper()} file")
    raise FileRefused(f"This file is {what}, not {expected(allowed)}.")


def kind_of_key(key: str) -> str:
    """The kind a key was stored as (its suffix)."""
    return key.rsplit(".", 1)[-1]


def mime_of_key(key: str) -> str:
    """The content type to serve a stored file with."""
    return MIME_BY_KIND.get(kind_of_key(key), "application/octet-stream")


# --- the signed link that shows one stored file on the web --------------------------------------

def file_token(links: LinkSigner, key: str, now: datetime) -> str:
    """A short-lived signed token naming one stored file (for /files/<token>)."""
    return links.sign(FILE_LINK, {"k": key}, now)


def file_key(links: LinkSigner, token: str, now: datetime) -> str:
    """The stored file a token names; LinkExpired after FILE_LINK_TTL, LinkInvalid when forged."""
    data = links.load(FILE_LINK, token, FILE_LINK_TTL, now)
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise LinkInvalid("This link is not valid.")
    return key


@dataclass(frozen=True)
class SignedFile:
    """A stored file fetched through a signed link: its bytes and how to serve them."""

    content: bytes
    mime: str
    is_image: bool


def open_signed(links: LinkSigner, store: AttachmentStore, token: str, now: datetime) -> SignedFile:
    """The file a signed link names, if the link is genuine and fresh and the file still kept."""
    key = file_key(links, token, now)
    kind = kind_of_key(key)
    return SignedFile(content=store.open(key), mime=mime_of_key(key), is_image=kind in IMAGE_KINDS)


def file_url(base_url: str, token: str) -> str:
    """Where a signed file link points."""
    return f"{base_url.rstrip('/')}/files/{token}"
