"""The customers list's one search box: an e-mail, a name, an activation code in any shape, a support request
number or a Virus Lab request number; exactly one match opens the customer's page, several list them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CodeRegistration
from backoffice.services import customer_lookup
from tests.console.customer_rows import hold, lab_request, tickets
from tests.factories import PASSWORD


@pytest.fixture
def people(make, console):
    console.login(make.staff("support").email, PASSWORD)
    erika = make.customer(email="erika.mustermann@beispiel.de", name="Erika Mustermann")
    jean = make.customer(email="jean.dupont@exemple.fr", name="Jean Dupont")
    return {"erika": erika, "jean": jean}


def opened(client, term: str) -> int | None:
    """The customer id the search went straight to, or None when it showed the list."""
    response = client.get("/console/customers/", query_string={"search": term})
    if response.status_code == 302:
        return int(re.fullmatch(r"/console/customers/details/\?id=(\d+)", response.location).group(1))
    assert response.status_code == 200
    return None


def listed(client, term: str) -> set[str]:
    page = client.get("/console/customers/", query_string={"search": term}).get_data(as_text=True)
    return {cell.strip() for cell in re.findall(r'<td class="col-email">(.*?)</td>', page, re.S)}


def spaced(code: str) -> str:
    """The code as a customer might paste it: lower case, en dashes, spaces."""
    return " " + code.lower().replace("-", " \u2013 ", 1).replace("-", "") + " "


def test_each_kind_of_term_goes_straight_to_its_customer(people, client):
    erika, jean = people["erika"], people["jean"]
    code = hold(erika)
    [number] = tickets(jean, 1)
    request = lab_request(erika)
    assert opened(client, "ERIKA.Mustermann@Beispiel.DE") == erika.id  # an address, in any case
    assert opened(client, "Dupont") == jean.id  # a name fragment that finds one
    assert opened(client, code.code) == erika.id
    assert opened(client, spaced(code.code)) == erika.id
    assert opened(client, code.code.replace("-", "")) == erika.id
    assert opened(client, number.lower()) == jean.id
    assert opened(client, f"  {request.number.lower()} ") == erika.id
    # the page it opens is the customer page
    page = client.get(f"/console/customers/details/?id={erika.id}").get_data(as_text=True)
    assert code.code in page and request.number in page


def test_a_term_that_finds_several_customers_lists_them(people, make, client):
    erika, jean = people["erika"], people["jean"]
    code = hold(erika)
    db.session.add(CodeRegistration(code_id=code.id, customer_id=jean.id))
    db.session.commit()
    assert opened(client, code.code) is None
    assert listed(client, code.code) == {erika.email, jean.email}
    assert listed(client, "ex") == listed(client, "") and opened(client, "e-") is None  # too short: not filtered


def test_a_former_holder_of_a_code_is_found_too(people, client):
    erika = people["erika"]
    code = hold(erika)
    registration = db.session.scalar(select(CodeRegistration).where(CodeRegistration.code_id == code.id))
    registration.removed_at = registration.added_at
    db.session.commit()
    assert opened(client, code.code) == erika.id


def test_a_number_or_code_that_nobody_has_finds_nobody(people, client):
    assert listed(client, "TS-2026-999999") == set()
    assert listed(client, "VL-20260101-ZZZZZZ") == set()
    assert listed(client, "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ") == set()  # no such code: read as a name, and no one has it
    assert listed(client, "nobody@nowhere.example") == set()


def test_an_address_fragment_still_finds_by_fragment(people, client):
    assert opened(client, "mustermann@beispiel") == people["erika"].id
    assert opened(client, "@exemple") == people["jean"].id
    assert listed(client, "e@beispiel.de") == set()  # a whole address nobody has, and no fragment of one either


def test_filters_with_a_search_show_the_list(people, client):
    response = client.get("/console/customers/", query_string={"search": "Dupont", "flt0_0": "active"})
    assert response.status_code == 200 and people["jean"].email in response.get_data(as_text=True)


def test_each_kind_is_read_from_its_shape(people, app):
    erika = people["erika"]
    code = hold(erika)
    [number] = tickets(erika, 1)
    request = lab_request(erika)
    with app.test_request_context():
        kinds = {term: customer_lookup.lookup(term).kind for term in (
            number, request.number, spaced(code.code), erika.email, "Mustermann", "abcdefghijklmnopqrst")}
    assert kinds == {number: "ticket", request.number: "lab_request", spaced(code.code): "code",
                     erika.email: "email", "Mustermann": "text", "abcdefghijklmnopqrst": "text"}


def test_the_searches_are_answered_by_indexes(people, app, backend):
    """EXPLAIN of each kind's query names an index, never a scan of the customers or tickets tables."""
    erika = people["erika"]
    code = hold(erika)
    [number] = tickets(erika, 1)
    request = lab_request(erika)
    from backoffice.models import Customer

    for term in (number, request.number, code.code, erika.email):
        query = select(Customer.id).where(customer_lookup.lookup(term).condition)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        if backend == "sqlite":
            plan = " ".join(str(row[-1]) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "SCAN customers" not in plan and "SCAN tickets" not in plan, (term, plan)
            assert "SCAN viruslab_submissions" not in plan and "SCAN code_registrations" not in plan, (term, plan)
        else:
            db.session.execute(db.text("SET enable_seqscan = off"))  # tiny tables: make the planner show the index
            plan = " ".join(row[0] for row in db.session.execute(db.text(f"EXPLAIN {compiled}")))
            db.session.execute(db.text("RESET enable_seqscan"))
            assert "Seq Scan" not in plan, (term, plan)
