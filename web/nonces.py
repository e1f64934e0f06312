"""Single-use console forms: every rendered form carries a fresh nonce; a POST with a nonce is claimed
once per person (domain.idempotency, scope "form"), so a double click or a resubmitted page writes once
and lands on the first submit's result page.

The key is the nonce together with the request's fingerprint (method, path, fields but the tokens), so
the forms of one page share its nonce safely while the same form sent twice is the same key. A form
that wrote redirects (post/redirect/get); only those are kept as done, a page answer releases its claim.
A second submit arriving while the first still runs waits for it (up to WAIT) and follows its redirect.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from domain import idempotency

FIELD = "nonce"
PATTERN = re.compile(r"[0-9a-f]{32}")
TOKENS = ("csrf", FIELD)
WAIT = 10.0  # seconds a resubmission waits for the first submit to finish


def new_nonce() -> str:
    """A fresh nonce for the forms of one rendered page."""
    return secrets.token_hex(16)


class BadNonce(Exception):
    """The posted nonce is not one we could have made."""


async def _canonical_form(form: FormData) -> bytes:
    """The posted fields but the tokens, sorted; a file by its name and the SHA-256 of its content."""
    parts: list[str] = []
    for name, value in form.multi_items():
        if name in TOKENS:
            continue
        if isinstance(value, UploadFile):
            content = await value.read()
            await value.seek(0)
            value = f"file:{value.filename}:{hashlib.sha256(content).hexdigest()}"
        parts.append(f"{name}={value}")
    return "\n".join(sorted(parts)).encode("utf-8", "surrogatepass")


async def form_once(request: Request, person_id: int, form: FormData) -> idempotency.Once | None:
    """The posted form as a single-use request when it carries a nonce (BadNonce if malformed), else None."""
    nonce = form.get(FIELD)
    if nonce is None:
        return None  # a form rendered before nonces existed, or a script: no single-use guard
    if not isinstance(nonce, str) or not PATTERN.fullmatch(nonce):
        raise BadNonce
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    fingerprint = idempotency.fingerprint(request.method, path, await _canonical_form(form))
    key = hashlib.sha256(f"{nonce}:{fingerprint}".encode()).hexdigest()
    return idempotency.Once(person_id, idempotency.FORM, key, fingerprint)


def kept_location(response: Response) -> str | None:
    """Where a handler's redirect goes (a form that wrote something), else None: a page answer (a
    preview, a refusal, the form again with an error) wrote nothing, so the same form may be sent again."""
    if 300 <= response.status_code < 400:
        return response.headers.get("location") or None
    return None
