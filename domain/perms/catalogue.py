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
ANNOUNCE = "announcements.post"
MARKS_ENTER = "marks.enter"
REFERRALS_MAKE = "referrals.make"
REFERRALS_MANAGE = "referrals.manage"
AUDIT_READ = "audit.read"
DELIVERY_MANAGE = "delivery.manage"
HOMEWORK_ASSIGN = "homework.assign"
RISK_REVIEW = "risk.review"
ENGAGEMENT_READ = "engagement.read"
FEES_MANAGE = "fees.manage"

PERMISSIONS: dict[str, str] = {
    OPS_READ: "See the operations queue and metrics",
    OPS_FULL_ACCESS: "See every team's items in the queue",
    OPS_WRITE: "Act on queue items",
    OPS_ADMIN: "Change SLA policies and teams",
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
    ANNOUNCE: "Post announcements (to one's own batches; with alerts.broadcast, to any target)",
    MARKS_ENTER: "Create tests and enter marks for the batches one teaches",
    REFERRALS_MAKE: "Refer someone to the organisation (/refer)",
    REFERRALS_MANAGE: "See referrals, invite the people referred, decline them",
    AUDIT_READ: "Read the audit log",
    DELIVERY_MANAGE: "See messages that could not be delivered and send them again",
    HOMEWORK_ASSIGN: "Set and review homework for their own batches",
    RISK_REVIEW: "See students' risk (of the batches one teaches) and act on it",
    ENGAGEMENT_READ: "See the engagement risk model, people's risk and reasons, profiles and insights",
    FEES_MANAGE: "Manage fee plans and dues, record payments and refunds, see every balance",
}

_STAFF = frozenset({OPS_READ, OPS_WRITE, ALERTS_READ, TASKS_ASSIGN, TASKS_REVIEW, HOMEWORK_ASSIGN, RISK_REVIEW})
_FAMILY = frozenset({REFERRALS_MAKE})

ROLE_DEFAULTS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.TEACHER: _STAFF | {ANNOUNCE, MARKS_ENTER},
    Role.MEMBER: frozenset({ALERTS_READ}),
    Role.STUDENT: _FAMILY,
    Role.PARENT: _FAMILY,
}


def defaults_for(role: Role) -> frozenset[str]:
    """The permissions a role grants before any per-person override."""
    return ROLE_DEFAULTS.get(role, frozenset())


def _refusal(permission: str) -> str:
    """The refusal today's users know ("Only admin can do this.") for the permission's default holders."""
    holders = sorted(r.value for r, held in ROLE_DEFAULTS.items() if permission in held)
    return f"Only {', '.join(holders)} can do this." if holders else f"You need the {permission} permission."


PERMISSION_REFUSALS: dict[str, str] = {name: _refusal(name) for name in PERMISSIONS}
