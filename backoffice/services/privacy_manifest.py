"""What a customer's data download holds (GDPR art. 15/20): the manifest of every record about them, and the files
they uploaded, each named by its place in the zip.

Tickets come with their public messages only (staff notes are not the customer's correspondence, and the portal
never shows them); Virus Lab requests with their public messages, the verdict the customer sees and the files they
sent. Files a customer sent to the Virus Lab may be malware: they travel only inside an AES zip with the lab's
password, as everywhere else (storage.py, viruslab/download.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import (
    Attachment,
    AuditEvent,
    Course,
    Customer,
    Enrollment,
    LabMessage,
    LegacyCode,
    Rating,
    Submission,
    SubmissionFile,
    Ticket,
    TicketMessage,
)
from backoffice.models.support import AuthorKind, MessageKind
from backoffice.models.viruslab import CUSTOMER_STATE_LABELS, REQUEST_TYPE_LABELS
from backoffice.services.licensing.codes import customer_codes
from backoffice.services.viruslab.verdicts import request_verdict

ACCOUNT_FIELDS = ["email", "status", "created_at", "terms_accepted_at", "activated_at", "last_login_at",
                  "pending_email", "news_subscribed"]
PROFILE_FIELDS = ["name", "country", "city", "address", "phone", "company", "company_address",
                  "company_admin_email"]
EVENTS_EXPORTED = 1000
BATCH = 500  # tickets or lab requests read per round: a customer with 10,000 tickets costs 20 rounds, not 10,000
LAB_ARCHIVE = "samples.zip"  # per lab request, AES-encrypted with SAMPLE_ZIP_PASSWORD


@dataclass(frozen=True)
class ExportFile:
    path: str  # inside the download zip (or, for lab files, inside its request's samples.zip)
    sha256: str
    lab_archive: str | None = None  # the samples.zip that holds it, for a Virus Lab file


def build_manifest(customer: Customer) -> tuple[dict, list[ExportFile]]:
    """The manifest and the files to put beside it."""
    files: list[ExportFile] = []
    data = {
        "exported_at": iso(utcnow()),
        "account": {name: iso(getattr(customer, name)) for name in ACCOUNT_FIELDS},
        "profile": {name: getattr(customer, name) for name in PROFILE_FIELDS},
        "activation_codes": _codes(customer),
        "personal_cabinet_codes": _legacy_codes(customer),
        "courses": _courses(customer),
        "tickets": _tickets(customer, files),
        "viruslab_requests": _lab_requests(customer, files),
        "security_events": _events(customer),
    }
    return data, files


def _codes(customer: Customer) -> list[dict]:
    return [{"code": held.code, "product": held.product, "added_at": iso(held.added_at),
             "expires_at": iso(held.expires_at), "state": held.state} for held in customer_codes(customer.id)]


def _legacy_codes(customer: Customer) -> list[dict]:
    rows = db.session.scalars(select(LegacyCode).where(LegacyCode.customer_id == customer.id)
                              .order_by(LegacyCode.code))
    return [{"code": r.code, "imported_at": iso(r.imported_at), "outcome_on_claim": r.outcome,
             "reason": r.reason} for r in rows]


def _courses(customer: Customer) -> list[dict]:
    rows = db.session.execute(
        select(Course.title, Enrollment.enrolled_at).join(Enrollment.course)
        .where(Enrollment.customer_id == customer.id).order_by(Enrollment.enrolled_at)).all()
    return [{"title": title, "chosen_at": iso(at)} for title, at in rows]


def _events(customer: Customer) -> list[dict]:
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "customers", AuditEvent.object_id == str(customer.id))
        .order_by(AuditEvent.id.desc()).limit(EVENTS_EXPORTED))
    return [{"at": iso(e.created_at), "action": e.action, "ip": e.ip} for e in events]


def _tickets(customer: Customer, files: list[ExportFile]) -> list[dict]:
    exported = []
    last_id = 0
    while batch := list(db.session.scalars(select(Ticket).where(Ticket.customer_id == customer.id,
                                                                 Ticket.id > last_id)
                                            .order_by(Ticket.id).limit(BATCH))):
        last_id = batch[-1].id
        ids = [t.id for t in batch]
        messages = defaultdict(list)
        for message in db.session.scalars(select(TicketMessage).where(
                TicketMessage.ticket_id.in_(ids), TicketMessage.kind == MessageKind.REPLY)
                .order_by(TicketMessage.id)):
            messages[message.ticket_id].append(message)
        uploads = defaultdict(list)
        for attachment in db.session.scalars(_customer_attachments(ids)):
            uploads[attachment.ticket_id].append(attachment)
        ratings = {r.ticket_id: r for r in db.session.scalars(select(Rating).where(Rating.ticket_id.in_(ids)))}
        for ticket in batch:
            exported.append(_ticket(ticket, messages[ticket.id], uploads[ticket.id], ratings.get(ticket.id), files))
    return exported


def _customer_attachments(ticket_ids: list[int]):
    """The files the customer sent: with the wizard, a reply of theirs or over FTP, never a staff message's."""
    return (select(Attachment).outerjoin(TicketMessage, TicketMessage.id == Attachment.message_id)
            .where(Attachment.ticket_id.in_(ticket_ids),
                   or_(Attachment.message_id.is_(None), TicketMessage.author_kind == AuthorKind.CUSTOMER))
            .order_by(Attachment.id))


def _ticket(ticket: Ticket, messages: list[TicketMessage], uploads: list[Attachment], rating: Rating | None,
            files: list[ExportFile]) -> dict:
    paths = {}
    for attachment in uploads:
        path = f"tickets/{ticket.number}/{attachment.id}-{safe_name(attachment.filename)}"
        paths[attachment.id] = path
        files.append(ExportFile(path, attachment.sha256))
    return {
        "number": ticket.number,
        "request_type": ticket.request_type.name,
        "product": ticket.product.name if ticket.product else None,
        "subject": ticket.subject,
        "description": ticket.description,
        "operating_system": ticket.os_name,
        "product_version": ticket.product_version,
        "status": ticket.status,
        "created_at": iso(ticket.created_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "messages": [{"at": iso(m.created_at), "from": _author(m, "Technical Support"), "text": m.body,
                      "files": [paths[a.id] for a in uploads if a.message_id == m.id]} for m in messages],
        "files": [{"name": a.filename, "size": a.size, "sha256": a.sha256, "sent_at": iso(a.created_at),
                   "path": paths[a.id]} for a in uploads],
        "rating": {"score": rating.score, "comment": rating.comment, "at": iso(rating.created_at)} if rating else None,
    }


def _lab_requests(customer: Customer, files: list[ExportFile]) -> list[dict]:
    exported = []
    last_id = 0
    while batch := list(db.session.scalars(
            select(Submission).where(Submission.customer_id == customer.id, Submission.id > last_id)
            .options(selectinload(Submission.sample),
                     selectinload(Submission.files).selectinload(SubmissionFile.sample))
            .order_by(Submission.id).limit(BATCH))):
        last_id = batch[-1].id
        messages = defaultdict(list)
        for message in db.session.scalars(select(LabMessage).where(
                LabMessage.submission_id.in_([s.id for s in batch]), LabMessage.kind == MessageKind.REPLY)
                .options(selectinload(LabMessage.files)).order_by(LabMessage.id)):
            messages[message.submission_id].append(message)
        for submission in batch:
            exported.append(_lab_request(submission, messages[submission.id], files))
    return exported


def _lab_request(submission: Submission, messages: list[LabMessage], files: list[ExportFile]) -> dict:
    archive = f"viruslab/{submission.number}/{LAB_ARCHIVE}"

    def add(prefix: str, row_id: int, name: str, sha256: str) -> str:
        path = f"{prefix}{row_id}-{safe_name(name)}"
        files.append(ExportFile(path, sha256, lab_archive=archive))
        return path

    sample = submission.sample  # what the customer sent with the request (the analysis unpacks it into files)
    sent = [{"name": submission.file_name, "sha256": sample.sha256, "size": sample.size,
             "path_in_archive": add("request/", submission.id, submission.file_name or sample.sha256,
                                    sample.sha256)}] if sample else []
    outcome = request_verdict(submission)
    thread = []
    for m in messages:
        added = [{"name": f.name, "path_in_archive": add("messages/", f.id, f.name, f.sample.sha256)}
                 for f in m.files] if m.author_kind == AuthorKind.CUSTOMER else []
        thread.append({"at": iso(m.created_at), "from": _author(m, "Virus Lab"), "text": m.body, "files": added})
    return {
        "number": submission.number,
        "request_type": REQUEST_TYPE_LABELS.get(submission.request_type, submission.request_type),
        "description": submission.description,
        "detection_name_seen": submission.detection_seen,
        "product": submission.product,
        "last_database_update": iso(submission.last_update_date),
        "email": submission.email,
        "state": CUSTOMER_STATE_LABELS.get(submission.state, submission.state),
        "sent_at": iso(submission.created_at),
        "answered_at": iso(submission.answered_at),
        "verdict": {"verdict": outcome.label, "detections": outcome.detection_names,
                    "complete": outcome.complete} if outcome.verdict else None,
        "messages": thread,
        "files": sent,
        "files_archive": archive if sent or any(m["files"] for m in thread) else None,
    }


def _author(message, staff_label: str) -> str:
    return staff_label if message.author_kind == AuthorKind.STAFF else (
        "You" if message.author_kind == AuthorKind.CUSTOMER else "System")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def safe_name(name: str | None) -> str:
    """A file name that unpacks as one plain file on any system: no path parts, no control characters."""
    cleaned = _UNSAFE.sub("_", name or "").strip(" .")
    return cleaned[:120] or "file"


def iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
