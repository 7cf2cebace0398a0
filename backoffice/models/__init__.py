"""Every model, imported so that Alembic and the app see the whole schema."""

from backoffice.models.accounts import (
    Customer,
    CustomerStatus,
    OneTimeToken,
    StaffRole,
    StaffUser,
    TokenPurpose,
)
from backoffice.models.api_tokens import ApiToken
from backoffice.models.audit import AuditEvent
from backoffice.models.captcha import CaptchaChallenge
from backoffice.models.courses import Course, Enrollment
from backoffice.models.customer_notes import CustomerNote
from backoffice.models.inbound_mail import AutoReplyQuota, BouncingAddress, InboundMessage, InboundOutcome
from backoffice.models.jobs import Job, JobState
from backoffice.models.legacy import LegacyCode
from backoffice.models.licensing import (
    ActivationCode,
    BlacklistEntry,
    BlacklistReason,
    CodeRegistration,
    CodeState,
    Product,
)
from backoffice.models.mail import MailQuota, OutboxMessage, OutboxStatus
from backoffice.models.privacy import DataExport, ExportState
from backoffice.models.sessions import LoginSession, SessionKind
from backoffice.models.staff_notifications import StaffNotice, StaffNoticeOptOut
from backoffice.models.staff_queues import SavedQueueView, StaffQueue, TicketRead
from backoffice.models.support import (
    Attachment,
    CannedResponse,
    Rating,
    SupportRequestType,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketNumberCounter,
    TicketStatus,
    WizardDraft,
)
from backoffice.models.viruslab import (
    ArchiveMember,
    ArchiveState,
    LabMessage,
    LabMessageFile,
    RequestType,
    Sample,
    ScanStatus,
    Submission,
    SubmissionFile,
    SubmissionState,
    Verdict,
    VerdictChange,
    YaraMatch,
    YaraRule,
    YaraScan,
)
from backoffice.models.webhooks import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiToken",
    "DeliveryState",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "Attachment",
    "CannedResponse",
    "Rating",
    "StaffNotice",
    "StaffNoticeOptOut",
    "StaffQueue",
    "SupportRequestType",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TicketNumberCounter",
    "TicketRead",
    "SavedQueueView",
    "TicketStatus",
    "WizardDraft",
    "ActivationCode",
    "BlacklistEntry",
    "BlacklistReason",
    "CodeRegistration",
    "CodeState",
    "Product",
    "AuditEvent",
    "CaptchaChallenge",
    "Course",
    "CustomerNote",
    "Enrollment",
    "LegacyCode",
    "Customer",
    "CustomerStatus",
    "OneTimeToken",
    "AutoReplyQuota",
    "BouncingAddress",
    "InboundMessage",
    "InboundOutcome",
    "Job",
    "JobState",
    "LoginSession",
    "MailQuota",
    "DataExport",
    "ExportState",
    "SessionKind",
    "OutboxMessage",
    "OutboxStatus",
    "StaffRole",
    "StaffUser",
    "TokenPurpose",
    "ArchiveMember",
    "ArchiveState",
    "LabMessage",
    "LabMessageFile",
    "RequestType",
    "Sample",
    "ScanStatus",
    "Submission",
    "SubmissionFile",
    "SubmissionState",
    "Verdict",
    "VerdictChange",
    "YaraMatch",
    "YaraRule",
    "YaraScan",
]
