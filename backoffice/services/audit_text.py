"""The audit log in a person's words: what an action was ("Staff sign-in failed"), which object it was about and
where that object lives in the console, who did it, and a before/after of labelled fields with labelled values.

One function per fact: `action_label`, `actor_text`, `object_ref`, `changes`. The console turns an ObjectRef into
a link (url_for) and a datetime value into a time in the reader's zone; nothing here knows about requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import (
    ActivationCode,
    AuditEvent,
    CannedResponse,
    Course,
    Customer,
    Product,
    StaffUser,
    Submission,
    Ticket,
    YaraRule,
)
from backoffice.models.viruslab import STATE_LABELS as LAB_STATE_LABELS
from backoffice.models.viruslab import VERDICT_LABELS
from backoffice.services.labels import CUSTOMER_STATUS_LABELS, ROLE_LABELS, label, spelled_out
from backoffice.services.licensing.blacklist import REASON_LABELS
from backoffice.services.support.workflow import LABELS as TICKET_STATE_LABELS
from backoffice.services.support.workflow import PRIORITY_LABELS

ACTION_LABELS = {
    # staff accounts and sign-in
    "staff.login": "Staff sign-in", "staff.login_failed": "Staff sign-in failed", "staff.logout": "Staff sign-out",
    "staff.locked_out": "Staff account locked after failed sign-ins", "staff.created": "Staff account created",
    "staff.updated": "Staff account changed", "staff.password_set": "Staff password set",
    "staff.profile_updated": "Staff member changed their profile",
    "staff.notices_updated": "Staff member changed their notification mails",
    # customers
    "customer.login": "Customer sign-in", "customer.login_failed": "Customer sign-in failed",
    "customer.login_refused_locked": "Customer sign-in refused: account locked",
    "customer.logout": "Customer sign-out", "customer.registered": "Customer registered",
    "customer.registration_repeated": "Registration repeated with a known address",
    "customer.activated": "Customer account activated", "customer.activation_resent": "Activation link sent again",
    "customer.password_changed": "Customer changed the password",
    "customer.password_reset": "Customer chose a new password",
    "customer.password_reset_requested": "Password reset asked for",
    "customer.password_reset_forced": "Password reset forced by staff", "customer.locked": "Customer locked",
    "customer.unlocked": "Customer unlocked", "customer.status_changed": "Customer status changed",
    "customer.updated": "Customer profile edited by staff", "customer.profile_updated": "Customer edited the profile",
    "customer.email_change_requested": "E-mail change asked for", "customer.email_changed": "E-mail address changed",
    "customer.email_change_refused": "E-mail change refused", "customer.news_subscribed": "Subscribed to news",
    "customer.news_unsubscribed": "Unsubscribed from news", "customer.data_exported": "Customer data downloaded",
    "customer.data_export_requested": "Data export asked for", "customer.data_export_ready": "Data export ready",
    "customer.claimed": "Imported account claimed",
    "customer.claim_requested": "Claim of an imported account asked for",
    "customer.legacy_imported": "Imported from Personal Cabinet",
    "customer.legacy_code_refused": "Imported code refused",
    "customer.closed": "Customer account closed", "customer.purged_unactivated": "Unactivated account removed",
    "customer.note_added": "Internal note about a customer added",
    # licensing
    "code.added": "Code added to an account", "code.removed": "Code removed from an account",
    "code.seats_changed": "Code seats changed", "code.expiry_extended": "Code expiry extended",
    "code.transfer_granted": "Extra code transfer allowed", "codes.generated": "Codes generated",
    "codes.imported": "Codes imported", "blacklist.added": "Codes blacklisted",
    "blacklist.lifted": "Blacklist entry lifted",
    # the REST API and webhooks
    "api_token.created": "API token made", "api_token.revoked": "API token revoked",
    "api.request": "API request with a token", "codes.import_queued": "Code import queued",
    "codes.import_finished": "Code import finished", "webhook.subscription_created": "Webhook subscription added",
    "webhook.replayed": "Webhook delivery sent again",
    "product.created": "Product created", "product.updated": "Product changed",
    # courses, news, canned responses
    "course.created": "Course created", "course.updated": "Course changed", "course.deleted": "Course deleted",
    "course.enrolled": "Customer enrolled in a course", "course.left": "Customer left a course",
    "news.sent": "News sent", "canned_response.saved": "Canned response saved",
    "canned_response.deleted": "Canned response deleted",
    # support
    "ticket.created": "Support request created", "ticket.status_changed": "Support request state changed",
    "ticket.auto_closed": "Support request closed automatically", "ticket.assigned": "Support request assigned",
    "ticket.priority_changed": "Support request priority changed", "ticket.type_changed": "Request type changed",
    "ticket.merged": "Support request merged into another", "ticket.merged_in": "Support request merged in",
    "ticket.staff_replied": "Staff replied to a support request", "ticket.note_added": "Internal note added",
    "ticket.customer_replied": "Customer replied", "ticket.rated": "Support request rated",
    "ticket.sent_to_virus_lab": "Ticket file sent to the Virus Lab", "ticket.ftp_file_received": "File received by FTP",
    "ticket_file.downloaded": "Ticket file downloaded", "ticket_file.sent_to_lab": "Ticket file sent to the Virus Lab",
    # Virus Lab
    "viruslab.submitted": "Virus Lab request received", "viruslab.claimed": "Virus Lab request claimed",
    "viruslab.staff_replied": "Virus Lab answer sent", "viruslab.customer_replied": "Submitter replied",
    "viruslab.note_added": "Virus Lab internal note added", "viruslab.closed": "Virus Lab request closed",
    "viruslab.analysis_retried": "Analysis started again",
    "viruslab.answered_by_verdict": "Virus Lab request answered by a verdict", "sample.verdict_set": "Verdict set",
    "sample.rescan_queued": "Sample queued for a new scan", "sample.downloaded": "Sample downloaded",
    "yara_rule.created": "YARA rule added", "yara_rule.updated": "YARA rule changed",
    "yara_rule.deleted": "YARA rule deleted",
    # operations
    "outbox.retried": "Mail sent again", "job.retried": "Job started again",
    "mail.attached": "Incoming e-mail added to a request", "mail.discarded": "Incoming e-mail thrown away",
}
ACTOR_KIND_LABELS = {"staff": "Staff", "customer": "Customer", "system": "System", "anonymous": "Not signed in"}
OBJECT_KIND_LABELS = {
    "customers": "Customer", "staff_users": "Staff user", "tickets": "Support request",
    "activation_codes": "Activation code", "blacklist_entries": "Blacklist entry", "products": "Product",
    "courses": "Course", "canned_responses": "Canned response", "outbox_messages": "Mail", "jobs": "Job",
    "viruslab_submissions": "Virus Lab request", "samples": "Sample", "yara_rules": "YARA rule",
    "ticket_attachments": "Ticket file", "customer_notes": "Customer note",
    "inbound_messages": "Incoming e-mail",
}
# where each kind of object has its console page: (endpoint, the argument naming the object)
OBJECT_PAGES = {
    "customers": ("customers.details_view", "id"), "staff_users": ("staff.details_view", "id"),
    "activation_codes": ("codes.details_view", "id"), "blacklist_entries": ("blacklist.details_view", "id"),
    "products": ("products.details_view", "id"), "courses": ("courses.details_view", "id"),
    "canned_responses": ("canned.details_view", "id"), "outbox_messages": ("outbox.details_view", "id"),
    "jobs": ("jobs.details_view", "id"), "viruslab_submissions": ("viruslab.details_view", "id"),
    "samples": ("samples.sample_view", "sample_id"), "yara_rules": ("yara.details_view", "id"),
    "tickets": ("tickets.ticket_view", "number"),
}
FIELD_LABELS = {
    "status": "State", "state": "State", "role": "Role", "name": "Name", "email": "E-mail", "new_email": "New e-mail",
    "is_active": "Active", "seats": "Seats", "expires_at": "Expires", "extra_transfers": "Extra transfers",
    "priority": "Priority", "assignee": "Assignee", "assignee_id": "Assignee", "type": "Request type",
    "title": "Title", "summary": "Summary", "duration_minutes": "Duration (minutes)",
    "is_published": "Published", "note": "Note", "reason": "Reason", "verdict": "Verdict",
    "detection_name": "Detection name", "enabled": "Enabled", "code": "Code", "codes": "Codes", "count": "Count",
    "country": "Country", "city": "City", "address": "Address", "phone": "Phone", "company": "Company",
    "company_address": "Company address", "company_admin_email": "Company administrator's e-mail",
    "news_subscribed": "News", "failed_logins": "Failed sign-ins", "attempts": "Attempts", "subject": "Subject",
    "message": "Message", "file": "File", "into": "Merged into", "from": "Merged from", "score": "Rating",
    "body": "Text", "customer_id": "Customer", "ticket": "Support request", "submission": "Virus Lab request",
    "codes_added": "Codes added", "codes_refused": "Codes refused", "recipients": "Recipients", "via": "Through",
    "size": "Size", "characters": "Characters", "result": "Result", "accounts": "Accounts", "tickets": "Tickets",
    "requests": "Requests", "lab_requests": "Virus Lab requests", "zipped": "Zipped", "export": "Export",
    "registered_before": "Registered before",
}
# values of a field that are stored codes: their labels, per kind of object where the same name means two things
STATUS_LABELS = {"customers": CUSTOMER_STATUS_LABELS, "tickets": TICKET_STATE_LABELS,
                 "viruslab_submissions": LAB_STATE_LABELS}
VALUE_LABELS = {"role": ROLE_LABELS, "priority": PRIORITY_LABELS, "verdict": VERDICT_LABELS,
                "reason": REASON_LABELS}


# what names an object in the log (the ticket page is by number, so a ticket without one gets no link)
OBJECT_NAMES = {
    "customers": (Customer.id, Customer.email), "staff_users": (StaffUser.id, StaffUser.name),
    "activation_codes": (ActivationCode.id, ActivationCode.code), "products": (Product.id, Product.name),
    "courses": (Course.id, Course.title), "canned_responses": (CannedResponse.id, CannedResponse.title),
    "tickets": (Ticket.id, Ticket.number), "viruslab_submissions": (Submission.id, Submission.number),
    "yara_rules": (YaraRule.id, YaraRule.name),
}


@dataclass(frozen=True)
class ObjectRef:
    """What an event was about: "Customer 12", and where its page is (None: it has none)."""

    text: str
    endpoint: str | None = None
    args: dict | None = None


@dataclass(frozen=True)
class Change:
    field: str
    before: str | datetime
    after: str | datetime


def action_label(action: str) -> str:
    """"staff.login_failed" → "Staff sign-in failed"; an action without its own label is spelled out."""
    return ACTION_LABELS.get(action) or spelled_out(action)


def actor_text(event: AuditEvent) -> str:
    """"Staff: Ada Admin", "Customer: ada@example.com", "System"."""
    kind = ACTOR_KIND_LABELS.get(event.actor_type, spelled_out(event.actor_type or ""))
    return f"{kind}: {event.actor_label}" if event.actor_label and event.actor_type != "system" else kind


def object_kind_label(object_type: str | None) -> str:
    return OBJECT_KIND_LABELS.get(object_type or "") or spelled_out(object_type or "")


def object_ref(event: AuditEvent, names: dict[tuple[str, int], str] | None = None) -> ObjectRef | None:
    """The event's object as "Customer ada@example.com" (see `object_names`) with the page to open it; None
    for an event about no object."""
    if not event.object_type:
        return None
    kind = object_kind_label(event.object_type)
    if event.object_id is None:
        return ObjectRef(kind)
    name = (names or {}).get((event.object_type, _int(event.object_id)))
    text = f"{kind} {name or event.object_id}"
    page = OBJECT_PAGES.get(event.object_type)
    if page is None or (event.object_type == "tickets" and name is None):
        return ObjectRef(text)
    return ObjectRef(text, page[0], {page[1]: name if event.object_type == "tickets" else event.object_id})


def object_names(events: Iterable[AuditEvent]) -> dict[tuple[str, int], str]:
    """The names of the objects these events are about: one query per kind of object among them (a page of
    the log holds a handful of kinds), none for an object that is gone."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        key = _int(event.object_id)
        if event.object_type in OBJECT_NAMES and key is not None:
            wanted.setdefault(event.object_type, set()).add(key)
    names = {}
    for object_type, ids in wanted.items():
        id_column, name_column = OBJECT_NAMES[object_type]
        for id_, name in db.session.execute(select(id_column, name_column).where(id_column.in_(ids))):
            names[(object_type, id_)] = name
    return names


def changes(event: AuditEvent) -> list[Change]:
    """Each field the event names, with its label and its value before and after, as a person reads them."""
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    fields = list(dict.fromkeys([*before, *after]))
    return [Change(field_label(name), value_text(event.object_type, name, before.get(name)),
                   value_text(event.object_type, name, after.get(name))) for name in fields]


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or spelled_out(name)


def value_text(object_type: str | None, field: str, value) -> str | datetime:
    """A stored value as a person reads it: labels for codes, Yes/No, lists joined; ISO times as datetimes."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(value_text(object_type, field, item)) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {value_text(object_type, k, v)}" for k, v in value.items()) or "—"
    labels = STATUS_LABELS.get(object_type or "") if field in ("status", "state") else VALUE_LABELS.get(field)
    if labels and isinstance(value, str):
        return label(labels, value)
    if isinstance(value, str) and _looks_like_time(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return str(value)


def _looks_like_time(value: str) -> bool:
    return len(value) >= 19 and value[4] == "-" and value[10] in "T "


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
