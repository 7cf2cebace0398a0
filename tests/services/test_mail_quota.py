"""A stranger cannot make us mail one address more than ACCOUNT_MAILS_PER_ADDRESS_HOUR times an hour, from however
many client addresses, through reset, registration or claim; it holds when several app servers race on the last
allowed mail (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.jobs.worker import run_due
from backoffice.models import CustomerStatus, Job, MailQuota, OutboxMessage
from backoffice.services import mail_quota
from backoffice.services.passwords import RESET_JOB
from tests.races import run_together

BASE = datetime(2026, 12, 1, 9, 10, tzinfo=UTC)


def mails_to(address: str) -> int:
    return db.session.scalar(select(func.count()).where(OutboxMessage.to_addr == address))


def from_client(app, number: int):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
    return client


def test_resets_from_many_clients_mail_one_address_at_most_the_cap(app, make):
    set_now(BASE)
    make.customer(email="target@example.com")
    answers = set()
    for client_number in range(4):  # each client stays under its own per-client limit
        client = from_client(app, client_number)
        for _ in range(3):
            response = client.post("/forgot-password", data={"email": "target@example.com"}, follow_redirects=True)
            answers.add(response.status_code)
    assert answers == {200}  # past the cap the asker sees the same page
    while run_due().attempted:  # the reset jobs decide and mail
        pass
    assert mails_to("target@example.com") == app.config["ACCOUNT_MAILS_PER_ADDRESS_HOUR"] == 5

    set_now(BASE + timedelta(hours=1))  # the next hour has its own allowance
    from_client(app, 9).post("/forgot-password", data={"email": "target@example.com"})
    run_due()
    assert mails_to("target@example.com") == 6


def test_registration_and_claim_share_the_address_allowance(app, make):
    set_now(BASE)
    make.customer(email="pending@example.com", status=CustomerStatus.PENDING)
    for number in range(7):  # "register" again and again: each would resend the activation link
        passphrase = "a long enough passphrase"
        from_client(app, number).post("/register", data={"email": "pending@example.com", "password": passphrase,
                                                         "confirm": passphrase, "terms": "y"})
    from_client(app, 20).post("/claim", data={"email": "pending@example.com"})
    while run_due().attempted:
        pass
    assert mails_to("pending@example.com") == 5


def test_an_unknown_address_is_mailed_nothing_and_the_request_did_not_look(app):
    set_now(BASE)
    for number in range(3):
        from_client(app, number).post("/forgot-password", data={"email": "nobody@example.com"})
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == RESET_JOB)) == 3
    while run_due().attempted:  # the jobs decide: no account, no mail, no allowance spent
        pass
    assert mails_to("nobody@example.com") == 0
    assert db.session.get(MailQuota, ("nobody@example.com", BASE.replace(minute=0))) is None


def test_servers_racing_on_the_last_mails_grant_exactly_the_cap(app, postgres_only):
    set_now(BASE)
    barrier = threading.Barrier(8)
    granted, errors = [], []

    def ask() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                granted.append(mail_quota.take("raced@example.com"))
                db.session.commit()
            except Exception as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                db.session.remove()

    run_together(ask, 8, timeout=30)
    assert errors == [] and sorted(granted) == [False, False, False, True, True, True, True, True]
