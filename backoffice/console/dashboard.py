"""The console's home and every staff member's landing page after sign-in: the counts of their role's work, each
linking to the list it counts. The counts come from services (one module per role), bounded so the page stays
cheap at millions of rows and costs a fixed handful of statements."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters

from backoffice.clock import utcnow
from backoffice.console.access import StaffIndexView
from backoffice.console.filters import CreatedOnOrAfter
from backoffice.console.lab_claims import ClaimedBy
from backoffice.models import (
    AuditEvent,
    Customer,
    CustomerStatus,
    Job,
    JobState,
    OutboxMessage,
    OutboxStatus,
    StaffRole,
    Submission,
    SubmissionState,
)
from backoffice.security import current_staff
from backoffice.services.admin_counts import FAILED_SIGN_IN_ACTIONS, SIGN_IN_WINDOW, admin_counts
from backoffice.services.counting import Count
from backoffice.services.labels import CUSTOMER_STATUS_LABELS
from backoffice.services.support.dashboard_counts import BREACHING_HOURS, engineer_counts
from backoffice.services.viruslab.dashboard_counts import analyst_counts


@dataclass(frozen=True)
class Item:
    label: str
    count: Count
    link: str | None


@dataclass
class Card:
    heading: str
    items: list[Item] = field(default_factory=list)
    empty: str = ""  # said instead of the items when there are none
    action: tuple[str, str] | None = None  # (text, link) under the items


class DashboardView(StaffIndexView):
    @expose("/")
    def index(self):
        staff = current_staff()
        cards = {StaffRole.SUPPORT: self._engineer_cards, StaffRole.ANALYST: self._analyst_cards,
                 StaffRole.ADMIN: self._admin_cards}[staff.role](staff)
        return self.render("console/dashboard.html", cards=cards, title="Dashboard")

    def _engineer_cards(self, staff) -> list[Card]:
        counts = engineer_counts(staff.id, utcnow())
        tickets = "tickets.index_view"
        work = Card("My work", [
            Item("My open tickets", counts.mine, url_for(tickets, view="mine")),
            Item("Customer replied, waiting for me", counts.replied, url_for(tickets, view="mine", replied=1)),
            Item(f"Due within {BREACHING_HOURS} hours or overdue", counts.breaching,
                 url_for(tickets, due_within=BREACHING_HOURS)),
        ])
        queues = Card("Unassigned in my queues", [
            Item(kind.name, count, url_for(tickets, view="unassigned", queue=kind.code))
            for kind, count in counts.unassigned
        ], empty="You have not chosen the queues you work yet.",
            action=("Choose my queues" if not counts.unassigned else "Change my queues", url_for("profile.index")))
        return [work, queues]

    def _analyst_cards(self, staff) -> list[Card]:
        counts = analyst_counts(staff.id)
        return [Card("Virus Lab", [
            Item("Waiting for an analyst", counts["waiting"],
                 self._filtered("viruslab", Submission.state, filters.FilterEqual, SubmissionState.WAITING.value)),
            Item("Analysis failed", counts["failed"], self._filtered(
                "viruslab", Submission.state, filters.FilterEqual, SubmissionState.ANALYSIS_FAILED.value)),
            Item("Claimed by me, still open", counts["claimed"],
                 self._filtered("viruslab", Submission.assignee_id, ClaimedBy, str(staff.id))),
        ])]

    def _admin_cards(self, staff) -> list[Card]:
        now = utcnow()
        counts = admin_counts(now)
        since = (now - SIGN_IN_WINDOW).date().isoformat()  # the audit log filters by day: from yesterday on

        def sign_ins(who: str) -> str | None:
            return self._filtered("audit", AuditEvent.action, filters.FilterEqual, FAILED_SIGN_IN_ACTIONS[who],
                                  (AuditEvent.created_at, CreatedOnOrAfter, since))

        return [
            Card("Mail outbox", [
                Item("Waiting", counts["outbox waiting"],
                     self._filtered("outbox", OutboxMessage.status, filters.FilterEqual, OutboxStatus.QUEUED.value)),
                Item("Failed", counts["outbox failed"],
                     self._filtered("outbox", OutboxMessage.status, filters.FilterEqual, OutboxStatus.FAILED.value)),
            ]),
            Card("Job queue", [
                Item("Waiting", counts["jobs waiting"],
                     self._filtered("jobs", Job.state, filters.FilterEqual, JobState.QUEUED.value)),
                Item("Failed", counts["jobs failed"],
                     self._filtered("jobs", Job.state, filters.FilterEqual, JobState.FAILED.value)),
            ]),
            Card("Failed sign-ins, last 24 hours", [
                Item("Failed staff sign-ins", counts["sign-ins staff"], sign_ins("staff")),
                Item("Failed customer sign-ins", counts["sign-ins customer"], sign_ins("customer")),
            ]),
            Card("Staff accounts", [
                Item("Active", counts["staff active"], url_for("staff.index_view")),
                Item("Locked or deactivated", counts["staff locked"], url_for("staff.index_view")),
            ]),
            Card("Customers", [
                Item(CUSTOMER_STATUS_LABELS[status], counts[f"customers {status}"],
                     self._filtered("customers", Customer.status, filters.FilterEqual, status.value))
                for status in CustomerStatus
            ]),
        ]

    def _filtered(self, endpoint: str, column, kind: type, value: str, *more: tuple) -> str | None:
        """The list of `endpoint` with its filters on these columns (of these filter classes) set to these values,
        as Flask-Admin's flt<n>_<arg> arguments; looked up by column, so a reordered filter list keeps the links."""
        view = next((view for view in self.admin._views if view.endpoint == endpoint), None)
        if view is None:
            return None
        wanted = [(column, kind, value), *more]
        args = {}
        for index, flt in enumerate(view._filters or ()):
            for want_column, want_kind, want_value in wanted:
                if type(flt) is want_kind and getattr(flt, "column", None) is want_column:
                    args[f"flt{len(args)}_{view.get_filter_arg(index, flt)}"] = want_value
        return url_for(f"{endpoint}.index_view", **args) if len(args) == len(wanted) else None
