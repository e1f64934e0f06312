"""The OpenAPI 3.1 description of /api, written by hand and checked against the routes in tests."""

from __future__ import annotations

from typing import Any

from domain.models import Priority, TaskStatus
from domain.tasks.queries import MAX_PAGE

_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


_AUTH_ERRORS = {"401": _error("Missing or invalid API token.")}
_PAGING = [
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}},
    {"name": "offset", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1, "default": 0}},
]
_STATUS_PARAM = {"name": "status", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": [s.value for s in TaskStatus]}}


def _transition(verb: str) -> dict[str, Any]:
    return {"post": {
        "operationId": f"{verb}Task",
        "summary": f"{verb.title()} one of your own tasks (the same action as the Telegram button).",
        "security": [{"bearer": []}],
        "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": _ID}],
        "responses": {
            "200": _json("Transition", "The task after the call; `changed` is false when it was "
                         "already in that state."),
            **_AUTH_ERRORS,
            "403": _error("The task is someone else's."),
            "404": _error("No such task."),
            "409": _error("The task's state does not allow this (for example it was cancelled)."),
        },
    }}


def openapi_schema(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Taskbell API", "version": "1.0.0",
                 "description": "Tasks and assignments. Authenticate with a personal API token: "
                                "`Authorization: Bearer <token>`. Times are ISO 8601 with an offset; "
                                "answers are in UTC."},
        "servers": [{"url": f"{server_url.rstrip('/')}/api"}],
        "paths": {
            "/health": {"get": {
                "operationId": "health", "summary": "The API answers.", "security": [],
                "responses": {"200": _json("Health", "OK.")}}},
            "/tasks": {"get": {
                "operationId": "listTasks",
                "summary": "Tasks you may see: admins all, teachers those they assigned or of the "
                           "members of the groups they run.",
                "security": [{"bearer": []}],
                "parameters": [
                    _STATUS_PARAM,
                    {"name": "assignee_id", "in": "query", "required": False, "schema": _ID},
                    {"name": "group_id", "in": "query", "required": False, "schema": _ID,
                     "description": "Tasks of the members of this group."},
                    {"name": "assignment_id", "in": "query", "required": False, "schema": _ID},
                    {"name": "due_from", "in": "query", "required": False, "schema": _TIME},
                    {"name": "due_to", "in": "query", "required": False, "schema": _TIME},
                    *_PAGING,
                ],
                "responses": {
                    "200": _json("TaskPage", "One page of tasks, soonest due first."),
                    "400": _error("A query parameter is malformed."),
                    **_AUTH_ERRORS,
                    "403": _error("Only admins and teachers may list tasks."),
                },
            }},
            "/people/{person_id}/tasks": {"get": {
                "operationId": "personTasks",
                "summary": "One person's tasks: for themself, admins, and teachers running a group "
                           "the person is in.",
                "security": [{"bearer": []}],
                "parameters": [{"name": "person_id", "in": "path", "required": True, "schema": _ID},
                               _STATUS_PARAM, *_PAGING],
                "responses": {
                    "200": _json("TaskPage", "One page of the person's tasks."),
                    "400": _error("A query parameter is malformed."),
                    **_AUTH_ERRORS,
                    "403": _error("You may not see this person's tasks."),
                    "404": _error("No such person."),
                },
            }},
            "/tasks/{task_id}/start": _transition("start"),
            "/tasks/{task_id}/complete": _transition("complete"),
            "/assignments": {"post": {
                "operationId": "createAssignment",
                "summary": "Assign a task to people and groups: one task per distinct active person.",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/AssignmentRequest"}}}},
                "responses": {
                    "201": _json("AssignmentResult", "Created."),
                    **_AUTH_ERRORS,
                    "403": _error("Only admins, and teachers within the groups they run, may assign."),
                    "404": _error("A group does not exist."),
                    "413": _error("The body is too large."),
                    "422": _error("The body is not valid (malformed JSON, wrong types, unknown "
                                  "values, a due time in the past, nobody active chosen)."),
                },
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal API token."}},
            "schemas": {
                "Health": {"type": "object", "required": ["status"],
                           "properties": {"status": {"type": "string", "const": "ok"}}},
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {
                        "type": "object", "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Task": {
                    "type": "object",
                    "required": ["id", "assignment_id", "title", "description", "priority", "status",
                                 "due_at", "requires_review", "assignee_id", "assigner_id",
                                 "created_at", "updated_at", "started_at", "completed_at",
                                 "resolved_at", "cancelled_at", "reopen_count", "last_note"],
                    "properties": {
                        "id": _ID, "assignment_id": _ID, "title": {"type": "string"},
                        "description": {"type": "string"},
                        "priority": {"type": "string", "enum": [p.value for p in Priority]},
                        "status": {"type": "string", "enum": [s.value for s in TaskStatus]},
                        "due_at": _NULLABLE_TIME, "requires_review": {"type": "boolean"},
                        "assignee_id": _ID, "assigner_id": _ID,
                        "assignee_name": {"type": "string", "description": "In listings."},
                        "assigner_name": {"type": "string", "description": "In listings."},
                        "created_at": _TIME, "updated_at": _TIME, "started_at": _NULLABLE_TIME,
                        "completed_at": _NULLABLE_TIME, "resolved_at": _NULLABLE_TIME,
                        "cancelled_at": _NULLABLE_TIME, "reopen_count": {"type": "integer"},
                        "last_note": {"type": ["string", "null"]},
                    },
                },
                "TaskPage": {
                    "type": "object", "required": ["total", "limit", "offset", "items"],
                    "properties": {"total": {"type": "integer"}, "limit": {"type": "integer"},
                                   "offset": {"type": "integer"},
                                   "items": {"type": "array",
                                             "items": {"$ref": "#/components/schemas/Task"}}}},
                "Transition": {
                    "type": "object", "required": ["task", "changed", "message"],
                    "properties": {"task": {"$ref": "#/components/schemas/Task"},
                                   "changed": {"type": "boolean"}, "message": {"type": "string"}}},
                "AssignmentRequest": {
                    "type": "object", "required": ["title"], "additionalProperties": False,
                    "description": "Choose at least one person or group; a due time must be in "
                                   "the future.",
                    "anyOf": [{"required": ["person_ids"], "properties": {"person_ids": {"minItems": 1}}},
                              {"required": ["group_ids"], "properties": {"group_ids": {"minItems": 1}}}],
                    "properties": {
                        "title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                        "description": {"type": "string", "maxLength": 4000},
                        "person_ids": {"type": "array", "items": _ID, "maxItems": 1000},
                        "group_ids": {"type": "array", "items": _ID, "maxItems": 1000},
                        "due_at": {**_NULLABLE_TIME, "description": "With an offset; in the future."},
                        "priority": {"type": "string", "enum": [p.value for p in Priority],
                                     "default": "normal"},
                        "requires_review": {"type": "boolean", "default": False},
                        "reminder_lead_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 10080,
                                                  "description": "Overrides the organisation's rule."},
                        "reminder_every_hours": {"type": ["integer", "null"], "minimum": 1, "maximum": 168,
                                                 "description": "Overrides the organisation's rule."},
                    }},
                "AssignmentResult": {
                    "type": "object", "required": ["assignment_id", "task_count", "skipped_person_ids"],
                    "properties": {"assignment_id": _ID, "task_count": {"type": "integer"},
                                   "skipped_person_ids": {"type": "array", "items": _ID}}},
            },
        },
    }
