"""All tables; importing this module registers every model on `Base.metadata`."""

from domain.models.auth import OneTimeToken, OtpChallenge, WebSession
from domain.models.base import Base
from domain.models.people import Group, GroupMember, ParentLink, Person, PersonStatus, Role
from domain.models.records import (
    AuditEntry,
    Notification,
    NotificationStatus,
    RuleConfig,
)
from domain.models.tasks import (
    OPEN_STATUSES,
    Assignment,
    Channel,
    Priority,
    Task,
    TaskEvent,
    TaskStatus,
)
from domain.models.tokens import ApiToken

__all__ = [
    "OPEN_STATUSES",
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Base",
    "Channel",
    "Group",
    "GroupMember",
    "Notification",
    "NotificationStatus",
    "OneTimeToken",
    "OtpChallenge",
    "ParentLink",
    "Person",
    "PersonStatus",
    "Priority",
    "Role",
    "RuleConfig",
    "Task",
    "TaskEvent",
    "TaskStatus",
    "WebSession",
]
