"""The named permissions and the grants each role has by default (today's behaviour, unchanged)."""

from __future__ import annotations

from domain.models import Role

OPS_READ = "ops.read"
OPS_FULL_ACCESS = "ops.full_access"
OPS_WRITE = "ops.write"
OPS_ADMIN = "ops.admin"
ALERTS_READ = "alerts.read"
ALERTS_MANAGE = "alerts.manage"
ALERTS_BROADCAST = "alerts.broadcast"
TASKS_ASSIGN = "tasks.assign"
TASKS_REVIEW = "tasks.review"
CLASSES_MANAGE = "classes.manage"
PEOPLE_MANAGE = "people.manage"
BACKUPS_RUN = "backups.run"
SETTINGS_MANAGE = "settings.manage"
DESK_TRIAGE = "desk.triage"
PII_FULL = "pii.full"
FEES_MANAGE = "fees.manage"

PERMISSIONS: dict[str, str] = {
    OPS_READ: "See the operations queue and metrics",
    OPS_FULL_ACCESS: "See every team's items in the queue",
    OPS_WRITE: "Act on queue items",
    OPS_ADMIN: "Change SLA policies",
    ALERTS_READ: "Receive and read alerts",
    ALERTS_MANAGE: "Change alert rules and subscriptions",
    ALERTS_BROADCAST: "Broadcast an alert",
    TASKS_ASSIGN: "Assign tasks",
    TASKS_REVIEW: "Review (accept or return) submitted work",
    CLASSES_MANAGE: "Manage batches, schedules and rosters",
    PEOPLE_MANAGE: "Manage people, roles and permissions",
    BACKUPS_RUN: "Run, list and verify backups",
    SETTINGS_MANAGE: "Change the organisation's settings",
    DESK_TRIAGE: "See and triage every ticket",
    PII_FULL: "See other people's phone numbers, e-mails and full names unmasked",
    FEES_MANAGE: "Manage fee plans and dues, record payments and refunds, see every balance",
}

_STAFF = frozenset({OPS_READ, OPS_WRITE, ALERTS_READ, TASKS_ASSIGN, TASKS_REVIEW})

ROLE_DEFAULTS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.TEACHER: _STAFF,
    Role.MEMBER: frozenset({ALERTS_READ}),
    Role.STUDENT: frozenset(),
    Role.PARENT: frozenset(),
}


def defaults_for(role: Role) -> frozenset[str]:
    """The permissions a role grants before any per-person override."""
    return ROLE_DEFAULTS.get(role, frozenset())


def _refusal(permission: str) -> str:
    """The refusal today's users know ("Only admin can do this.") for the permission's default holders."""
    holders = sorted(r.value for r, held in ROLE_DEFAULTS.items() if permission in held)
    return f"Only {', '.join(holders)} can do this." if holders else f"You need the {permission} permission."


PERMISSION_REFUSALS: dict[str, str] = {name: _refusal(name) for name in PERMISSIONS}
