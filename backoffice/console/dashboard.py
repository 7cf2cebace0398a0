"""The console's home: a few counts per area, each bounded so the page stays cheap at millions of rows."""

from __future__ import annotations

from datetime import timedelta

from flask_admin import expose
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.console.access import StaffIndexView
from backoffice.models import (
    AuditEvent,
    Customer,
    CustomerStatus,
    OutboxMessage,
    OutboxStatus,
    Submission,
    SubmissionState,
)
from backoffice.services.counting import bounded_count

# the audit actions the console login and the portal's sign-in record for a wrong password or unknown account
FAILED_SIGN_INS = [("Failed staff sign-ins", "staff.login_failed"),
                   ("Failed customer sign-ins", "customer.login_failed")]


class DashboardView(StaffIndexView):
    @expose("/")
    def index(self):
        day_ago = utcnow() - timedelta(days=1)
        cards = [
            ("Customers", "customers.index_view", [
                (status.value.capitalize(), bounded_count(select(Customer.id).where(Customer.status == status)))
                for status in CustomerStatus
            ]),
            ("Mail outbox", "outbox.index_view", [
                ("Waiting", bounded_count(select(OutboxMessage.id).where(
                    OutboxMessage.status == OutboxStatus.QUEUED))),
                ("Failed", bounded_count(select(OutboxMessage.id).where(
                    OutboxMessage.status == OutboxStatus.FAILED))),
            ]),
            ("Virus Lab", "viruslab.index_view", [
                ("Waiting for an analyst", bounded_count(select(Submission.id).where(
                    Submission.state == SubmissionState.WAITING))),
                ("Being analysed", bounded_count(select(Submission.id).where(
                    Submission.state.in_([SubmissionState.RECEIVED, SubmissionState.ANALYSING])))),
                ("Analysis failed", bounded_count(select(Submission.id).where(
                    Submission.state == SubmissionState.ANALYSIS_FAILED))),
            ]),
            ("Security, last 24 hours", "audit.index_view", [
                (label, bounded_count(select(AuditEvent.id).where(
                    AuditEvent.action == action, AuditEvent.created_at >= day_ago)))
                for label, action in FAILED_SIGN_INS
            ]),
        ]
        return self.render("console/dashboard.html", cards=cards, title="Dashboard")
