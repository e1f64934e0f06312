"""The requester's signed link to their tickets (no sign-in, as the dashboard): a purpose of its own,
an expiry, and the person's link generation so revoking their links revokes this one too."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.links import LinkInvalid, LinkSigner

PURPOSE = "desk"
TTL = timedelta(days=14)


def requester_token(signer: LinkSigner, person_id: int, now: datetime, generation: int = 0) -> str:
    """A token for `person_id`'s ticket page."""
    return signer.sign(PURPOSE, {"p": person_id, "g": generation}, now)


def requester_claims(signer: LinkSigner, token: str, now: datetime) -> tuple[int, int]:
    """(person id, link generation) from a ticket-page token; LinkInvalid / LinkExpired otherwise.
    The caller checks the generation (people.check_link_generation)."""
    data = signer.load(PURPOSE, token, TTL, now)
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise LinkInvalid("This link is not valid.")
    generation = data.get("g", 0)
    return data["p"], generation if isinstance(generation, int) else -1


def requester_url(base_url: str, token: str) -> str:
    """The page's address."""
    return f"{base_url.rstrip('/')}/r/{token}"
