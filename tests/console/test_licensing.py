"""The licensing console through HTTP: roles (admin writes; support reads and may grant a transfer; analysts
have no access), index-backed search, filters, the code detail page and its audited actions, the blacklist,
bulk pages (generate, import, export)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, AuditEvent, BlacklistEntry, CodeRegistration, Product
from backoffice.security import Actor
from backoffice.services.licensing.codes import add_code
from tests.factories import PASSWORD
from tests.licensing_helpers import audit_actions, count, make_code, make_product

READ = {"/console/codes/": {"admin", "support"}, "/console/blacklist/": {"admin", "support"},
        "/console/products/": {"admin", "support"}}


def signed_in(make, console, role):
    staff = make.staff(role)
    assert console.login(staff.email, PASSWORD).status_code == 302
    return staff


@pytest.mark.parametrize("role", ["admin", "support", "analyst"])
def test_admin_and_support_read_the_licensing_views_analysts_do_not(make, console, client, role):
    signed_in(make, console, role)
    code = make_code()
    for url, roles in READ.items():
        assert client.get(url).status_code == (200 if role in roles else 403), url
    assert client.get(f"/console/codes/details/?id={code.id}").status_code == (200 if role != "analyst" else 403)


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_only_admins_write(make, console, client, role):
    signed_in(make, console, role)
    code = make_code(seats=1)
    product = code.product
    posts = [
        (f"/console/codes/{code.id}/seats", {"seats-seats": "5"}),
        (f"/console/codes/{code.id}/expiry", {"expiry-expires_on": "2099-01-01"}),
        (f"/console/codes/{code.id}/blacklist", {"blacklist-reason": "fraud"}),
        ("/console/codes/generate", {"product": str(product.id), "count": "5", "seats": "1",
                                     "valid_from": "2026-01-01", "expires_on": "2027-01-01"}),
        ("/console/codes/import", {}),
        ("/console/blacklist/add", {"codes": code.code, "reason": "fraud"}),
        ("/console/blacklist/import", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    assert client.post("/console/products/new/", data={"name": "Intruder"}).status_code in (302, 403)
    db.session.refresh(code)
    assert (code.seats, count(BlacklistEntry), count(ActivationCode), count(Product)) == (1, 0, 1, 1)
    grant = client.post(f"/console/codes/{code.id}/grant-transfer")
    if role == "support":  # support answers the customer who hit the transfer cap
        assert grant.status_code == 302
        db.session.refresh(code)
        assert code.extra_transfers == 1 and audit_actions("code.transfer_granted") == 1
    else:
        assert grant.status_code == 403


def _list(client, **params):
    return client.get("/console/codes/", query_string=params).get_data(as_text=True)


def test_search_by_whole_code_or_prefix_in_any_shape(make, console, client):
    signed_in(make, console, "support")
    wanted = make_code(code="QWERT-12345-ASDFG-67890")
    near = make_code(code="QWERT-12399-ASDFG-67890")
    other = make_code(code="ZXCVB-12345-ASDFG-67890")
    page = _list(client, search="qwert 123")
    assert wanted.code in page and near.code in page and other.code not in page
    page = _list(client, search="qwert\u201312345\u2013asdfg\u201367890")
    assert wanted.code in page and near.code not in page
    page = _list(client, search="qw")
    assert "Type at least 4 characters" in page


def test_the_search_is_served_by_the_unique_index(postgres_only, app):
    from backoffice.services.licensing.search import code_search_condition

    make_code()
    for term in ("ABCD", "ABCDE-12345-FGHIJ-67890"):
        query = select(ActivationCode.id).where(code_search_condition(term))
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        db.session.execute(db.text("SET enable_seqscan = off"))
        plan = "\n".join(db.session.execute(db.text(f"EXPLAIN {sql}")).scalars())
        assert "uq_activation_codes_code" in plan and "CAST" not in sql.upper() and "LIKE" not in sql.upper()
        db.session.rollback()


def test_filters_by_product_state_and_expiry_window_from_the_plain_form(make, console, client):
    signed_in(make, console, "admin")
    first, second = make_product("First"), make_product("Second")
    valid = make_code(first, expires_in_days=10)
    expired = make_code(first, expires_in_days=-1)
    listed = make_code(second, blacklisted=True, expires_in_days=100)
    page = _list(client)
    names = dict(re.findall(r'id="f-(product|state|from|to)" (?:type="date" )?name="([^"]+)"', page))
    by_product = _list(client, **{names["product"]: str(first.id), names["state"]: "", names["from"]: "",
                                  names["to"]: ""})
    assert valid.code in by_product and expired.code in by_product and listed.code not in by_product
    assert "Invalid Filter Value" not in by_product
    by_state = _list(client, **{names["state"]: "blacklisted"})
    assert listed.code in by_state and valid.code not in by_state
    soon = (utcnow() + timedelta(days=30)).date().isoformat()
    window = _list(client, **{names["from"]: utcnow().date().isoformat(), names["to"]: soon})
    assert valid.code in window and expired.code not in window and listed.code not in window


@pytest.mark.parametrize("field, value", [("state", "x"), ("product", "99999999999999999999"), ("product", "abc"),
                                          ("from", "9999-99-99"), ("to", "not a date")])
def test_a_value_no_filter_takes_is_said_and_left_out(make, console, client, field, value):
    signed_in(make, console, "admin")
    code = make_code(make_product("First"), expires_in_days=10)
    names = dict(re.findall(r'id="f-(product|state|from|to)" (?:type="date" )?name="([^"]+)"', _list(client)))
    response = client.get("/console/codes/", query_string={names[field]: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert code.code in page  # the rest of the list is unfiltered
    assert "filter takes; it was left out" in page


def test_the_detail_page_shows_holders_and_history_and_admin_actions_are_audited(make, console, client):
    signed_in(make, console, "admin")
    code = make_code(seats=2)
    holder, former = make.customer(), make.customer()
    assert add_code(former, code.code, Actor("customer", former.id)).added
    from backoffice.services.licensing.codes import remove_code

    remove_code(former, db.session.scalar(select(CodeRegistration.id)), Actor("customer", former.id))
    assert add_code(holder, code.code, Actor("customer", holder.id)).added
    page = client.get(f"/console/codes/details/?id={code.id}").get_data(as_text=True)
    holders = page.split('id="holders"', 1)[1].split("</ul>", 1)[0]
    assert holder.email in holders and former.email not in holders
    history = page.split('id="history"', 1)[1].split("</table>", 1)[0]
    assert holder.email in history and former.email in history

    refused = client.post(f"/console/codes/{code.id}/seats", data={"seats-seats": "0"})
    assert refused.status_code == 422 and 'value="0"' in refused.get_data(as_text=True)
    assert client.post(f"/console/codes/{code.id}/seats", data={"seats-seats": "4"}).status_code == 302
    earlier = client.post(f"/console/codes/{code.id}/expiry", data={"expiry-expires_on": "2001-01-01"})
    assert earlier.status_code == 422 and "after the current expiry" in earlier.get_data(as_text=True)
    later = (code.expires_at + timedelta(days=400)).date().isoformat()
    assert client.post(f"/console/codes/{code.id}/expiry", data={"expiry-expires_on": later}).status_code == 302
    needs_note = client.post(f"/console/codes/{code.id}/blacklist", data={"blacklist-reason": "other"})
    assert needs_note.status_code == 422 and "needs a note" in needs_note.get_data(as_text=True)
    assert client.post(f"/console/codes/{code.id}/blacklist",
                       data={"blacklist-reason": "leaked", "blacklist-note": "posted online",
                             "confirmed": "yes"}).status_code == 302
    db.session.refresh(code)
    assert code.seats == 4 and code.expires_at.date().isoformat() == later
    assert [audit_actions(a) for a in ("code.seats_changed", "code.expiry_extended", "blacklist.added")] == [1, 1, 1]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.seats_changed"))
    assert (event.before, event.after) == ({"seats": 2}, {"seats": 4})


def test_a_blacklisted_code_is_marked_for_its_holders(make, app, console, client, sign_in_customer):
    signed_in(make, console, "admin")
    code = make_code(seats=1)
    customer = make.customer()
    assert add_code(customer, code.code, Actor("customer", customer.id)).added
    response = client.post("/console/blacklist/add", data={"codes": code.code.lower(), "reason": "fraud",
                                                           "confirmed": "yes"})
    assert response.status_code == 302
    portal = sign_in_customer(app.test_client(), customer)
    assert "state-blacklisted" in portal.get("/codes/").get_data(as_text=True)


def test_blacklist_many_with_bad_lines_lists_them_then_lift_with_a_note(make, console, client):
    signed_in(make, console, "admin")
    good, other = make_code(), make_code()
    response = client.post("/console/blacklist/add", data={
        "codes": f"{good.code}\nnot a code\n{other.code}", "reason": "fraud"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<td>2</td>" in html and "is not an activation code" in html
    assert good.code in html  # what was typed is kept
    assert count(BlacklistEntry) == 0
    assert client.post("/console/blacklist/add", data={"codes": f"{good.code}\n{other.code}",
                                                       "reason": "chargeback", "confirmed": "yes"}).status_code == 302
    entry = db.session.scalar(select(BlacklistEntry).where(BlacklistEntry.code_id == good.id))
    assert client.post(f"/console/blacklist/{entry.id}/lift", data={"lift-note": ""}).status_code == 422
    assert client.post(f"/console/blacklist/{entry.id}/lift", data={"lift-note": "paid after all"}).status_code == 302
    db.session.refresh(entry)
    assert entry.lifted_at and entry.lift_note == "paid after all" and audit_actions("blacklist.lifted") == 1
    assert good.code in client.get("/console/blacklist/", query_string={"search": good.code}).get_data(as_text=True)


def _upload(client, url, text, dry_run=False):
    data = {"file": (io.BytesIO(text.encode()), "upload.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return client.post(url, data=data, content_type="multipart/form-data")


def test_code_import_page_lists_every_bad_line_and_writes_nothing_then_imports(make, console, client):
    signed_in(make, console, "admin")
    make_product("Total Security")
    bad = ("code,product,seats,valid_from,expires_at\nAAAAA-11111-BBBBB-22222,Total Security,1,2026-01-01,2027-01-01\n"
           "bad,Total Security,1,2026-01-01,2027-01-01\nAAAAA11111BBBBB22222,Total Security,1,2026-01-01,2027-01-01\n")
    response = _upload(client, "/console/codes/import", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "2 of 3 lines are bad" in html
    assert "<td>3</td>" in html and "<td>4</td>" in html and "duplicate in the file" in html
    assert count(ActivationCode) == 0
    good = bad.split("\n", 2)[0] + "\n" + bad.split("\n")[1] + "\n"
    assert "dry run" in _upload(client, "/console/codes/import", good, dry_run=True).get_data(as_text=True)
    assert count(ActivationCode) == 0
    assert "Wrote 1 row from 1 line." in _upload(client, "/console/codes/import", good).get_data(as_text=True)
    assert count(ActivationCode) == 1
    blacklist = "code,reason,note\nAAAAA-11111-BBBBB-22222,leaked,forum\nZZZZZ-11111-BBBBB-22222,leaked,\n"
    response = _upload(client, "/console/blacklist/import", blacklist)
    assert response.status_code == 422 and "is not a known activation code" in response.get_data(as_text=True)
    assert count(BlacklistEntry) == 0


def test_generate_downloads_a_csv_and_export_streams_the_codes(make, console, client):
    signed_in(make, console, "admin")
    product = make_product("Anti-Virus")
    response = client.post("/console/codes/generate", data={
        "product": str(product.id), "count": "25", "seats": "3", "valid_from": "2026-01-01",
        "expires_on": "2027-12-31"})
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "code,product,seats,valid_from,expires_at" and len(lines) == 26
    assert count(ActivationCode, ActivationCode.product_id == product.id, ActivationCode.seats == 3) == 25
    refused = client.post("/console/codes/generate", data={
        "product": str(product.id), "count": "5", "seats": "1", "valid_from": "2027-01-01",
        "expires_on": "2026-01-01"})
    assert refused.status_code == 422 and "after the start of validity" in refused.get_data(as_text=True)
    export = client.get("/console/codes/export.csv", query_string={"product": product.id})
    assert export.is_streamed and "attachment" in export.headers["Content-Disposition"]
    assert len(export.get_data(as_text=True).strip().split("\n")) == 26


def test_products_are_created_through_the_service_and_audited(make, console, client):
    signed_in(make, console, "admin")
    assert client.post("/console/products/new/", data={"name": "Small Office Security"}).status_code == 302
    assert client.post("/console/products/new/", data={"name": "small office security"}).status_code == 200
    assert count(Product) == 1 and audit_actions("product.created") == 1


def test_an_upload_over_the_limit_gets_the_413_page_that_names_it(make, app, console, client):
    signed_in(make, console, "admin")
    app.config["CODE_IMPORT_MAX_BYTES"] = 1024
    response = _upload(client, "/console/codes/import", "code,product,seats,valid_from,expires_at\n" + "x" * 4096)
    assert response.status_code == 413 and "1 KB" in response.get_data(as_text=True)
