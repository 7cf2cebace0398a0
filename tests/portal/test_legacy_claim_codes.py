"""Claiming an imported Personal Cabinet account turns its codes into activation codes of the account, under the
codes page's own rules; the refused ones are listed to the customer with the reason and audited for staff."""

from __future__ import annotations

import threading

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import (
    ActivationCode,
    AuditEvent,
    CodeRegistration,
    Customer,
    CustomerStatus,
    LegacyCode,
    TokenPurpose,
)
from backoffice.security import Actor
from backoffice.services import tokens
from backoffice.services.legacy_claim import complete_claim
from backoffice.services.licensing.codes import add_code
from tests.licensing_helpers import active_holders, make_code
from tests.portal.mailbox import deliver, link_in, only_message_to

NEW_PASSWORD = "harbour pelican 19"
UNKNOWN = "QQQQQ-11111-QQQQQ-22222"


def import_legacy(runner, tmp_path, codes: list[str], email: str = "old.user@example.com") -> None:
    path = tmp_path / "legacy.csv"
    path.write_text(f"email,name,country,codes\n{email},Olga Old,DE,{' '.join(codes)}\n", encoding="utf-8")
    result = runner.invoke(args=["import-legacy", str(path)])
    assert result.exit_code == 0, result.output


def test_claim_registers_the_valid_code_and_lists_the_blacklisted_and_full_ones(smtp, runner, client, make,
                                                                               tmp_path):
    valid, blacklisted, full = make_code(seats=1), make_code(seats=2, blacklisted=True), make_code(seats=1)
    valid_code, blacklisted_code, full_code = valid.code, blacklisted.code, full.code
    holder = make.customer()
    assert add_code(holder, full_code, Actor("customer", holder.id)).added  # its only seat is taken
    # the import accepts codes in any shape: without dashes, lower case
    import_legacy(runner, tmp_path, [valid_code.replace("-", "").lower(), blacklisted_code, full_code, UNKNOWN])

    client.post("/claim", data={"email": "old.user@example.com"})
    link = link_in(only_message_to(deliver(smtp), "old.user@example.com"), "/claim/")
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert response.status_code == 200
    assert "1 activation code from your Personal Cabinet is now on your account." in response.text
    assert "3 codes from your Personal Cabinet could not be added" in response.text

    customer = db.session.scalar(select(Customer).where(Customer.email == "old.user@example.com"))
    assert customer.status == CustomerStatus.ACTIVE
    registered = db.session.scalars(select(CodeRegistration).where(CodeRegistration.customer_id == customer.id,
                                                                  CodeRegistration.removed_at.is_(None))).all()
    assert [r.code.code for r in registered] == [valid_code]
    db.session.expire_all()
    assert db.session.get(ActivationCode, valid.id).seats_taken == 1
    assert db.session.get(ActivationCode, full.id).seats_taken == 1 and active_holders(full) == 1
    assert db.session.get(ActivationCode, blacklisted.id).seats_taken == 0

    page = client.get("/codes/").text
    codes_table, refused_table = page.split('id="legacy-refused"')
    assert valid_code in codes_table and "Valid" in codes_table
    assert "Personal Cabinet codes that could not be added" in page
    for code, reason in [(blacklisted_code, "is blacklisted and cannot be added"),
                         (full_code, "Every seat of the activation code"),
                         (UNKNOWN, "We do not know the activation code")]:
        row = refused_table.split(code, 1)[1].split("</tr>", 1)[0]
        assert reason in row, (code, row)
    assert valid_code not in refused_table and "UTC" in refused_table
    assert "no_seat_left" not in page.replace("result-no_seat_left", "")  # labels, not machine words

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "customer.legacy_code_refused",
                                                         AuditEvent.object_id == str(customer.id))).all()
    assert sorted((e.after["code"], e.after["result"]) for e in events) == sorted(
        [(blacklisted_code, "blacklisted"), (full_code, "no_seat_left"), (UNKNOWN, "unknown")])
    assert all(e.after["reason"] for e in events)
    claimed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.claimed"))
    assert claimed.after == {"codes_added": 1, "codes_refused": 3}


def test_a_refused_code_added_later_leaves_the_list(smtp, runner, client, make, tmp_path):
    full = make_code(seats=1)
    full_code = full.code
    holder = make.customer()
    registration = add_code(holder, full_code, Actor("customer", holder.id))
    assert registration.added
    import_legacy(runner, tmp_path, [full_code])
    client.post("/claim", data={"email": "old.user@example.com"})
    link = link_in(only_message_to(deliver(smtp), "old.user@example.com"), "/claim/")
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert full_code in client.get("/codes/").text.split('id="legacy-refused"')[1]

    from backoffice.services.licensing.codes import customer_codes, remove_code

    [held] = customer_codes(holder.id)
    remove_code(db.session.get(Customer, holder.id), held.registration_id, Actor("customer", holder.id))
    assert client.post("/codes/add", data={"code": full_code}).status_code == 200
    page = client.get("/codes/").text
    assert 'id="legacy-refused"' not in page and full_code in page


def test_two_claims_at_once_of_accounts_sharing_a_one_seat_code_register_it_once(postgres_only, app, make):
    shared = make_code(seats=1)
    shared_code, shared_id = shared.code, shared.id
    raws = []
    for n in range(2):
        customer = make.customer(email=f"legacy{n}@example.com", status=CustomerStatus.LEGACY)
        db.session.add(LegacyCode(customer_id=customer.id, code=shared_code))
        raws.append(tokens.issue(customer, TokenPurpose.LEGACY_CLAIM))
        db.session.commit()
    barrier = threading.Barrier(2)
    results = []

    def claim(raw):
        with app.app_context():
            try:
                barrier.wait()
                claimed = complete_claim(raw, NEW_PASSWORD, Actor("anonymous"))
                results.append((claimed.codes_added, [r.outcome for r in claimed.codes_refused]))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(raw,)) for raw in raws]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [(0, ["no_seat_left"]), (1, [])]
    db.session.expire_all()
    assert db.session.get(ActivationCode, shared_id).seats_taken == 1
    assert active_holders(db.session.get(ActivationCode, shared_id)) == 1
