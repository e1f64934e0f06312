"""Signed links for the web (itsdangerous): a salt per purpose, expiry always checked, keys rotated.

`SECRET_KEYS` is newest last; itsdangerous signs with the last key and accepts any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from domain.errors import InvalidInput

DASHBOARD = "dashboard"
DASHBOARD_TTL = timedelta(days=7)


class LinkInvalid(InvalidInput):
    """Tampered, malformed or made for another purpose (HTTP 403)."""


class LinkExpired(InvalidInput):
    """Genuine but too old (HTTP 410)."""


@dataclass(frozen=True)
class LinkSigner:
    keys: tuple[str, ...]

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(list(self.keys), salt=f"taskbell.{purpose}")

    def sign(self, purpose: str, data: Any, now: datetime | None = None) -> str:
        serializer = self._serializer(purpose)
        if now is not None:  # sign as of an injected clock
            signer = serializer.make_signer()
            payload = serializer.dump_payload(data)
            signer_time = int(now.timestamp())
            signer.get_timestamp = lambda: signer_time  # type: ignore[method-assign]
            return signer.sign(payload).decode()
        return serializer.dumps(data)

    def load(self, purpose: str, token: str, ttl: timedelta, now: datetime) -> Any:
        serializer = self._serializer(purpose)
        try:
            payload, signed_at = serializer.loads(token, max_age=None, return_timestamp=True)
        except SignatureExpired:  # pragma: no cover - max_age is checked below
            raise LinkExpired("This link has expired; ask the bot for a new one.") from None
        except BadSignature:
            raise LinkInvalid("This link is not valid. Open the newest link the bot sent you.") from None
        if now - signed_at > ttl:
            raise LinkExpired("This link has expired; ask the bot for a new one.")
        return payload

    # The per-person dashboard link; `generation` lets a person's links be revoked together.
    def dashboard_token(self, person_id: int, now: datetime, generation: int = 0) -> str:
        return self.sign(DASHBOARD, {"p": person_id, "g": generation}, now)

    def dashboard_claims(self, token: str, now: datetime) -> tuple[int, int]:
        """(person id, link generation) from a dashboard link; the caller checks the generation."""
        data = self.load(DASHBOARD, token, DASHBOARD_TTL, now)
        if not isinstance(data, dict) or not isinstance(data.get("p"), int):
            raise LinkInvalid("This link is not valid.")
        generation = data.get("g", 0)
        return data["p"], generation if isinstance(generation, int) else -1

    def dashboard_person(self, token: str, now: datetime) -> int:
        return self.dashboard_claims(token, now)[0]


def dashboard_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/d/{token}"
