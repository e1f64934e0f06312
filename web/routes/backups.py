"""Backups in the console (admins only): the log, "Back up now", the latest SQLite copy as a download."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from adapters import backup_files
from domain.errors import DomainError, NotFound
from domain.ops import backups as backups_view
from domain.perms.catalogue import BACKUPS_RUN
from web.console import Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.pages import NO_STORE

log = logging.getLogger(__name__)
CHUNK = 256 * 1024


def _directory(request: Request) -> Path:
    return Path(get_deps(request).settings.backup_dir)


async def _page(request: Request, c: Console, status: int = 200, **context: object) -> Response:
    """The backups page with its data."""
    data = await run(backups_view.overview, uow_of(request, True), c.actor, _directory(request))
    return page(request, c, "admin/backups.html", {
        "data": data, "result": None, "error": None, "flash": None, **context}, status)


@console_page(perm=BACKUPS_RUN)
async def backups_page(request: Request, c: Console) -> Response:
    """The backup log and the latest copy."""
    return await _page(request, c)


@console_page(perm=BACKUPS_RUN, back="/admin/backups")
async def backup_now(request: Request, c: Console) -> Response:
    """Back up now (admins)."""
    deps = get_deps(request)
    try:
        result = await run(backups_view.run_backup, deps.db, backup_files.for_engine(deps.db.engine), c.actor,
                           _directory(request))
    except DomainError:
        raise  # refused (not an admin, or one is running): the console's refusal page
    except Exception as exc:  # the backup failed: the log row has the error; show it
        log.warning("backup from the console failed: %s", exc)
        return await _page(request, c, 500, error=str(exc)[:500] or type(exc).__name__)
    return await _page(request, c, result=result, flash=f"Backed up: {result.path.name}.")


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _open(path: Path) -> tuple[BinaryIO, int]:
    handle = path.open("rb")  # once open, rotation deleting the file cannot cut the download short
    return handle, os.fstat(handle.fileno()).st_size


@console_page(perm=BACKUPS_RUN, back="/admin/backups")
async def download_latest(request: Request, c: Console) -> Response:
    """Download the latest SQLite copy."""
    path = await run(backups_view.latest_copy_for_download, uow_of(request), c.actor, _directory(request))
    try:
        handle, size = await to_thread.run_sync(_open, path)
    except FileNotFoundError:
        raise NotFound("The latest backup file is no longer there; back up again.") from None
    return StreamingResponse(_chunks(handle), media_type="application/vnd.sqlite3", headers={
        **NO_STORE, "content-length": str(size), "x-content-type-options": "nosniff",
        "content-disposition": f'attachment; filename="{path.name}"'})


routes = [
    Route("/admin/backups", backups_page, methods=["GET"], name="admin_backups"),
    Route("/admin/backups/run", backup_now, methods=["POST"]),
    Route("/admin/backups/latest", download_latest, methods=["GET"]),
]
