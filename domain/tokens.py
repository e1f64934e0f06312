"""Compact signed tokens, per purpose, with expiry and key rotation.

A token is base64url(payload | expiry | mac) with no padding and no separators, so it
fits where Telegram allows only A-Z a-z 0-9 _ - (deep links: at most 64 characters).
The MAC is HMAC-SHA256 over purpose, payload and expiry, cut to 12 bytes, made with the
newest key and checked against every key (newest last in SECRET_KEYS).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime, timedelta

from domain.errors import InvalidInput

MAC_BYTES = 12


class BadToken(InvalidInput):
    """The token is malformed, forged, for another purpose, or expired."""


class Signer:
    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._keys = [k.encode() for k in keys]

    def _mac(self, key: bytes, purpose: str, body: bytes) -> bytes:
        return hmac.new(key, purpose.encode() + b"\x00" + body, hashlib.sha256).digest()[:MAC_BYTES]

    def sign(self, purpose: str, payload: bytes, now: datetime, ttl: timedelta) -> str:
        expires = int((now + ttl).timestamp())
        body = payload + struct.pack(">I", expires)
        raw = body + self._mac(self._keys[-1], purpose, body)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def verify(self, purpose: str, token: str, now: datetime) -> bytes:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise BadToken("This link is not valid.") from None
        if len(raw) < 4 + MAC_BYTES:
            raise BadToken("This link is not valid.")
        body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if not any(hmac.compare_digest(mac, self._mac(k, purpose, body)) for k in self._keys):
            raise BadToken("This link is not valid.")
        (expires,) = struct.unpack(">I", body[-4:])
        if now.timestamp() > expires:
            raise BadToken("This link has expired; ask for a new one.")
        return body[:-4]

    # Convenience for the common case of an integer id.
    def sign_id(self, purpose: str, object_id: int, now: datetime, ttl: timedelta) -> str:
        return self.sign(purpose, struct.pack(">Q", object_id).lstrip(b"\x00") or b"\x00", now, ttl)

    def verify_id(self, purpose: str, token: str, now: datetime) -> int:
        payload = self.verify(purpose, token, now)
        if not payload or len(payload) > 8:
            raise BadToken("This link is not valid.")
        return int.from_bytes(payload, "big")
