"""The demo's permission grants: permissions, not roles, decide what a person may do. Meera (a teacher) is
granted classes.manage, so the console's Batches lets her create batches and class times; Raj (the
Operations lead, a member) is granted alerts.broadcast, so the console's Alerts page lets him announce."""

from __future__ import annotations

from domain.actors import Actor
from domain.perms import services as perms
from domain.perms.catalogue import ALERTS_BROADCAST, CLASSES_MANAGE
from domain.uow import Database

GRANTS = (("meera", CLASSES_MANAGE), ("raj", ALERTS_BROADCAST))


def seed_permissions(db: Database, ids: dict[str, int]) -> str:
    """Grant the demo's per-person permissions (audited as the operator's); a summary for the seed line."""
    for key, permission in GRANTS:
        perms.set_permission(db.uow(), Actor.system(), ids[key], permission, "grant")
    return f"{len(GRANTS)} permission grants"
