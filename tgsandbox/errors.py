"""Errors the sandbox answers with, shaped like the Bot API's."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def default_description(error_code: int, retry_after: int | None = None) -> str:
    """Telegram's usual description for an error code."""
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    if error_code in DEFAULT_DESCRIPTIONS:
        return DEFAULT_DESCRIPTIONS[error_code]
    try:
        return HTTPStatus(error_code).phrase
    except ValueError:
        return "Error"


class ApiError(Exception):
    """An error answer of the Bot API: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(
        self, error_code: int, description: str | None = None, *, retry_after: int | None = None
    ) -> None:
        self.error_code = error_code
        self.retry_after = retry_after
        self.description = description or default_description(error_code, retry_after)
        super().__init__(self.description)

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


class DropConnection(Exception):
    """Raised after the response has started so uvicorn closes the transport mid-answer."""
