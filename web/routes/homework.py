"""Homework in the console (teachers for their batches, admins for all): the list per batch with "18 of 24
handed in", a homework's page with each student's hand-in, files, late flag and a review form, and the
form that sets new homework. The domain decides who may see and do what."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import files
from domain.errors import DomainError, InvalidInput
from domain.homework import queries, services
from domain.homework.rows import MAX_COMMENT, MAX_DESCRIPTION, MAX_TITLE, FileRow, HomeworkSpec
from web.console import STAFF, Console, console_page, flash_message, page, run, see_other, uow_of
from web.deps import WebDeps, get_deps
from web.desk_files import forget, kept_uploads
from web.forms import bounded, local_datetime, parse_id, path_id
from web.pages import zone

FLASH = {"homework_set": "Homework set: every student enrolled today is told in Telegram.",
         "reviewed": "Reviewed: the student reads your comment in Telegram."}


def _flash(request: Request) -> str | None:
    return FLASH.get(request.query_params.get("m", "")) or flash_message(request)


def _links(deps: WebDeps, rows: Sequence[FileRow]) -> dict[int, str]:
    """file id -> a signed /files/ path, for the files the store keeps (Telegram-only ones have none)."""
    now = deps.db.clock.now()
    return {f.id: f"/files/{files.file_token(deps.links, f.file_key, now)}" for f in rows
            if f.file_key and files.KEY_PATTERN.match(f.file_key)}


@console_page(*STAFF)
async def homework_list(request: Request, c: Console) -> Response:
    """Homework per batch with its counts (handed in, late, to review)."""
    rows = await run(queries.list_homework, uow_of(request, True), c.actor)
    per_batch = [(name, list(items)) for name, items in groupby(sorted(rows, key=lambda r: (r.batch, -r.due_at.timestamp())),
                                                                key=lambda r: r.batch)]
    return page(request, c, "admin/homework.html", {"per_batch": per_batch, "flash": _flash(request)})


def _values(c: Console | None) -> dict[str, Any]:
    get = (lambda name, limit: bounded(c.field(name), limit)) if c is not None else (lambda _n, _l: "")
    return {"batch_id": parse_id(get("batch_id", 12)), "title": get("title", MAX_TITLE + 1),
            "description": get("description", MAX_DESCRIPTION + 1), "due": get("due", 40)}


@console_page(*STAFF)
async def new_form(request: Request, c: Console) -> Response:
    """The form that sets homework to a batch."""
    batches = await run(queries.batch_choices, uow_of(request, True), c.actor)
    values = _values(None)
    values["batch_id"] = parse_id(request.query_params.get("batch_id"))
    return page(request, c, "admin/homework_new.html", {"batches": batches, "v": values, "error": None})


@console_page(*STAFF, back="/admin/homework/new")
async def new_submit(request: Request, c: Console) -> Response:
    """Set the homework (with its files), or show the form again with what was wrong."""
    deps = get_deps(request)
    batches = await run(queries.batch_choices, uow_of(request, True), c.actor)
    v = _values(c)
    kept = []
    try:
        if v["batch_id"] is None:
            raise InvalidInput("Choose a batch.")
        due = local_datetime(v["due"], zone(c.person.timezone, deps.settings.timezone))
        if due is None:
            raise InvalidInput("Give the due time.")
        kept = await kept_uploads(deps, c.form.getlist("file") if c.form is not None else [])
        result = await run(services.assign, uow_of(request), c.actor,
                           HomeworkSpec(v["batch_id"], v["title"], due, v["description"], tuple(kept)))
    except DomainError as exc:
        await run(forget, deps, kept)
        if not isinstance(exc, InvalidInput):
            raise
        return page(request, c, "admin/homework_new.html", {"batches": batches, "v": v, "error": exc.message}, 422)
    return see_other(f"/admin/homework/{result.homework_id}", m="homework_set")


@console_page(*STAFF, back="/admin/homework")
async def homework_show(request: Request, c: Console) -> Response:
    """One homework: each student's state, hand-in, files and late flag, with a review form per hand-in."""
    detail = await run(queries.homework_detail, uow_of(request, True), c.actor, path_id(request))
    every = [*detail.files, *(f for i in detail.items for f in i.files)]
    return page(request, c, "admin/homework_one.html", {
        "h": detail, "links": _links(get_deps(request), every), "max_comment": MAX_COMMENT,
        "flash": _flash(request)})


@console_page(*STAFF, back="/admin/homework")
async def review_submit(request: Request, c: Console) -> Response:
    """Mark a hand-in reviewed with a short comment (the student is told in Telegram)."""
    item_id = path_id(request)
    result = await run(services.review, uow_of(request), c.actor, item_id, bounded(c.field("comment"), 2000))
    detail, _item = await run(queries.item_detail, uow_of(request, True), c.actor, item_id)
    return see_other(f"/admin/homework/{detail.summary.id}", m="reviewed" if result.changed else "unchanged")


routes = [
    Route("/admin/homework", homework_list, methods=["GET"], name="admin_homework"),
    Route("/admin/homework/new", new_form, methods=["GET"]),
    Route("/admin/homework/new", new_submit, methods=["POST"]),
    Route("/admin/homework/{id}", homework_show, methods=["GET"]),
    Route("/admin/homework/items/{id}/review", review_submit, methods=["POST"]),
]
