"""Service-desk teams in the console (admins): members and leads, who hears of new tickets and of
resolutions, the extra fields a team's tickets carry, and the organisation's CC list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.people import queries as people_queries
from domain.perms.catalogue import OPS_ADMIN
from domain.teams import queries as team_queries
from domain.teams import services as teams
from domain.teams.queries import FieldSpec
from web.console import (
    Console,
    console_page,
    flash_message,
    page,
    run,
    see_other,
    uow_of,
)
from web.forms import bounded, parse_id, parse_ids, path_id

MAX_FIELD_LINES = 20
MAX_FILE_KINDS = 10
FLASH = {"team_saved": "Team saved.", "members_saved": "Members saved.", "cc_saved": "CC list saved."}


def _flash(request: Request) -> str | None:
    return FLASH.get(request.query_params.get("m", "")) or flash_message(request)


def fields_text(fields: tuple[FieldSpec, ...]) -> str:
    """A team's extra fields as the form shows them: 'key | Label | required', one a line."""
    return "\n".join(f"{f.key} | {f.label}{' | required' if f.required else ''}" for f in fields)


def parse_fields(text: str) -> list[FieldSpec]:
    """The extra fields from the form's lines (the domain checks the keys)."""
    specs = []
    for line in [ln for ln in text.splitlines() if ln.strip()][:MAX_FIELD_LINES]:
        parts = [p.strip() for p in line.split("|")]
        key, label = parts[0], parts[1] if len(parts) > 1 and parts[1] else parts[0]
        specs.append(FieldSpec(key=key, label=label[:80],
                               required=len(parts) > 2 and parts[2].lower() in ("required", "yes", "1")))
    return specs


def _spec(c: Console, options: dict[str, object] | None = None) -> teams.TeamSpec:
    """The team form as a spec; `options` the team's current switches (the form sets its file kinds)."""
    kinds = sorted({k.lower().lstrip(".") for k in bounded(c.field("file_kinds"), 200).replace(",", " ").split()
                    if k.strip(".").isalnum()})[:MAX_FILE_KINDS]
    return teams.TeamSpec(name=bounded(c.field("name"), 80, strip=True),
                          description=bounded(c.field("description"), 2000),
                          fields=parse_fields(bounded(c.field("fields"), 4000)),
                          options={**(options or {}), "file_kinds": kinds})


async def _people(request: Request, c: Console) -> list[tuple[int, str]]:
    choices = await run(people_queries.person_choices, uow_of(request, True), c.actor)
    return [(i, n) for i, n, _role in choices]


@console_page(perm=OPS_ADMIN)
async def teams_list(request: Request, c: Console) -> Response:
    """Every team, the new-team form and the organisation CC list."""
    rows = await run(team_queries.list_teams, uow_of(request, True), c.actor, True)
    cc = await run(team_queries.org_cc, uow_of(request, True), c.actor)
    return page(request, c, "admin/teams.html", {
        "rows": rows, "cc_ids": {p.id for p in cc}, "cc": cc, "people": await _people(request, c),
        "flash": _flash(request), "error": None})


@console_page(perm=OPS_ADMIN, back="/admin/teams")
async def team_create(request: Request, c: Console) -> Response:
    """Create a team (its members are set on its page)."""
    row = await run(teams.create_team, uow_of(request), c.actor, _spec(c))
    return see_other(f"/admin/teams/{row.id}", m="team_saved")


@console_page(perm=OPS_ADMIN, back="/admin/teams")
async def org_cc_save(request: Request, c: Console) -> Response:
    """Replace the organisation CC list (copied on every new ticket)."""
    await run(teams.set_org_cc, uow_of(request), c.actor, parse_ids(c.fields("person_id")))
    return see_other("/admin/teams", m="cc_saved")


@console_page(perm=OPS_ADMIN, back="/admin/teams")
async def team_show(request: Request, c: Console) -> Response:
    """One team: its details and extra fields, its members with their lead and notify flags."""
    row = await run(team_queries.get_team, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/team.html", {
        "t": row, "fields_text": fields_text(row.fields), "people": await _people(request, c),
        "flash": _flash(request)})


@console_page(perm=OPS_ADMIN, back="/admin/teams")
async def team_update(request: Request, c: Console) -> Response:
    """Save a team's name, description, extra fields and options."""
    team_id = path_id(request)
    current = await run(team_queries.get_team, uow_of(request, True), c.actor, team_id)
    await run(teams.update_team, uow_of(request), c.actor, team_id, _spec(c, current.options))
    return see_other(f"/admin/teams/{team_id}", m="team_saved")


def _members(c: Console) -> list[teams.MemberSpec]:
    """The members table as posted (unticked 'keep' drops one), plus the person being added."""
    out = []
    for pid in parse_ids(c.fields("person_id")):
        if c.field(f"keep_{pid}") == "1":
            out.append(teams.MemberSpec(pid, c.field(f"lead_{pid}") == "1", c.field(f"new_{pid}") == "1",
                                        c.field(f"resolved_{pid}") == "1"))
    added = parse_id(c.field("add_id"))
    if added is not None and added not in {m.person_id for m in out}:
        out.append(teams.MemberSpec(added, c.field("add_lead") == "1", c.field("add_new") == "1",
                                    c.field("add_resolved") == "1"))
    return out


@console_page(perm=OPS_ADMIN, back="/admin/teams")
async def team_members(request: Request, c: Console) -> Response:
    """Replace the team's members and their flags."""
    team_id = path_id(request)
    await run(teams.set_members, uow_of(request), c.actor, team_id, _members(c))
    return see_other(f"/admin/teams/{team_id}", m="members_saved")


@console_page(perm=OPS_ADMIN, back="/admin/teams")
async def team_archive(request: Request, c: Console) -> Response:
    """Archive a team (no new tickets) or bring it back."""
    team_id = path_id(request)
    if c.field("archived") not in ("0", "1"):
        raise InvalidInput("Choose archive or restore.")
    await run(teams.archive_team, uow_of(request), c.actor, team_id, c.field("archived") == "1")
    return see_other(f"/admin/teams/{team_id}", m="team_saved")


routes = [
    Route("/admin/teams", teams_list, methods=["GET"], name="admin_teams"),
    Route("/admin/teams", team_create, methods=["POST"]),
    Route("/admin/teams/cc", org_cc_save, methods=["POST"]),
    Route("/admin/teams/{id}", team_show, methods=["GET"]),
    Route("/admin/teams/{id}", team_update, methods=["POST"]),
    Route("/admin/teams/{id}/members", team_members, methods=["POST"]),
    Route("/admin/teams/{id}/archive", team_archive, methods=["POST"]),
]
