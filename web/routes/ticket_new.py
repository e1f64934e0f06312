"""Filing a request from the console: a team, a title, the team's extra fields, photos; the team's staff
may file for an outside contact (the domain decides who may)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError, InvalidInput
from domain.models import Priority
from domain.teams import queries as team_queries
from domain.teams.queries import TeamRow
from domain.tickets import services as tickets
from domain.tickets.rows import Contact, TicketSpec
from web.console import Console, console_page, page, run, see_other, uow_of
from web.deps import get_deps
from web.desk_files import forget, kept_uploads
from web.forms import bounded, parse_choice, parse_id
from web.routes.tickets import EVERYONE


def _context(teams: list[TeamRow], values: dict[str, Any], error: str | None) -> dict[str, Any]:
    return {"teams": teams, "v": values, "priorities": list(Priority), "error": error, "flash": None}


def _values(c: Console | None, teams: list[TeamRow]) -> dict[str, Any]:
    """The form's values (empty for a fresh form); extra fields are named field_<team id>_<key>."""
    get = (lambda name, limit: bounded(c.field(name), limit)) if c is not None else (lambda _n, _l: "")
    fields = {f"field_{t.id}_{f.key}": get(f"field_{t.id}_{f.key}", 200) for t in teams for f in t.fields}
    return {"team_id": parse_id(get("team_id", 12)), "title": get("title", 200), "description": get("description", 4000),
            "priority": get("priority", 20) or "normal", "contact_name": get("contact_name", 120),
            "contact_phone": get("contact_phone", 40), "contact_email": get("contact_email", 200), **fields}


@console_page(*EVERYONE)
async def new_form(request: Request, c: Console) -> Response:
    """The new-request form, offering every open team."""
    teams = await run(team_queries.list_teams, uow_of(request, True), c.actor)
    values = _values(None, teams)
    values["team_id"] = parse_id(request.query_params.get("team_id"))
    return page(request, c, "admin/ticket_new.html", _context(teams, values, None))


@console_page(*EVERYONE, back="/admin/tickets/new")
async def new_submit(request: Request, c: Console) -> Response:
    """File the request (with its photos), or show the form again with what was wrong."""
    deps = get_deps(request)
    teams = await run(team_queries.list_teams, uow_of(request, True), c.actor)
    v = _values(c, teams)
    team = next((t for t in teams if t.id == v["team_id"]), None)
    kept = []
    try:
        if team is None:
            raise InvalidInput("Choose a team.")
        kept = await kept_uploads(deps, c.form.getlist("photo") if c.form is not None else [], team.file_kinds)
        contact = Contact(v["contact_name"], v["contact_phone"] or None, v["contact_email"] or None) \
            if v["contact_name"].strip() else None
        spec = TicketSpec(team_id=team.id, title=v["title"], description=v["description"],
                          priority=parse_choice(Priority, v["priority"]) or Priority.NORMAL,
                          fields={f.key: v[f"field_{team.id}_{f.key}"] for f in team.fields
                                  if v[f"field_{team.id}_{f.key}"].strip()},
                          contact=contact, attachments=kept)
        result = await run(tickets.file_ticket, uow_of(request), c.actor, spec)
    except DomainError as exc:
        await run(forget, deps, kept)
        if not isinstance(exc, InvalidInput):
            raise
        return page(request, c, "admin/ticket_new.html", _context(teams, v, exc.message), 422)
    return see_other(f"/admin/tickets/{result.ticket.id}", m="filed")


routes = [
    Route("/admin/tickets/new", new_form, methods=["GET"]),
    Route("/admin/tickets/new", new_submit, methods=["POST"]),
]
