"""Stored attachments on the web, behind short-lived signed links: GET /files/<token>."""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from domain import files
from domain.errors import DomainError
from web.deps import get_deps
from web.errors import status_for


async def show_file(request: Request) -> Response:
    """One stored file, if its signed link is genuine and unexpired (images inline, others as downloads)."""
    deps = get_deps(request)
    if deps.attachments is None:
        return PlainTextResponse("Files are not kept here.", 404)
    try:
        found = await to_thread.run_sync(files.open_signed, deps.links, deps.attachments,
                                         request.path_params["token"], deps.db.clock.now())
    except DomainError as exc:
        return PlainTextResponse(exc.message, status_for(exc), headers={"cache-control": "no-store"})
    disposition = "inline" if found.is_image or found.mime == "application/pdf" else "attachment"
    return Response(found.content, media_type=found.mime, headers={
        "cache-control": f"private, max-age={int(files.FILE_LINK_TTL.total_seconds())}",
        "content-disposition": disposition,
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "x-content-type-options": "nosniff",
    })


routes = [Route("/files/{token}", show_file, methods=["GET"])]
