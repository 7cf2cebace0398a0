"""Rows for the statement-count tests: n rows of a console list's table in one INSERT each, linked the way the
real ones are (a request to its sample and customer, a ticket to its customer, code and engineer), so that a
page that loads a relation row by row shows it as more statements."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import (
    ActivationCode,
    Attachment,
    AuditEvent,
    BlacklistEntry,
    CodeRegistration,
    Customer,
    CustomerNote,
    Job,
    OutboxMessage,
    Product,
    Sample,
    Submission,
    SupportRequestType,
    Ticket,
    TicketMessage,
)

_serial = itertools.count(1)


def _many(model, rows: list[dict]) -> list[int]:
    """Insert the rows in one statement; their ids in order."""
    ids = db.session.scalars(insert(model).returning(model.id), rows).all()
    db.session.commit()
    return sorted(ids)


def customers(n: int, status: str = "active", country: str = "PT") -> list[int]:
    now = utcnow()
    return _many(Customer, [
        {"email": f"row{k}.{status}@rows.example.com", "password_hash": "x", "status": status, "session_epoch": "e",
         "failed_logins": 0, "name": f"Row Person {k}", "country": country, "news_subscribed": False,
         "created_at": now} for k in (next(_serial) for _ in range(n))])


def product() -> int:
    return _many(Product, [{"name": f"Rows product {next(_serial)}", "created_at": utcnow()}])[0]


def codes(n: int, holder: int | None = None, blacklisted: bool = False) -> list[int]:
    """n activation codes (held by customer `holder` if given; on the blacklist if `blacklisted`)."""
    now, product_id = utcnow(), product()
    ids = _many(ActivationCode, [
        {"code": "-".join(f"{k:020d}"[i:i + 5] for i in range(0, 20, 5)), "product_id": product_id, "seats": 2,
         "seats_taken": 1 if holder else 0, "valid_from": now - timedelta(days=10),
         "expires_at": now + timedelta(days=300), "extra_transfers": 0, "created_at": now}
        for k in (next(_serial) for _ in range(n))])
    if holder:
        _many(CodeRegistration, [{"code_id": code_id, "customer_id": holder, "added_at": now, "is_transfer": False}
                                 for code_id in ids])
    if blacklisted:
        _many(BlacklistEntry, [{"code_id": code_id, "reason": "leaked", "created_by_label": "rows",
                                "created_at": now} for code_id in ids])
    return ids


def tickets(n: int, customer_id: int, assignee_id: int | None = None, code_id: int | None = None,
            status: str = "open") -> list[str]:
    """n tickets of the first queue (general questions); their numbers."""
    type_id = db.session.scalar(select(SupportRequestType.id).where(SupportRequestType.code == "general"))
    now = utcnow()
    rows = []
    for _ in range(n):
        k = next(_serial)
        rows.append({"number": f"TS-2026-{k:06d}", "customer_id": customer_id, "draft_key": uuid.uuid4().hex,
                     "request_type_id": type_id, "subject": f"Question {k}", "description": "Please help.",
                     "status": status, "priority": "normal", "assignee_id": assignee_id,
                     "activation_code_id": code_id, "created_at": now, "last_activity_at": now,
                     "first_response_due_at": now + timedelta(days=1), "resolution_due_at": now + timedelta(days=3),
                     "customer_wrote_at": now, "unanswered_since": now})
    _many(Ticket, rows)
    return [row["number"] for row in rows]


def thread(ticket_number: str, n: int, staff_id: int) -> None:
    """n messages on the ticket, alternately the customer's and the engineer's (every tenth an internal note),
    each with one attachment."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == ticket_number))
    now = utcnow()
    rows = []
    for m in range(1, n + 1):
        staff = m % 2 == 0
        rows.append({"ticket_id": ticket.id, "kind": "note" if m % 10 == 0 else "reply",
                     "author_kind": "staff" if staff else "customer",
                     "author_customer_id": None if staff else ticket.customer_id,
                     "author_staff_id": staff_id if staff else None, "author_label": f"Author {m}",
                     "body": f"Message {m} about the key file.", "created_at": now + timedelta(seconds=m)})
    message_ids = _many(TicketMessage, rows)
    _many(Attachment, [{"ticket_id": ticket.id, "message_id": message_id, "sha256": hashlib.sha256(
        b"%d" % message_id).hexdigest(), "filename": f"log-{message_id}.txt", "size": 100,
        "content_type": "text/plain", "source": "web", "created_at": now, "check_state": "scanned",
        "risk": "ordinary"} for message_id in message_ids])


def samples(n: int) -> list[int]:
    now = utcnow()
    rows = []
    for _ in range(n):
        data = b"rows sample %d" % next(_serial)
        rows.append({"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest(),
                     "sha1": hashlib.sha1(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest(),
                     "size": 100, "file_type": "data", "archive_state": "not_archive", "verdict": "malicious",
                     "detection_name": "Trojan.Rows", "first_seen_at": now})
    return _many(Sample, rows)


def lab_requests(n: int, customer_id: int, assignee_id: int | None = None) -> list[int]:
    now = utcnow()
    email = db.session.get(Customer, customer_id).email
    return _many(Submission, [
        {"number": f"VL-{now:%Y%m%d}-R{k:07d}", "customer_id": customer_id, "request_type": "unknown_malware",
         "description": "Suspicious file", "product": "Anti-Virus", "last_update_date": now.date(), "email": email,
         "file_name": f"file-{k}.exe", "sample_id": sample_id, "state": "waiting", "assignee_id": assignee_id,
         "created_at": now} for k, sample_id in zip((next(_serial) for _ in range(n)), samples(n), strict=True)])


def notes(n: int, customer_id: int) -> None:
    _many(CustomerNote, [{"customer_id": customer_id, "author_label": "rows", "body": f"Note {m}",
                          "created_at": utcnow()} for m in range(n)])


def audit_events(n: int, customer_id: int) -> None:
    _many(AuditEvent, [{"created_at": utcnow(), "actor_type": "customer", "actor_id": customer_id,
                        "actor_label": "rows", "action": "customer.login", "object_type": "customers",
                        "object_id": str(customer_id), "ip": "192.0.2.1"} for _ in range(n)])


def jobs(n: int) -> None:
    now = utcnow()
    _many(Job, [{"kind": "mail.deliver", "payload": {"outbox_id": m}, "state": "failed", "attempts": 5,
                 "run_after": now, "created_at": now, "last_error": "SMTP: connection refused"} for m in range(n)])


def outbox(n: int) -> None:
    now = utcnow()
    _many(OutboxMessage, [{"to_addr": f"row{m}@rows.example.com", "subject": f"Your request {m}",
                           "body_text": "Thank you.", "template": "ticket_reply", "status": "sent", "created_at": now,
                           "sent_at": now} for m in range(n)])
