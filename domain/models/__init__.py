"""All tables; importing this module registers every model on `Base.metadata`."""

from domain.models.attendance import (
    ActionStatus,
    AttendanceRecord,
    Batch,
    BatchTeacher,
    ClassSession,
    Enrolment,
    Mark,
    PendingAction,
    ScheduleSlot,
    SessionStatus,
)
from domain.models.auth import OneTimeToken, OtpChallenge, SigninCounter, WebSession
from domain.models.base import Base
from domain.models.ops import BackupLog, DeliveryWorker, IdempotencyKey, SchedulerLease, SeenUpdate
from domain.models.people import Group, GroupMember, ParentLink, Person, PersonStatus, Role
from domain.models.records import (
    AuditEntry,
    Notification,
    NotificationStatus,
    RuleConfig,
)
from domain.models.tasks import (
    FINISHED_STATUSES,
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
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "ActionStatus",
    "ApiToken",
    "Assignment",
    "AttendanceRecord",
    "AuditEntry",
    "BackupLog",
    "Base",
    "Batch",
    "BatchTeacher",
    "Channel",
    "ClassSession",
    "DeliveryWorker",
    "Enrolment",
    "Group",
    "GroupMember",
    "IdempotencyKey",
    "Mark",
    "Notification",
    "NotificationStatus",
    "OneTimeToken",
    "OtpChallenge",
    "ParentLink",
    "PendingAction",
    "Person",
    "PersonStatus",
    "Priority",
    "Role",
    "RuleConfig",
    "ScheduleSlot",
    "SchedulerLease",
    "SeenUpdate",
    "SessionStatus",
    "SigninCounter",
    "Task",
    "TaskEvent",
    "TaskStatus",
    "WebSession",
]
