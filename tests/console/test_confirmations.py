"""Destructive console actions ask first, and the no-JavaScript path asks too: a request that does not say it was
confirmed gets a confirm page (which re-posts with `confirmed=yes`) and changes nothing. Also: the delete icons
and forms carry no inline handler, new staff start as the least-privileged role, console error pages are the
console's, and a refused form shows its error beside its field."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, BlacklistEntry, CannedResponse, Course, Customer, CustomerStatus
from tests.factories import PASSWORD
from tests.licensing_helpers import make_code


@pytest.fixture
def admin(make, console):
    admin = make.staff("admin", name="Ada Admin")
    assert console.login(admin.email, PASSWORD).status_code == 302
    return admin


def _course() -> Course:
    course = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    db.session.add(course)
    db.session.commit()
    return course


def _hidden_fields(page: str, form_id: str) -> dict[str, str]:
    form = page.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    return {name: unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                                                  form)}


def _exists(model, id_) -> bool:
    db.session.expire_all()
    return db.session.get(model, id_) is not None


def test_a_delete_without_confirmation_gets_a_confirm_page_and_deletes_nothing(admin, client):
    course = _course()
    response = client.post("/console/courses/delete/", data={"id": course.id, "url": "/console/courses/"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Delete the course “Phishing basics”?" in page and "This cannot be undone." in page
    assert _exists(Course, course.id)

    # the page's own form: the same fields again, confirmed; its cancel link goes back to the list
    fields = _hidden_fields(page, "confirm-form")
    assert fields["confirmed"] == "yes" and fields["id"] == str(course.id)
    assert 'href="/console/courses/" id="confirm-cancel"' in page
    fields.pop("csrf_token", None)
    done = client.post("/console/courses/delete/", data=fields)
    assert done.status_code == 302 and done.headers["Location"].endswith("/console/courses/")
    assert not _exists(Course, course.id)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "course.deleted"))


def test_a_canned_response_is_deleted_only_once_confirmed(admin, client):
    canned = CannedResponse(title="Price list", body="Our prices are on the shop page.")
    db.session.add(canned)
    db.session.commit()
    asked = client.post("/console/canned/delete/", data={"id": canned.id})
    assert "Delete the canned response “Price list”?" in asked.get_data(as_text=True)
    assert _exists(CannedResponse, canned.id)
    client.post("/console/canned/delete/", data={"id": canned.id, "confirmed": "yes"})
    assert not _exists(CannedResponse, canned.id)


def test_the_list_delete_icon_asks_through_the_script_not_an_inline_handler(admin, client):
    _course()
    page = client.get("/console/courses/").get_data(as_text=True)
    assert "onclick" not in page and "javascript:" not in page.replace('href="javascript:void(0)"', "")
    form = re.search(r'<form class="icon" method="POST" action="/console/courses/delete/"[^>]*>', page).group(0)
    assert 'data-confirm="Delete the course “Phishing basics”? This cannot be undone."' in unescape(form)
    assert '<input type="hidden" name="confirmed" value="">' in page
    nonce = re.search(r"nonce-([\w-]+)", client.get("/console/courses/").headers["Content-Security-Policy"])
    assert nonce
    assert re.search(r'<script nonce="[\w-]+" src="/static/console/confirm.js"', page)
    # no "with selected → delete" that would ask through an inline handler
    assert "action-rowtoggle" not in page


def test_the_edit_page_has_a_delete_button_that_asks_first(admin, client):
    course = _course()
    page = client.get(f"/console/courses/edit/?id={course.id}").get_data(as_text=True)
    question = "Delete the course “Phishing basics”? This cannot be undone."
    assert f'id="delete-form" data-confirm="{question}"' in unescape(page)
    assert _hidden_fields(page, "delete-form")["confirmed"] == ""


def test_locking_a_customer_asks_first(admin, client, make):
    customer = make.customer(email="erika@example.com", status=CustomerStatus.ACTIVE)
    page = client.get(f"/console/customers/details/?id={customer.id}").get_data(as_text=True)
    assert 'data-confirm="Lock erika@example.com? Every session of the account ends now."' in page
    asked = client.post(f"/console/customers/{customer.id}/security/lock")
    assert asked.status_code == 200 and 'id="confirm-question">Lock erika@example.com?' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).status == CustomerStatus.ACTIVE

    client.post(f"/console/customers/{customer.id}/security/lock", data={"confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).status == CustomerStatus.LOCKED


def test_blacklisting_a_code_asks_first_and_keeps_the_reason(admin, client):
    code = make_code()
    data = {"blacklist-reason": "leaked", "blacklist-note": "posted on a forum"}
    asked = client.post(f"/console/codes/{code.id}/blacklist", data=data).get_data(as_text=True)
    assert f"Blacklist {code.code}?" in asked and "Reason: Leaked (published)." in asked
    assert db.session.scalar(select(BlacklistEntry).where(BlacklistEntry.code_id == code.id)) is None
    fields = _hidden_fields(asked, "confirm-form")
    assert fields["blacklist-note"] == "posted on a forum"
    fields.pop("csrf_token", None)
    client.post(f"/console/codes/{code.id}/blacklist", data=fields)
    entry = db.session.scalar(select(BlacklistEntry).where(BlacklistEntry.code_id == code.id))
    assert (entry.reason, entry.note) == ("leaked", "posted on a forum")


def test_blacklisting_many_codes_asks_with_their_count(admin, client):
    codes = [make_code().code, make_code().code]
    data = {"codes": "\n".join(codes), "reason": "fraud", "note": ""}
    asked = client.post("/console/blacklist/add", data=data).get_data(as_text=True)
    assert "Blacklist 2 codes?" in asked
    assert db.session.scalar(select(BlacklistEntry)) is None
    client.post("/console/blacklist/add", data={**data, "confirmed": "yes"})
    assert len(db.session.scalars(select(BlacklistEntry)).all()) == 2


def test_a_new_staff_account_starts_as_the_least_privileged_role(admin, client):
    page = client.get("/console/staff/new/").get_data(as_text=True)
    options = re.findall(r'<option( selected)? value="(\w+)">([^<]+)</option>', page)
    assert [(value, text) for _sel, value, text in options] == [
        ("analyst", "Virus analyst"), ("support", "Support engineer"), ("admin", "Administrator")]
    assert [value for selected, value, _text in options if selected] == ["analyst"]


@pytest.mark.parametrize(("path", "code", "title"), [("/console/no-such-page", 404, "Page not found"),
                                                     ("/console/staff/", 403, "Access denied"),
                                                     ("/console/courses/delete/", 405, "Method not allowed")])
def test_console_error_pages_are_the_consoles(make, console, client, path, code, title):
    analyst = make.staff("analyst")
    console.login(analyst.email, PASSWORD)
    response = client.get(path)
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert f'<h1 class="h4 mb-3" id="error-title">{title}</h1>' in page
    assert 'id="error-home" href="/console/">Go to the dashboard</a>' in page
    assert "/static/admin/" in page or "/console/static/" in page  # the console's styles and menu
    assert 'href="/">' not in page  # no link to the portal's home


def test_a_console_error_page_for_someone_not_signed_in_offers_the_console_sign_in(client):
    page = client.get("/console/no-such-page").get_data(as_text=True)
    assert 'id="error-home" href="/console/login">Sign in to the console</a>' in page


def test_a_refused_form_shows_the_error_beside_its_field_and_keeps_what_was_typed(admin, client):
    response = client.post("/console/courses/new/", data={"title": "", "summary": "Kept summary",
                                                          "duration_minutes": "0"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    title = re.search(r"<input[^>]*id=\"title\"[^>]*>", page).group(0)
    assert "is-invalid" in title and 'aria-describedby="title-error"' in title
    assert re.search(r'id="title-error"><div>This field is required.</div>', page)
    minutes = re.search(r"<input[^>]*id=\"duration_minutes\"[^>]*>", page).group(0)
    assert "is-invalid" in minutes and 'value="0"' in minutes
    assert "Kept summary" in page
    assert db.session.scalar(select(Course)) is None


def test_a_service_refusal_lands_beside_its_field(admin, client, make):
    make.staff("support", email="taken@staff.example.com")
    page = client.post("/console/staff/new/", data={"email": "taken@staff.example.com", "name": "Twin",
                                                   "role": "support", "new_password": "a long enough password"}
                       ).get_data(as_text=True)
    email = re.search(r"<input[^>]*id=\"email\"[^>]*>", page).group(0)
    assert "is-invalid" in email and "email-error" in email
    assert re.search(r'id="email-error"><div>[^<]+</div>', page)
