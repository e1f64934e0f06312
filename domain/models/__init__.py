"""All tables; importing this module registers every model on `Base.metadata`."""

from domain.models.alerts import Alert, AlertRecipient, AlertRule, AlertSubscription
from domain.models.announcements import Announcement, AnnouncementRecipient
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
from domain.models.desk import (
    CLOSED_TICKET_STATUSES,
    OPEN_TICKET_STATUSES,
    DeskCc,
    Team,
    TeamMember,
    Ticket,
    TicketAssignee,
    TicketAttachment,
    TicketEvent,
    TicketStatus,
    TicketWatcher,
)
from domain.models.engagement import EngagementModel, EngagementScore
from domain.models.fees import FeeDue, FeePayment, FeePlan, JoinRule
from domain.models.homework import Homework, HomeworkFile, HomeworkItem, HomeworkStatus
from domain.models.marks import ClassTest, Referral, ReferralStatus, StudentMark
from domain.models.ops import BackupLog, DeliveryWorker, IdempotencyKey, SchedulerLease, SeenUpdate
from domain.models.people import Group, GroupMember, ParentLink, Person, PersonStatus, Role
from domain.models.perms import PersonPermission
from domain.models.records import (
    AuditEntry,
    Notification,
    NotificationStatus,
    RuleConfig,
)
from domain.models.risk import RiskEvent, RiskProfile
from domain.models.sla import SlaPolicy
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
    "CLOSED_TICKET_STATUSES",
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "OPEN_TICKET_STATUSES",
    "ActionStatus",
    "Alert",
    "AlertRecipient",
    "AlertRule",
    "AlertSubscription",
    "Announcement",
    "AnnouncementRecipient",
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
    "ClassTest",
    "DeliveryWorker",
    "DeskCc",
    "EngagementModel",
    "EngagementScore",
    "Enrolment",
    "FeeDue",
    "FeePayment",
    "FeePlan",
    "Group",
    "GroupMember",
    "Homework",
    "HomeworkFile",
    "HomeworkItem",
    "HomeworkStatus",
    "IdempotencyKey",
    "JoinRule",
    "Mark",
    "Notification",
    "NotificationStatus",
    "OneTimeToken",
    "OtpChallenge",
    "ParentLink",
    "PendingAction",
    "Person",
    "PersonPermission",
    "PersonStatus",
    "Priority",
    "Referral",
    "ReferralStatus",
    "RiskEvent",
    "RiskProfile",
    "Role",
    "RuleConfig",
    "ScheduleSlot",
    "SchedulerLease",
    "SeenUpdate",
    "SessionStatus",
    "SigninCounter",
    "SlaPolicy",
    "StudentMark",
    "Task",
    "TaskEvent",
    "TaskStatus",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketAssignee",
    "TicketAttachment",
    "TicketEvent",
    "TicketStatus",
    "TicketWatcher",
    "WebSession",
]
