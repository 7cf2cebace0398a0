"""Customers in the console: index-backed search by e-mail or name fragment on both backends (FTS5 trigram on
SQLite, kept by triggers; pg_trgm ILIKE on PostgreSQL), filters by status, country and creation date, details."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus
from tests.factories import PASSWORD

# Flask-Admin's filter arguments (flt<position>_<filter index>); the list page's plain filter form uses them
STATUS, COUNTRY, CREATED_FROM, CREATED_TO = "flt0_0", "flt0_1", "flt0_2", "flt0_3"


@pytest.fixture
def staff(make, console):
    staff = make.staff("analyst")
    console.login(staff.email, PASSWORD)
    return staff


@pytest.fixture
def people(make):
    return {
        "erika": make.customer(email="erika.mustermann@beispiel.de", name="Erika Mustermann", country="DE",
                               status=CustomerStatus.ACTIVE, created_at=datetime(2025, 1, 10, 12, tzinfo=UTC)),
        "jean": make.customer(email="jean.dupont@exemple.fr", name="Jean Dupont", country="FR",
                              status=CustomerStatus.PENDING, created_at=datetime(2025, 2, 20, 23, 30, tzinfo=UTC)),
        "max": make.customer(email="max@acme-muster.com", name="Max Power", country="DE",
                             status=CustomerStatus.LOCKED, created_at=datetime(2025, 3, 5, 0, 15, tzinfo=UTC)),
        "li": make.customer(email="li.wei@example.cn", name="Li Wei", country="CN",
                            status=CustomerStatus.ACTIVE, created_at=datetime(2025, 3, 31, 23, 59, tzinfo=UTC)),
    }


def _listed(client, **params) -> set[str]:
    """The e-mails a list search shows; a search that finds exactly one customer opens that customer's page."""
    response = client.get("/console/customers/", query_string=params)
    if response.status_code == 302:
        found = re.fullmatch(r"/console/customers/details/\?id=(\d+)", response.location)
        assert found, response.location
        return {db.session.get(Customer, int(found.group(1))).email}
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {cell.strip() for cell in re.findall(r'<td class="col-email">(.*?)</td>', page, re.S)}


def _emails(*keys, people) -> set[str]:
    return {people[key].email for key in keys}


def test_the_list_page_offers_the_filters_these_tests_use(staff, client):
    page = client.get("/console/customers/").get_data(as_text=True)
    names = dict(re.findall(r'id="f-([\w-]+)" (?:type="date" )?name="flt\d+_(\d+)"', page))
    # the plain filter form submits under the same filter arguments (the part after the underscore)
    assert names == {"status": STATUS[-1], "country": COUNTRY[-1], "registered-from": CREATED_FROM[-1],
                     "registered-to": CREATED_TO[-1]}


SEARCHES = [
    ("mustermann", {"erika"}),  # name and e-mail
    ("MUSTER", {"erika", "max"}),  # case does not matter; "acme-muster.com" is an e-mail fragment
    ("upon", {"jean"}),  # inside the e-mail only
    ("Power", {"max"}),  # name only
    ("i We", {"li"}),  # across the space in a name
    ("example.cn", {"li"}),
    ("@beispiel.de", {"erika"}),
    ("nothing-like-this", set()),
]


def test_search_by_email_or_name_fragment(staff, people, client):
    # one test for all terms: the database set-up costs more than the searches
    for term, expected in SEARCHES:
        assert _listed(client, search=term) == _emails(*expected, people=people), term


def test_search_terms_with_special_characters_match_literally(staff, people, client):
    for term in ['100%', 'a_b', '"quoted"', "o'brien", "x\\y", "NEAR(a b)", "erika*", "mus%ann"]:
        assert _listed(client, search=term) == set(), term
    assert _listed(client, search="e-mus") == _emails("max", people=people)  # a hyphen is just a character


def test_search_follows_a_change_of_name_and_email(staff, people, client):
    erika = people["erika"]
    erika.name = "Erika Gabler"
    erika.email = "erika.gabler@neu.de"
    db.session.commit()

    assert _listed(client, search="Mustermann") == set()
    assert _listed(client, search="gabler") == {"erika.gabler@neu.de"}
    assert _listed(client, search="neu.de") == {"erika.gabler@neu.de"}


def test_search_follows_an_edit_through_the_console(make, console, people, client):
    support = make.staff("support")
    console.login(support.email, PASSWORD)
    jean = people["jean"]
    response = client.post(f"/console/customers/edit/?id={jean.id}", data={
        "name": "Jeanne Lefebvre", "country": "FR", "city": "", "address": "", "phone": "", "company": "",
        "company_address": "", "company_admin_email": "",
    })
    assert response.status_code == 302
    assert _listed(client, search="Lefebvre") == {jean.email}
    assert _listed(client, search="Dupont") == {jean.email}  # still in the e-mail address
    assert _listed(client, search="Jean Dupont") == set()  # no longer the name


def test_search_forgets_a_deleted_customer(staff, people, client):
    db.session.delete(people["max"])
    db.session.commit()
    assert _listed(client, search="muster") == {people["erika"].email}


def test_a_short_term_warns_and_does_not_filter(staff, people, client):
    response = client.get("/console/customers/", query_string={"search": "mu"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Type at least 3 characters to search." in page
    assert _listed(client, search="mu") == _emails(*people, people=people)


def test_filter_by_status(staff, people, client):
    assert _listed(client, **{STATUS: "active"}) == _emails("erika", "li", people=people)
    assert _listed(client, **{STATUS: "locked"}) == _emails("max", people=people)
    assert _listed(client, **{STATUS: "legacy"}) == set()


def test_filter_by_country(staff, people, client):
    assert _listed(client, **{COUNTRY: "DE"}) == _emails("erika", "max", people=people)
    assert _listed(client, **{COUNTRY: "CN"}) == _emails("li", people=people)


def test_filter_by_creation_date_includes_whole_days_in_utc(staff, people, client):
    assert _listed(client, **{CREATED_FROM: "2025-02-20"}) == _emails("jean", "max", "li", people=people)
    assert _listed(client, **{CREATED_TO: "2025-02-20"}) == _emails("erika", "jean", people=people)
    assert _listed(client, **{CREATED_FROM: "2025-03-05", CREATED_TO: "2025-03-31"}) == _emails(
        "max", "li", people=people)
    assert _listed(client, **{CREATED_FROM: "2025-04-01"}) == set()


def test_filters_combine_with_each_other_and_with_search(staff, people, client):
    assert _listed(client, **{COUNTRY: "DE", STATUS: "active"}) == _emails("erika", people=people)
    assert _listed(client, search="muster", **{STATUS: "locked"}) == _emails("max", people=people)


def test_a_malformed_date_is_not_an_error(staff, people, client):
    response = client.get("/console/customers/", query_string={CREATED_FROM: "2025-13-45"})
    assert response.status_code == 200


def test_the_list_header_counts_the_matching_rows(staff, people, client):
    page = client.get("/console/customers/", query_string={COUNTRY: "DE"}).get_data(as_text=True)
    assert re.search(r'id="list-count">2 matching<', page)


def test_the_detail_page_shows_the_fields(staff, make, client):
    customer = make.customer(
        email="ines.costa@example.pt", name="Ines Costa", country="PT", city="Porto", address="Rua das Flores 1",
        phone="+351221234567", company="Costa Lda", company_address="Avenida 2", company_admin_email="it@costa.pt",
        news_subscribed=True, pending_email="ines.new@example.pt",
        created_at=datetime(2025, 5, 6, 7, 8, tzinfo=UTC),
    )
    response = client.get(f"/console/customers/details/?id={customer.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for value in ("ines.costa@example.pt", "Ines Costa", "PT", "Porto", "Rua das Flores 1", "+351221234567",
                  "Costa Lda", "Avenida 2", "it@costa.pt", "ines.new@example.pt", "active", "2025-05-06"):
        assert value in page, value
    assert customer.password_hash not in page and customer.session_epoch not in page


def test_an_unknown_customer_is_not_a_500(staff, client):
    response = client.get("/console/customers/details/?id=999999")
    assert response.status_code in (302, 404)


EDIT_FORM = {"name": "Jean Dupont", "country": "FR", "city": "", "address": "", "phone": "", "company": "",
             "company_address": "", "company_admin_email": ""}


@pytest.mark.parametrize("phone, message", [
    ("call me maybe", "Enter a valid telephone number"),
    ("+33 1 23", "Enter a valid telephone number"),
])
def test_staff_cannot_store_a_phone_the_portal_would_refuse(make, console, people, client, phone, message):
    console.login(make.staff("support").email, PASSWORD)
    jean = people["jean"]
    response = client.post(f"/console/customers/edit/?id={jean.id}", data={**EDIT_FORM, "phone": phone})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(jean), jean.id).phone is None


def test_staff_phone_is_stored_as_the_portal_stores_it(make, console, people, client):
    console.login(make.staff("support").email, PASSWORD)
    jean = people["jean"]
    response = client.post(f"/console/customers/edit/?id={jean.id}", data={**EDIT_FORM, "phone": "01 23 45 67 89"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(jean), jean.id).phone == "+33123456789"


def test_a_nul_in_a_console_field_is_refused_beside_it(make, console, people, client):
    console.login(make.staff("support").email, PASSWORD)
    jean = people["jean"]
    response = client.post(f"/console/customers/edit/?id={jean.id}", data={**EDIT_FORM, "city": "Pa\x00ris"})
    assert response.status_code == 200
    assert "This contains a NUL character" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(jean), jean.id).city is None
