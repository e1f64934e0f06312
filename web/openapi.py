"""The OpenAPI 3.1 document of /api, generated from the operations table and the pydantic models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from domain import idempotency
from web.api_models import Error
from web.forms import MAX_ID
from web.idempotency import HEADER, REPLAYED

REF = "#/components/schemas/{model}"
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
INFO = {"title": "Taskbell API", "version": "1.0.0",
        "description": "Tasks and assignments. Authenticate with a personal API token: "
                       "`Authorization: Bearer <token>`. Times are ISO 8601 with an offset; answers are in UTC. "
                       "Every POST accepts an `Idempotency-Key` header so that a retry does not write twice."}


@dataclass(frozen=True)
class Operation:
    """One API endpoint: its route, its handler, and what it reads and answers (for the document)."""

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Callable[..., Any]
    answer: type[BaseModel]
    answer_doc: str
    status: int = 200
    errors: dict[int, str] = field(default_factory=dict)
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: tuple[str, ...] = ()
    secured: bool = True
    name: str | None = None  # the route's name (url_for)
    idempotent: bool = False  # accepts an Idempotency-Key header


IDEMPOTENCY_KEY = {
    "name": HEADER, "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY,
               "pattern": idempotency.KEY_PATTERN.pattern},
    "description": "Makes a retry safe: a request repeated with the same key and the same body (from the "
                   "same person, within 24 hours) is not done again; it gets the first answer again, with "
                   f"`{REPLAYED}: true`. Only successful answers are kept: a refused request may be "
                   "retried with its key. A new request needs a new key (a UUID is a good choice).",
}
IDEMPOTENCY_ERRORS = {
    400: f"The {HEADER} header is malformed.",
    409: f"A request with this {HEADER} is still in progress.",
    422: f"This {HEADER} was used before for a different request (another body or path).",
}


def _errors(op: Operation) -> dict[int, str]:
    """The operation's error answers, with those of the idempotency key when it takes one."""
    if not op.idempotent:
        return op.errors
    merged = dict(op.errors)
    for code, text in IDEMPOTENCY_ERRORS.items():
        merged[code] = f"{merged[code]} Or: {text}" if code in merged else text
    return merged


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameter(name: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """A query parameter from a model property: optional ones are absent, never null."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    description = schema.pop("description", None)
    if any_of := schema.pop("anyOf", None):
        schema = {**next(s for s in any_of if s.get("type") != "null"), **schema}
    if schema.get("default", 0) is None:
        del schema["default"]
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def openapi_document(operations: list[Operation], server_url: str) -> dict[str, Any]:
    """The whole document: paths from `operations`, components from their models."""
    modes: list[tuple[type[BaseModel], Any]] = [(Error, "serialization")]
    for op in operations:
        modes.append((op.answer, "serialization"))
        modes += [(m, "validation") for m in (op.query, op.body) if m is not None]
    refs, top = models_json_schema(list(dict.fromkeys(modes)), ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    error = refs[(Error, "serialization")]
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters = [{"name": p, "in": "path", "required": True, "schema": _ID} for p in op.path_params]
        if op.query is not None:
            query = schemas.pop(refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[1])
            parameters += [_parameter(name, prop, name in query.get("required", ()))
                           for name, prop in query["properties"].items()]
        operation: dict[str, Any] = {
            "operationId": op.operation_id, "summary": op.summary,
            "security": [{"bearer": []}] if op.secured else [],
            "responses": {str(op.status): _json(refs[(op.answer, "serialization")], op.answer_doc),
                          **{str(code): _json(error, text) for code, text in sorted(_errors(op).items())}},
        }
        if op.idempotent:
            parameters.append(IDEMPOTENCY_KEY)
        if parameters:
            operation["parameters"] = parameters
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": refs[(op.body, "validation")]}}}
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": f"{server_url.rstrip('/')}/api"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal API token."}},
            "schemas": schemas,
        },
    }
