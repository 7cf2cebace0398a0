"""A person's words for the stored values the console shows: customer statuses, staff roles, mail statuses and
templates, job kinds. (Ticket states and priorities live in support/workflow; Virus Lab states and verdicts in
models/viruslab; code states and blacklist reasons in licensing; job states in models/jobs.)"""

from __future__ import annotations

from collections.abc import Mapping

from backoffice.models import CustomerStatus, OutboxStatus, StaffRole

CUSTOMER_STATUS_LABELS = {
    CustomerStatus.PENDING: "Waiting for activation",
    CustomerStatus.ACTIVE: "Active",
    CustomerStatus.LOCKED: "Locked",
    CustomerStatus.LEGACY: "Imported from Personal Cabinet, not yet claimed",
}
ROLE_LABELS = {StaffRole.ADMIN: "Administrator", StaffRole.SUPPORT: "Support engineer",
               StaffRole.ANALYST: "Virus analyst"}
# least privileged first: a new staff account starts at the top of this list
ROLE_ORDER = (StaffRole.ANALYST, StaffRole.SUPPORT, StaffRole.ADMIN)
OUTBOX_STATUS_LABELS = {OutboxStatus.QUEUED: "Waiting to be sent", OutboxStatus.SENT: "Sent",
                        OutboxStatus.FAILED: "Failed", OutboxStatus.BOUNCED: "Bounced"}
INBOUND_OUTCOME_LABELS = {
    "received": "Not read yet", "joined": "Added to its request", "created": "New request",
    "needs_review": "Waiting for review", "auto_replied": "Answered automatically", "ignored": "Ignored",
    "bounce": "Delivery report", "refused": "Refused (too large)", "discarded": "Thrown away",
    "attached": "Added to a request by staff",
}
MAIL_TEMPLATE_LABELS = {
    "account_closed": "Account closed", "activation": "Activation link", "data_export_ready": "Data export ready",
    "email_change_confirm": "Confirm the new e-mail address", "email_change_notice": "E-mail change notice",
    "email_change_taken": "E-mail address already in use", "email_changed": "E-mail address changed",
    "legacy_claim": "Claim an imported account", "news": "News", "password_changed": "Password changed",
    "password_reset": "Password reset link", "registration_attempt": "Registration attempt with this address",
    "staff_locked": "Staff account locked", "ticket_created": "Support request received",
    "ticket_merged": "Support requests merged", "ticket_reply": "Reply to a support request",
    "ticket_resolved": "Support request resolved", "viruslab_message": "Virus Lab message",
    "viruslab_received": "Virus Lab request received", "viruslab_verdict": "Virus Lab verdict",
    "mail_intake_portal": "Answer to mail from an unknown sender",
}
JOB_KIND_LABELS = {
    "mail.send": "Send an e-mail", "viruslab.analyse": "Analyse a Virus Lab request",
    "viruslab.rescan": "Scan a sample again", "samples.zip": "Pack a Virus Lab request's files",
    "support.check_file": "Check a ticket file", "privacy.export": "Build a customer's data export",
    "privacy.export_expire": "Delete an expired data export", "accounts.registration": "Registration mail",
    "accounts.password_reset": "Password reset mail", "accounts.legacy_claim": "Imported account claim mail",
    "licensing.import_codes": "Import activation codes",
    "mail.intake": "Read an incoming e-mail",
}


def label(labels: Mapping, value, empty: str = "—") -> str:
    """The label of a stored value; one without its own label is spelled out from its name, never shown raw."""
    if value is None or value == "":
        return empty
    found = labels.get(value)
    if found is not None:
        return found
    return spelled_out(str(value))


def spelled_out(name: str) -> str:
    """"resale_abuse" → "Resale abuse", "mail.send" → "Mail send": the last resort for a value with no label."""
    return " ".join(name.replace(".", " ").replace("_", " ").split()).capitalize()


def plural(count: int, singular: str, many: str | None = None) -> str:
    """"1 ticket", "2 tickets", "1,000 entries" (`many` for the irregular ones)."""
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def options(labels: Mapping) -> list[tuple[str, str]]:
    """(value, label) pairs for a filter or a select, in the mapping's order."""
    return [(str(value), text) for value, text in labels.items()]
