"""What a virus analyst's dashboard counts: requests waiting for an analyst, analyses that failed, and the open
requests the analyst has claimed. Bounded counts (services/counting), all in one statement."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select

from backoffice.models import Submission, SubmissionState
from backoffice.models.types import one_of
from backoffice.services.counting import Count, bounded_counts
from backoffice.services.viruslab.submissions import OPEN_STATES


def claimed_condition(staff_id: int) -> ColumnElement[bool]:
    """Requests in an analyst's hands: claimed by them and not yet answered or closed."""
    return and_(Submission.assignee_id == staff_id, one_of(Submission.state, OPEN_STATES))


def analyst_counts(staff_id: int) -> dict[str, Count]:
    """"waiting", "failed" and "claimed" (the analyst's own open requests)."""
    requests = select(Submission.id)
    return bounded_counts({
        "waiting": requests.where(Submission.state == SubmissionState.WAITING),
        "failed": requests.where(Submission.state == SubmissionState.ANALYSIS_FAILED),
        "claimed": requests.where(claimed_condition(staff_id)),
    })
