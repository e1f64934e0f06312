"""The one table from domain refusals to HTTP statuses, and the API's JSON error shape.

Every web surface (console pages, the JSON API, the dashboard, the attendance sheet) answers a
DomainError with `status_for(exc)`; the most specific kind listed first wins.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from domain.auth.services import TokenExpired, TokenInvalid, TokenUsed, TooManyRequests
from domain.errors import DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.links import LinkExpired, LinkInvalid

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (LinkExpired, 410),  # a signed link that is too old
    (LinkInvalid, 403),  # forged, or revoked by a newer link generation
    (TokenUsed, 410),  # a one-time link already consumed
    (TokenExpired, 410),  # a one-time link too old
    (TokenInvalid, 403),  # a one-time link unknown or made for another purpose
    (NotFound, 404),
    (Forbidden, 403),
    (IllegalTransition, 409),
    (TooManyRequests, 429),
    (InvalidInput, 422),
    (DomainError, 400),
)


def status_for(exc: DomainError) -> int:
    """The HTTP status for a domain refusal."""
    return next(code for kind, code in STATUS if isinstance(exc, kind))


class ApiError(Exception):
    """An HTTP refusal with a machine code and a human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def invalid(message: str) -> ApiError:
    """A body that does not validate (422)."""
    return ApiError(422, "invalid_input", message)


def bad_query(message: str) -> ApiError:
    """A query string that does not validate (400)."""
    return ApiError(400, "bad_request", message)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    """The API's error body: {"error": {"code": ..., "message": ...}}."""
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


def domain_error_response(exc: DomainError, headers: dict[str, str] | None = None) -> JSONResponse:
    """A domain refusal as the API's error body, with the status from the table."""
    return error_response(status_for(exc), exc.code, exc.message, headers)
