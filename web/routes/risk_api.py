"""GET /api/risk/students and /api/risk/student/{id}: student risk in the JSON API (scoped by
domain/risk, names masked by domain/pii); the operations join the API's table (web.routes.api)."""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.actors import Actor
from domain.errors import DomainError
from domain.risk import queries
from web.api_models import answer, read_query
from web.auth import authenticate_request
from web.deps import get_deps
from web.errors import ApiError, domain_error_response, error_response
from web.forms import parse_id
from web.openapi import Operation
from web.risk_api_models import RiskStudentsOut, RiskStudentsQuery, StudentRiskDetailOut
from web.security import client_ip, user_agent


async def risk_students(request: Request) -> Response:
    """The students of a batch (or of every batch the caller may see) with breakdown and reasons."""
    try:
        person = await authenticate_request(request)
        q = read_query(RiskStudentsQuery, request.query_params)
        actor = Actor.api(person.id, client_ip(request), user_agent(request))
        result = await to_thread.run_sync(lambda: queries.students(
            get_deps(request).db.uow(readonly=True), actor, q.batch_id, "api.risk"))
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except DomainError as exc:
        return domain_error_response(exc)
    return JSONResponse(answer(RiskStudentsOut, result))


async def risk_student(request: Request) -> Response:
    """One student's risk, batches and level changes."""
    try:
        person = await authenticate_request(request)
        student_id = parse_id(request.path_params["student_id"])
        if student_id is None:
            raise ApiError(404, "not_found", "No such student.")
        actor = Actor.api(person.id, client_ip(request), user_agent(request))
        result = await to_thread.run_sync(lambda: queries.student(
            get_deps(request).db.uow(readonly=True), actor, student_id, "api.risk"))
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except DomainError as exc:
        return domain_error_response(exc)
    return JSONResponse(answer(StudentRiskDetailOut, result))


ERRORS = {401: "Missing or invalid API token.", 403: "You do not hold risk.review.",
          404: "No such batch or student among those you teach."}
OPERATIONS = [
    Operation("GET", "/risk/students", "riskStudents",
              "Student risk (advisory, not disciplinary): the current students of one batch, or of every batch "
              "you may see (teachers their own batches; admins all), riskiest first, with each score's "
              "breakdown (unknown factors left out, weights renormalised) and reasons in words.",
              risk_students, RiskStudentsOut, "The students.", errors={400: "A query parameter is malformed.",
                                                                        **ERRORS},
              query=RiskStudentsQuery, name="api_risk_students"),
    Operation("GET", "/risk/student/{student_id}", "riskStudent",
              "One student's risk with the breakdown, reasons and level changes.", risk_student,
              StudentRiskDetailOut, "The student's risk.", errors=ERRORS, path_params=("student_id",),
              name="api_risk_student"),
]
