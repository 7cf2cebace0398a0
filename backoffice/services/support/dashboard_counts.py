"""What a support engineer's dashboard counts: their open tickets, the unassigned tickets of the queues they work,
tickets about to breach their service level, and their tickets where the customer replied.

The queue's "due within" and "replied" filters use the same two conditions (sla.due_within_condition,
reading.replied_condition), so a count and the list it links to never disagree. Every count is bounded
(services/counting) and all of them come from one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import literal, select

from backoffice.models import SupportRequestType, Ticket
from backoffice.models.support import ACTIVE_STATUSES
from backoffice.models.types import one_of
from backoffice.services.counting import Count, bounded_counts
from backoffice.services.staff_profile import worked_queues
from backoffice.services.support import reading, sla

BREACHING_HOURS = 4  # "breaching soon" on the dashboard: due within this many hours, or already past


@dataclass(frozen=True)
class EngineerCounts:
    mine: Count
    unassigned: list[tuple[SupportRequestType, Count]]  # one per queue the engineer works, in queue order
    breaching: Count
    replied: Count


def engineer_counts(staff_id: int, now: datetime) -> EngineerCounts:
    queues = worked_queues(staff_id)
    active = select(literal(1)).select_from(Ticket).where(one_of(Ticket.status, ACTIVE_STATUSES))
    mine = active.where(Ticket.assignee_id == staff_id)
    queries = {
        "mine": mine,
        "breaching": select(literal(1)).select_from(Ticket).where(sla.due_within_condition(now, BREACHING_HOURS)),
        "replied": mine.where(reading.replied_condition()),
        **{f"queue {kind.id}": active.where(Ticket.assignee_id.is_(None), Ticket.request_type_id == kind.id)
           for kind in queues},
    }
    # the queue's own limit, so a count reads as the header of the list it links to
    counts = bounded_counts(queries, current_app.config["QUEUE_COUNT_LIMIT"])
    return EngineerCounts(mine=counts["mine"], breaching=counts["breaching"], replied=counts["replied"],
                          unassigned=[(kind, counts[f"queue {kind.id}"]) for kind in queues])
