"""Submit: one ticket per draft however often it is sent, and unique numbers under concurrent submits."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Attachment, Ticket, WizardDraft
from backoffice.services import ServiceError
from backoffice.services.support import submit, wizard
from tests.support.helpers import customer_actor, make_ticket


def _ready_draft(customer) -> str:
    key = wizard.new_draft_key()
    draft = wizard.open_draft(customer.id, key)
    wizard.save_step(draft, 1, {"type_code": "presale"})
    wizard.save_step(draft, 2, {"product_id": ""})
    wizard.save_step(draft, 3, {"subject": "Licence price", "description": "What does a licence for 5 PCs cost?"})
    wizard.save_step(draft, 4, {"os_name": "Linux", "product_version": ""})
    return key


def test_submitting_a_draft_twice_gives_the_same_ticket(app, make):
    customer = make.customer()
    key = _ready_draft(customer)
    first = submit.submit_draft(customer.id, key, customer_actor(customer))
    second = submit.submit_draft(customer.id, key, customer_actor(customer))
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_an_unfinished_draft_is_refused(app, make):
    customer = make.customer()
    key = wizard.new_draft_key()
    draft = wizard.open_draft(customer.id, key)
    wizard.save_step(draft, 1, {"type_code": "presale"})
    with pytest.raises(wizard.StepInvalid):
        submit.submit_draft(customer.id, key, customer_actor(customer))
    with pytest.raises(ServiceError, match="expired"):
        submit.submit_draft(customer.id, wizard.new_draft_key(), customer_actor(customer))


def test_another_customers_draft_id_is_not_theirs(app, make):
    owner, other = make.customer(), make.customer()
    key = _ready_draft(owner)
    with pytest.raises(ServiceError):
        submit.submit_draft(other.id, key, customer_actor(other))


def _in_threads(app, jobs):
    results, errors = [], []
    barrier = threading.Barrier(len(jobs))

    def run(job):
        with app.app_context():
            try:
                barrier.wait()
                results.append(job())
            except Exception as error:  # collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_concurrent_submits_get_unique_numbers(app, make, postgres_only):
    customers = [make.customer() for _ in range(6)]
    drafts = [(c, _ready_draft(c)) for c in customers for _ in range(4)]  # 24 submits
    make_ticket(customers[0])  # the year's counter row exists; the race is on bumping it

    def job(customer_id, key, email):
        from backoffice.security import Actor

        return submit.submit_draft(customer_id, key, Actor("customer", customer_id, email)).number

    plain = [(c.id, k, c.email) for c, k in drafts]  # read here: the threads have sessions of their own
    results, errors = _in_threads(app, [(lambda args=args: job(*args)) for args in plain])
    assert errors == []
    assert len(results) == 24 and len(set(results)) == 24
    numbers = db.session.scalars(select(Ticket.number)).all()
    assert len(numbers) == 25 == len(set(numbers))


def test_concurrent_first_submits_of_a_year_and_double_clicks(app, make, postgres_only):
    customer = make.customer()
    key = _ready_draft(customer)
    others = [(c, _ready_draft(c)) for c in (make.customer() for _ in range(12))]

    from backoffice.security import Actor

    actor = customer_actor(customer)  # plain values: the threads have sessions of their own
    plain = [(c.id, k, customer_actor(c)) for c, k in others]

    def same_draft():
        return submit.submit_draft(actor.id, key, actor).number

    def own_draft(customer_id, k, a: Actor):
        return submit.submit_draft(customer_id, k, a).number

    jobs = [same_draft] * 10 + [(lambda args=args: own_draft(*args)) for args in plain]
    results, errors = _in_threads(app, jobs)
    assert errors == []
    assert len(results) == 22 and len(set(results)) == 13  # 10 clicks made one ticket, 12 others one each
    assert db.session.scalar(select(func.count()).where(Ticket.customer_id == actor.id)) == 1
    assert db.session.scalar(select(WizardDraft.ticket_id).where(WizardDraft.draft_key == key)) is not None


def test_draft_files_move_to_the_ticket(app, make):
    import io

    from backoffice.services.support.attachments import Upload

    customer = make.customer()
    key = wizard.new_draft_key()
    draft = wizard.open_draft(customer.id, key)
    wizard.save_step(draft, 1, {"type_code": "presale"})
    wizard.save_step(draft, 2, {"product_id": ""})
    wizard.save_step(draft, 3, {"subject": "Licence price", "description": "What does a licence for 5 PCs cost?"},
                     uploads=[Upload(io.BytesIO(b"invoice"), "invoice.pdf", "application/pdf")])
    wizard.save_step(draft, 4, {"os_name": "Linux"}, uploads=[Upload(io.BytesIO(b"report"), "gsi.zip")])
    ticket = submit.submit_draft(customer.id, key, customer_actor(customer))
    files = db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert sorted((f.filename, f.source, f.draft_id) for f in files) == [
        ("gsi.zip", "sysinfo", None), ("invoice.pdf", "web", None)]
    assert all(f.message_id is not None for f in files)


def test_unfinished_drafts_are_pruned_after_a_while(app, make, runner):
    import io
    from datetime import UTC, datetime, timedelta

    from backoffice.clock import set_now
    from backoffice.services.support.attachments import Upload

    set_now(datetime(2026, 6, 1, tzinfo=UTC))
    customer = make.customer()
    stale = wizard.open_draft(customer.id, wizard.new_draft_key())
    wizard.save_step(stale, 1, {"type_code": "presale"})
    wizard.save_step(stale, 2, {"product_id": ""})
    wizard.save_step(stale, 3, {"subject": "Forgotten", "description": "A draft nobody finished in time."},
                     uploads=[Upload(io.BytesIO(b"x"), "x.txt")])
    stale_key = stale.draft_key
    make_ticket(customer)  # a submitted draft stays: it names its ticket
    set_now(datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=8))
    fresh = wizard.open_draft(customer.id, wizard.new_draft_key())
    wizard.save_step(fresh, 1, {"type_code": "presale"})
    result = runner.invoke(args=["prune-wizard-drafts"])
    assert "dropped 1 unfinished draft" in result.output
    keys = set(db.session.scalars(select(WizardDraft.draft_key)))
    assert stale_key not in keys and fresh.draft_key in keys and len(keys) == 2
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id.is_(None))) == 0
