"""The JSON API over HTTP for every role, its errors, and the API token service."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.routing import Mount, Route

from domain.actors import Actor
from domain.auth import api_tokens
from domain.errors import Forbidden
from domain.groups import services as groups
from domain.models import ApiToken, PersonStatus, Role, Task, TaskEvent, TaskStatus
from domain.people import services as people
from domain.tasks import services as tasks
from tests.auxil.databases import count, task_status
from tests.auxil.web import api_token, client, make_deps
from web.app import create_app


class World:
    """An admin, two teachers with a group each, students in them, and a member."""

    def __init__(self, db, make_person, clock):
        self.db, self.clock = db, clock
        self.admin = make_person(Role.ADMIN, "Ada")
        self.teacher = make_person(Role.TEACHER, "Tess")
        self.teacher2 = make_person(Role.TEACHER, "Theo")
        self.s1 = make_person(Role.STUDENT, "Sam")
        self.s2 = make_person(Role.STUDENT, "Sue")
        self.s3 = make_person(Role.STUDENT, "Sid")
        self.member = make_person(Role.MEMBER, "Max")
        self.g1 = groups.create_group(db.uow(), Actor.telegram(self.teacher.id), "Maths", [self.s1.id])
        self.g2 = groups.create_group(db.uow(), Actor.telegram(self.teacher2.id), "Art",
                                      [self.s2.id, self.s3.id])
        now = clock.now()
        # admin -> everyone, due in 1 day; teacher -> s1 due in 2 days; teacher2 -> s2, s3 no due
        self.a_all = self.assign(self.admin, person_ids=[self.s1.id, self.s2.id, self.s3.id],
                                 due_at=now + timedelta(days=1))
        self.a_t1 = self.assign(self.teacher, group_ids=[self.g1.id], due_at=now + timedelta(days=2))
        self.a_t2 = self.assign(self.teacher2, group_ids=[self.g2.id])
        self.tokens = {name: api_token(db, getattr(self, name).id)
                       for name in ("admin", "teacher", "teacher2", "s1", "s2", "member")}

    def assign(self, who, **kw):
        return tasks.assign(self.db.uow(), Actor.telegram(who.id),
                            tasks.AssignmentSpec(title=f"Work from {who.name}", **kw)).assignment_id

    def task_of(self, assignment_id, person):
        with self.db.uow(readonly=True) as uow:
            return uow.session.scalar(select(Task.id).where(
                Task.assignment_id == assignment_id, Task.assignee_id == person.id))


@pytest.fixture
def world(db, make_person, clock):
    return World(db, make_person, clock)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


async def test_health_and_schema_need_no_token_and_the_schema_matches_the_routes(db):
    deps = make_deps(db)
    app = create_app(deps)
    async with client(deps) as http:
        assert (await http.get("/api/health")).json() == {"status": "ok"}
        schema = (await http.get("/api/openapi.json")).json()
    assert schema["openapi"].startswith("3.")
    api_mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/api")
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    served = {(r.path, m) for r in api_mount.routes if isinstance(r, Route) for m in r.methods
              if m != "HEAD" and r.path != "/openapi.json"}
    assert documented == served
    refs = {ref.rsplit("/", 1)[1] for ref in _refs(schema)}
    assert refs <= set(schema["components"]["schemas"])
    assert not any(name.endswith("Query") for name in schema["components"]["schemas"])  # became parameters
    list_params = {p["name"] for p in schema["paths"]["/tasks"]["get"]["parameters"]}
    assert list_params == {"status", "assignee_id", "group_id", "assignment_id", "due_from", "due_to",
                           "limit", "offset"}


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def conforms(value, node, schema, where="$"):
    """Check `value` against the generated document's schema `node` (the subset the document uses):
    every required property present, no property the schema does not declare, types, enums, formats."""
    if "$ref" in node:
        return conforms(value, schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], schema, where)
    if "anyOf" in node:
        failures = []
        for option in node["anyOf"]:
            try:
                return conforms(value, option, schema, where)
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError(f"{where}: no option fits: {failures}")
    kind = node.get("type")
    if kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), where
        assert node.get("minimum", value) <= value <= node.get("maximum", value), where
    elif kind is not None:
        assert isinstance(value, _TYPES[kind]), f"{where}: {value!r} is not {kind}"
    if "enum" in node:
        assert value in node["enum"], where
    if "const" in node:
        assert value == node["const"], where
    if node.get("format") == "date-time":
        assert datetime.fromisoformat(value).tzinfo is not None, where
    if kind == "object":
        properties = node.get("properties", {})
        assert set(node.get("required", ())) <= set(value), f"{where}: missing {set(node['required']) - set(value)}"
        assert set(value) <= set(properties), f"{where}: undocumented {set(value) - set(properties)}"
        for key, item in value.items():
            conforms(item, properties[key], schema, f"{where}.{key}")
    if kind == "array":
        for i, item in enumerate(value):
            conforms(item, node["items"], schema, f"{where}[{i}]")


async def test_answers_match_the_generated_document(db, world, clock):
    """Every answer the API gives in this walk, success or refusal, fits the schema the document declares."""
    deps = make_deps(db)
    async with client(deps) as http:
        schema = (await http.get("/api/openapi.json")).json()

        async def check(response, path, method="get"):
            responses = schema["paths"][path][method]["responses"]
            assert str(response.status_code) in responses, (path, response.status_code)
            declared = responses[str(response.status_code)]["content"]["application/json"]["schema"]
            conforms(response.json(), declared, schema)
            return response.json()

        await check(await http.get("/api/health"), "/health")
        page = await check(await get(http, world, "admin", "/api/tasks"), "/tasks")
        assert page["items"] and all("assignee_name" in t for t in page["items"])
        await check(await get(http, world, "admin", "/api/tasks", limit="0"), "/tasks")
        await check(await http.get("/api/tasks"), "/tasks")
        await check(await get(http, world, "s1", "/api/tasks"), "/tasks")
        await check(await get(http, world, "s1", f"/api/people/{world.s1.id}/tasks"), "/people/{person_id}/tasks")
        await check(await get(http, world, "admin", "/api/people/999999/tasks"), "/people/{person_id}/tasks")
        mine = world.task_of(world.a_all, world.s1)
        started = await check(await http.post(f"/api/tasks/{mine}/start", headers=world.tokens["s1"]),
                              "/tasks/{task_id}/start", "post")
        assert "assignee_name" not in started["task"]  # as before: names only in listings
        assert started["task"]["created_at"].endswith("+00:00")  # isoformat, not "Z"
        await check(await http.post(f"/api/tasks/{mine}/complete", headers=world.tokens["s2"]),
                    "/tasks/{task_id}/complete", "post")
        body = {"title": "Read", "person_ids": [world.s1.id], "due_at": (clock.now() + timedelta(days=1)).isoformat()}
        await check(await http.post("/api/assignments", json=body, headers=world.tokens["admin"]),
                    "/assignments", "post")
        await check(await http.post("/api/assignments", json={"title": 1}, headers=world.tokens["admin"]),
                    "/assignments", "post")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer    ", "Basic dXNlcjpwYXNz", "Bearer tb_wrong",
                                    "Bearer " + "x" * 500])
async def test_no_or_bad_token_is_401(db, world, header):
    deps = make_deps(db)
    async with client(deps) as http:
        response = await http.get("/api/tasks", headers={"authorization": header} if header else {})
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_revoked_token_and_disabled_person_are_401(db, world):
    deps = make_deps(db)
    token, plaintext = api_tokens.create_token(db.uow(), Actor.telegram(world.admin.id), world.admin.id, "ci")
    headers = {"authorization": f"Bearer {plaintext}"}
    async with client(deps) as http:
        assert (await http.get("/api/tasks", headers=headers)).status_code == 200
        assert api_tokens.revoke(db.uow(), Actor.telegram(world.admin.id), token.id) is True
        assert api_tokens.revoke(db.uow(), Actor.telegram(world.admin.id), token.id) is False
        assert_error(await http.get("/api/tasks", headers=headers), 401)
        people.set_status(db.uow(), Actor.system(), world.teacher.id, PersonStatus.DISABLED)
        assert_error(await http.get("/api/tasks", headers=world.tokens["teacher"]), 401)


def test_token_service_stores_only_the_hash_and_authorises(db, world, clock):
    me = Actor.telegram(world.s1.id)
    token, plaintext = api_tokens.create_token(db.uow(), me, world.s1.id, "  my   script ")
    assert token.name == "my script" and plaintext.startswith("tb_")
    with db.uow(readonly=True) as uow:
        stored = uow.session.get(ApiToken, token.id)
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in repr(stored.__dict__)
    with pytest.raises(Forbidden):
        api_tokens.create_token(db.uow(), me, world.s2.id, "not mine")
    with pytest.raises(Forbidden):
        api_tokens.revoke(db.uow(), Actor.telegram(world.s2.id), token.id)
    assert api_tokens.authenticate(db.uow(readonly=True), plaintext).id == world.s1.id
    assert api_tokens.authenticate(db.uow(readonly=True), plaintext[:-1]) is None
    with db.uow(readonly=True) as uow:
        assert uow.session.get(ApiToken, token.id).last_used_at == clock.now()
    listed = [t.id for t in api_tokens.list_tokens(db.uow(), Actor.system(), world.s1.id)]
    assert len(listed) == 2 and listed[0] == token.id  # newest first


async def get(http, world, who, url, **params):
    return await http.get(url, headers=world.tokens[who], params=params)


async def test_list_tasks_by_role(db, world):
    deps = make_deps(db)
    async with client(deps) as http:
        admin = (await get(http, world, "admin", "/api/tasks")).json()
        teacher = (await get(http, world, "teacher", "/api/tasks")).json()
        teacher2 = (await get(http, world, "teacher2", "/api/tasks")).json()
        for who in ("s1", "member"):
            assert_error(await get(http, world, who, "/api/tasks"), 403, "forbidden")
    assert admin["total"] == 6 and len(admin["items"]) == 6
    # Tess: the task she assigned + the admin's task for Sam, who is in her group
    assert {(t["assignee_id"], t["assigner_id"]) for t in teacher["items"]} == {
        (world.s1.id, world.teacher.id), (world.s1.id, world.admin.id)}
    assert teacher["total"] == 2
    assert teacher2["total"] == 4
    item = teacher["items"][0]
    assert item["assignee_name"] == "Sam" and item["due_at"].endswith("+00:00")
    assert item["status"] == "pending" and item["priority"] == "normal"


async def test_filters_and_pagination(db, world, clock):
    deps = make_deps(db)
    s2_task = world.task_of(world.a_all, world.s2)
    tasks.start_task(db.uow(), Actor.telegram(world.s2.id), s2_task)
    async with client(deps) as http:
        async def ids(**params):
            body = (await get(http, world, "admin", "/api/tasks", **params)).json()
            return body["total"], [t["id"] for t in body["items"]]

        total, started = await ids(status="in_progress")
        assert (total, started) == (1, [s2_task])
        assert (await ids(assignee_id=world.s3.id))[0] == 2
        assert (await ids(group_id=world.g2.id))[0] == 4
        assert (await ids(assignment_id=world.a_t1))[0] == 1
        day = clock.now() + timedelta(days=1)
        assert (await ids(due_from=(day + timedelta(hours=1)).isoformat()))[0] == 1
        assert (await ids(due_to=day.isoformat().replace("+00:00", "Z")))[0] == 3
        assert (await ids(due_from=clock.now().isoformat(), due_to=day.isoformat()))[0] == 3
        everything = (await ids(limit=200))[1]
        pages = [(await ids(limit=4, offset=0))[1], (await ids(limit=4, offset=4))[1]]
        assert pages[0] + pages[1] == everything and len(pages[1]) == 2
        last = (await get(http, world, "admin", "/api/tasks", limit=4, offset=4)).json()
        assert (last["total"], last["limit"], last["offset"]) == (6, 4, 4)
        assert (await ids(offset=100)) == (6, [])
        # teachers' filters apply within what they may see
        assert (await get(http, world, "teacher", "/api/tasks", assignee_id=world.s2.id)).json()["total"] == 0


@pytest.mark.parametrize("params", [
    {"status": "finished"}, {"limit": "0"}, {"limit": "201"}, {"limit": "ten"}, {"offset": "-1"},
    {"assignee_id": "abc"}, {"assignee_id": "0"}, {"group_id": "99999999999999999999"},
    {"due_from": "tomorrow"}, {"due_to": "2026-11-05T10:00:00"}, {"due_from": "9999-12-31T23:59:59-05:00"},
    {"limit": "²"}, {"due_to": ""}, {"assignee_id": ""}, {"status": ""},
])
async def test_bad_query_parameters_are_400(db, make_person, params):
    headers = api_token(db, make_person(Role.ADMIN).id)
    deps = make_deps(db)
    async with client(deps) as http:
        assert_error(await http.get("/api/tasks", params=params, headers=headers), 400, "bad_request")


async def test_person_tasks_by_role(db, world):
    deps = make_deps(db)
    url = f"/api/people/{world.s1.id}/tasks"
    async with client(deps) as http:
        for who in ("s1", "admin", "teacher"):
            body = (await get(http, world, who, url)).json()
            assert body["total"] == 2 and {t["assignee_id"] for t in body["items"]} == {world.s1.id}, who
        assert (await get(http, world, "s1", url, status="done")).json()["total"] == 0
        for who in ("teacher2", "s2", "member"):
            assert_error(await get(http, world, who, url), 403, "forbidden")
        assert_error(await get(http, world, "admin", "/api/people/999999/tasks"), 404, "not_found")
        assert_error(await get(http, world, "admin", "/api/people/abc/tasks"), 404, "not_found")
        assert_error(await get(http, world, "s1", url, status="nope"), 400)
        assert_error(await http.get(url), 401)


async def test_start_and_complete_through_the_api(db, world, clock):
    deps = make_deps(db)
    mine = world.task_of(world.a_all, world.s1)
    theirs = world.task_of(world.a_all, world.s2)
    async with client(deps) as http:
        async def post(who, task_id, action):
            return await http.post(f"/api/tasks/{task_id}/{action}", headers=world.tokens[who])

        started = (await post("s1", mine, "start")).json()
        assert started["changed"] is True and started["task"]["status"] == "in_progress"
        again = (await post("s1", mine, "start")).json()
        assert again == {**again, "changed": False, "message": "Already started."}
        clock.advance(minutes=10)
        done = await post("s1", mine, "complete")
        assert done.status_code == 200 and done.json()["task"]["status"] == "done"
        assert done.json()["task"]["completed_at"] == clock.now().isoformat()
        for who in ("s1", "admin", "teacher"):
            assert_error(await post(who, theirs, "complete"), 403, "forbidden")
        assert_error(await post("s1", 999999, "start"), 404, "not_found")
        assert_error(await post("s1", "x1", "start"), 404)
        tasks.cancel_task(db.uow(), Actor.telegram(world.admin.id), theirs)
        assert_error(await post("s2", theirs, "complete"), 409, "illegal_transition")
        assert_error(await post("s2", theirs, "start"), 409, "illegal_transition")
        assert_error(await http.post(f"/api/tasks/{mine}/start"), 401)
        assert_error(await http.get(f"/api/tasks/{mine}/start", headers=world.tokens["s1"]), 405)
    assert task_status(db, theirs) == TaskStatus.CANCELLED
    with db.uow(readonly=True) as uow:
        events = uow.session.execute(select(TaskEvent.channel, TaskEvent.ip).where(
            TaskEvent.task_id == mine)).all()
    assert [(c.value, ip) for c, ip in events] == [("web", "127.0.0.1"), ("web", "127.0.0.1")]


async def test_create_assignment_fans_out(db, world, clock):
    deps = make_deps(db)
    due = (clock.now() + timedelta(days=3)).astimezone().isoformat()
    body = {"title": "Project", "description": "Build a bridge", "group_ids": [world.g2.id],
            "person_ids": [world.s1.id, world.s2.id], "due_at": "2026-11-09T17:00:00+05:30",
            "priority": "high", "requires_review": True}
    async with client(deps) as http:
        created = await http.post("/api/assignments", json=body, headers=world.tokens["admin"])
        assert created.status_code == 201, created.text
        result = created.json()
        assert result["task_count"] == 3 and result["skipped_person_ids"] == []
        listed = (await get(http, world, "admin", "/api/tasks",
                            assignment_id=result["assignment_id"])).json()
        teacher = await http.post("/api/assignments", json={"title": "Quiz", "group_ids": [world.g1.id],
                                                            "due_at": due},
                                  headers=world.tokens["teacher"])
        assert teacher.status_code == 201 and teacher.json()["task_count"] == 1
        assert_error(await http.post("/api/assignments", json={"title": "X", "group_ids": [world.g2.id]},
                                     headers=world.tokens["teacher"]), 403, "forbidden")
        assert_error(await http.post("/api/assignments", json={"title": "X", "person_ids": [world.s2.id]},
                                     headers=world.tokens["s1"]), 403, "forbidden")
        assert_error(await http.post("/api/assignments", json={"title": "X", "group_ids": [999999]},
                                     headers=world.tokens["admin"]), 404, "not_found")
        assert_error(await http.post("/api/assignments", json={"title": "X"}), 401)
    assert listed["total"] == 3
    item = listed["items"][0]
    assert item["due_at"] == "2026-11-09T11:30:00+00:00" and item["priority"] == "high"
    assert item["requires_review"] is True and item["description"] == "Build a bridge"


@pytest.mark.parametrize(("body", "needle"), [
    (b"{not json", "not valid JSON"),
    (b"", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"person_ids": [1]}', "Missing field(s): title"),
    (b'{"title": "X", "person_ids": [1], "colour": "red"}', "Unknown field(s): colour"),
    (b'{"title": 5, "person_ids": [1]}', "title must be a string"),
    (b'{"title": "X", "person_ids": "1"}', "person_ids must be a list"),
    (b'{"title": "X", "person_ids": [true]}', "person_ids must be a list"),
    (b'{"title": "X", "person_ids": [1.5]}', "person_ids must be a list"),
    (b'{"title": "X", "person_ids": [99999999999]}', "person_ids must be a list"),
    (b'{"title": "X", "group_ids": [-1]}', "group_ids must be a list"),
    (b'{"title": "X", "person_ids": [1], "priority": "asap"}', "priority must be one of"),
    (b'{"title": "X", "person_ids": [1], "priority": 3}', "priority must be a string"),
    (b'{"title": "X", "person_ids": [1], "requires_review": "yes"}', "true or false"),
    (b'{"title": "X", "person_ids": [1], "due_at": "2026-11-09T17:00:00"}', "time zone offset"),
    (b'{"title": "X", "person_ids": [1], "due_at": "next week"}', "ISO 8601"),
    (b'{"title": "X", "person_ids": [1], "due_at": 1700000000}', "ISO 8601"),
    (b'{"title": "X", "person_ids": [1], "due_at": "0001-01-01T00:00:00+05:00"}', "out of range"),
    (b'{"title": "X", "person_ids": [1], "due_at": "2020-01-01T00:00:00Z"}', "past"),
    (b'{"title": "   ", "person_ids": [1]}', "title"),
    (b'{"title": "X"}', "at least one person or group"),
])
async def test_invalid_assignment_bodies_are_422(db, make_person, body, needle):
    admin = make_person(Role.ADMIN)
    make_person(Role.STUDENT)  # id 2; the bodies name person 1 (the admin)
    deps = make_deps(db)
    before = count(db, Task)
    async with client(deps) as http:
        response = await http.post("/api/assignments", content=body, headers={
            **api_token(db, admin.id), "content-type": "application/json"})
    assert_error(response, 422, "invalid_input")
    assert needle in response.json()["error"]["message"]
    assert count(db, Task) == before


async def test_unknown_api_paths_answer_json(db, world):
    deps = make_deps(db)
    async with client(deps) as http:
        assert_error(await http.get("/api/nothing"), 404, "not_found")
        assert_error(await http.delete("/api/tasks", headers=world.tokens["admin"]), 405)
