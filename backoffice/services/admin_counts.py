"""What an administrator's dashboard counts: customers by status, the mail outbox and the job queue (waiting,
failed), failed sign-ins of the last 24 hours, and staff accounts (active, locked). Bounded counts
(services/counting), all in one statement."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from backoffice.models import (
    AuditEvent,
    Customer,
    CustomerStatus,
    Job,
    JobState,
    OutboxMessage,
    OutboxStatus,
    StaffUser,
)
from backoffice.services.counting import Count, bounded_counts

# the audit actions the console's sign-in and the portal's record for a wrong password or an unknown account
FAILED_SIGN_IN_ACTIONS = {"staff": "staff.login_failed", "customer": "customer.login_failed"}
SIGN_IN_WINDOW = timedelta(hours=24)


def admin_counts(now: datetime) -> dict[str, Count]:
    """Keys: "customers <status>", "outbox waiting|failed", "jobs waiting|failed", "sign-ins staff|customer",
    "staff active|locked"."""
    since = now - SIGN_IN_WINDOW
    queries = {f"customers {status}": select(Customer.id).where(Customer.status == status)
               for status in CustomerStatus}
    queries.update({
        "outbox waiting": select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.QUEUED),
        "outbox failed": select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED),
        "jobs waiting": select(Job.id).where(Job.state == JobState.QUEUED),
        "jobs failed": select(Job.id).where(Job.state == JobState.FAILED),
        **{f"sign-ins {who}": select(AuditEvent.id).where(AuditEvent.action == action, AuditEvent.created_at >= since)
           for who, action in FAILED_SIGN_IN_ACTIONS.items()},
        # a staff account is locked by too many failed sign-ins or by an administrator: either way, inactive
        "staff active": select(StaffUser.id).where(StaffUser.is_active.is_(True)),
        "staff locked": select(StaffUser.id).where(StaffUser.is_active.is_(False)),
    })
    return bounded_counts(queries)
