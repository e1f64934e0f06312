"""The portal's signed link: made for this purpose only (another purpose's token does not open it),
expiring after PORTAL_TTL, and dead once the person revokes their links (/revoke bumps the generation)."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.links import LinkInvalid, LinkSigner

PORTAL = "portal"
PORTAL_TTL = timedelta(days=7)


def portal_token(signer: LinkSigner, person_id: int, now: datetime, generation: int = 0) -> str:
    """A portal link token for one person."""
    return signer.sign(PORTAL, {"p": person_id, "g": generation}, now)


def portal_claims(signer: LinkSigner, token: str, now: datetime) -> tuple[int, int]:
    """(person id, link generation) of a genuine, fresh portal token; the caller checks the generation."""
    data = signer.load(PORTAL, token, PORTAL_TTL, now)
    if not isinstance(data, dict) or not isinstance(data.get("p"), int) or not isinstance(data.get("g"), int):
        raise LinkInvalid("This link is not valid. Send /portal to the bot for a new one.")
    return data["p"], data["g"]


def portal_url(base_url: str, token: str) -> str:
    """Where a portal token opens."""
    return f"{base_url.rstrip('/')}/p/{token}"
