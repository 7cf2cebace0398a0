"""The plain GET filter forms above the console's big lists (customers, audit log, mail outbox, Virus Lab,
blacklist; activation codes in test_licensing.py): a labelled input per filter, no JavaScript filter builder,
values kept after submit, filters the indexes serve."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import AuditEvent, CustomerStatus, OutboxStatus
from backoffice.security import Actor
from backoffice.services.audit import record
from tests.factories import PASSWORD

FIELD = re.compile(r'<(?:input|select) id="f-([\w-]+)" (?:type="date" )?name="([^"]+)"')


def _page(client, url: str, **params) -> str:
    response = client.get(url, query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _names(page: str) -> dict[str, str]:
    """The filter form's fields: input key -> the URL argument it submits under."""
    return dict(FIELD.findall(page))


def _cells(page: str, column: str) -> list[str]:
    return [cell.strip() for cell in re.findall(rf'<td class="col-{column}">(.*?)</td>', page, re.S)]


@pytest.fixture
def admin(make, console):
    admin = make.staff("admin")
    console.login(admin.email, PASSWORD)
    return admin


@pytest.mark.parametrize(("url", "keys"), [
    ("/console/customers/", ["status", "country", "registered-from", "registered-to"]),
    ("/console/audit/", ["action", "actor-kind", "actor-id", "object-type", "object-id", "from", "to"]),
    ("/console/outbox/", ["status", "template"]),
    ("/console/viruslab/", ["type", "state", "verdict", "yara-rule", "product", "received-from", "received-to",
                           "customer", "claimed-by"]),
    ("/console/samples/", ["verdict", "archive", "seen-from", "seen-to"]),
    ("/console/blacklist/", ["in-force", "reason"]),
])
def test_each_list_has_a_labelled_form_instead_of_the_javascript_filter_builder(admin, client, url, keys):
    page = _page(client, url)
    assert list(_names(page)) == keys
    for key in keys:
        assert re.search(rf'<label class="mr-2" for="f-{key}">[^<]+</label>', page), key
    form = re.search(r'<form method="get" action="[^"]*" class="[^"]*" id="list-filters".*?</form>', page, re.S)
    assert form and '<button type="submit" class="btn btn-sm btn-primary mr-2">Apply filters</button>' in form[0]
    assert f'href="{url}">Clear</a>' in form[0]
    assert "Add Filter" not in page and "filter-groups-data" not in page and 'id="filter_form"' not in page


@pytest.fixture
def customers(make):
    def customer(email, country, status, day):
        return make.customer(email=email, country=country, status=status,
                             created_at=datetime(2025, 3, day, 12, tzinfo=UTC))

    return [customer("anna@example.de", "DE", CustomerStatus.ACTIVE, 1),
            customer("bert@example.de", "DE", CustomerStatus.LOCKED, 10),
            customer("chloe@example.fr", "FR", CustomerStatus.ACTIVE, 20)]


def test_customers_filter_by_the_forms_fields_and_the_values_stay_in_the_form(admin, customers, client):
    names = _names(_page(client, "/console/customers/"))
    asked = {names["status"]: "active", names["country"]: "de", names["registered-from"]: "2025-03-01",
             names["registered-to"]: ""}  # a blank field means "any"
    page = _page(client, "/console/customers/", **asked)
    assert _cells(page, "email") == ["anna@example.de"]  # the country is matched whatever its case
    assert "not a valid value" not in page
    assert '<option value="active" selected>Active</option>' in page
    assert re.search(rf'id="f-country" name="{names["country"]}" class="[^"]+" value="de"', page)
    assert re.search(rf'type="date" name="{names["registered-from"]}" class="[^"]+" value="2025-03-01"', page)

    page = _page(client, "/console/customers/", **{names["registered-from"]: "2025-03-05",
                                                   names["registered-to"]: "2025-03-20"})
    assert _cells(page, "email") == ["chloe@example.fr", "bert@example.de"]  # newest first


def test_flask_admins_own_filter_arguments_still_work_and_fill_the_form(admin, customers, client):
    page = _page(client, "/console/customers/", flt0_1="FR")  # any position, the filter's own argument
    assert _cells(page, "email") == ["chloe@example.fr"]
    assert re.search(r'id="f-country" name="flt1_1" class="[^"]+" value="FR"', page)


def test_a_bad_date_says_so_and_lists_unfiltered(admin, customers, client):
    names = _names(_page(client, "/console/customers/"))
    page = _page(client, "/console/customers/", **{names["registered-from"]: "2025-02-30"})
    assert "“2025-02-30” is not a value the Registered filter takes; it was left out." in page
    assert len(_cells(page, "email")) == 3


@pytest.fixture
def events(app):
    jane, bob = Actor("staff", 7, "jane@example.com"), Actor("customer", 42, "bob@example.com")
    for actor, action, object_type, object_id, when in [
        (jane, "customer.updated", "customers", 42, datetime(2025, 1, 5, 10, tzinfo=UTC)),
        (jane, "code.seats_changed", "activation_codes", 42, datetime(2025, 1, 6, 10, tzinfo=UTC)),
        (bob, "customer.profile_updated", "customers", 42, datetime(2025, 1, 7, 10, tzinfo=UTC)),
        (bob, "customer.login", "customers", 43, datetime(2025, 1, 8, 10, tzinfo=UTC)),
    ]:
        record(actor, action, object_type=object_type, object_id=object_id).created_at = when
    db.session.commit()


# the list shows each action in words (services/audit_text.py)
EDITED, SEATS, PROFILE, SIGNED_IN = ("Customer profile edited by staff", "Code seats changed",
                                     "Customer edited the profile", "Customer sign-in")


def _actions(page: str) -> list[str]:
    return [action for action in _cells(page, "action") if action in (EDITED, SEATS, PROFILE, SIGNED_IN)]


def test_the_audit_log_filters_by_action_actor_object_and_day(admin, events, client):
    names = _names(_page(client, "/console/audit/"))

    def actions(**fields):
        return _actions(_page(client, "/console/audit/", **{names[key]: value for key, value in fields.items()}))

    assert actions(action="customer.login") == [SIGNED_IN]
    assert actions(**{"actor-kind": "customer"}) == [SIGNED_IN, PROFILE]
    assert actions(**{"actor-id": "7"}) == [SEATS, EDITED]  # without a kind
    assert actions(**{"actor-kind": "staff", "actor-id": "42"}) == []
    assert actions(**{"object-type": "customers", "object-id": "42"}) == [PROFILE, EDITED]
    assert actions(**{"from": "2025-01-06", "to": "2025-01-07"}) == [PROFILE, SEATS]


def test_an_object_id_without_its_type_asks_for_the_type_rather_than_reading_the_whole_log(admin, events, client):
    names = _names(_page(client, "/console/audit/"))
    page = _page(client, "/console/audit/", **{names["object-id"]: "43"})
    assert "Choose what kind of object it is too (e.g. Customer) to look up an object number." in page
    assert len(_actions(page)) == 4
    assert re.search(rf'id="f-object-id" name="{names["object-id"]}" class="[^"]+" value="43"', page)


def test_an_actor_id_without_a_kind_is_served_by_the_actor_index(postgres_only, app, events):
    from backoffice.console.audit import ActorIdEqual

    query = ActorIdEqual(AuditEvent.actor_id, "Actor id").apply(select(AuditEvent.id), 7)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    db.session.execute(db.text("SET enable_seqscan = off"))
    plan = "\n".join(db.session.execute(db.text(f"EXPLAIN {sql}")).scalars())
    db.session.rollback()
    assert "ix_audit_events_actor" in plan


def test_the_outbox_filters_by_status_and_template(admin, client):
    for template, status in [("staff_locked", OutboxStatus.FAILED), ("staff_locked", OutboxStatus.SENT),
                             ("password_reset", OutboxStatus.FAILED)]:
        message = queue_mail(f"{template}-{status}@example.com", "Subject", "staff_locked", name="X", failures=1)
        message.template, message.status = template, status
    db.session.commit()
    names = _names(_page(client, "/console/outbox/"))
    page = _page(client, "/console/outbox/", **{names["status"]: "failed", names["template"]: "staff_locked"})
    assert _cells(page, "to_addr") == ["staff_locked-failed@example.com"]
    assert '<option value="failed" selected>Failed</option>' in page
    page = _page(client, "/console/outbox/", **{names["status"]: "failed"})
    assert _cells(page, "to_addr") == ["password_reset-failed@example.com", "staff_locked-failed@example.com"]
