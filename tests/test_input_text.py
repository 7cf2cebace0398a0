"""The input boundary for text (issue 11): one function decides what typed text can be stored, the request keeps
invalid UTF-8 recognisable, an address no page accepts is refused before any query, and every form puts the
boundary's message beside the field — on both backends, writing nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.inputs.text import LINE_LENGTH, clean_text, text_problem
from backoffice.models import Customer, TicketMessage
from tests.support.helpers import make_ticket


@pytest.mark.parametrize("value, multiline, expected", [
    ("Grüße, 東京 ✓", False, None),
    ("two\nlines\tand a tab\r\n", True, None),
    ("a\x00b", True, "NUL character"),
    ("a\x00b", False, "NUL character"),
    ("bell\x07", True, "control character"),
    ("esc\x1b[31m", False, "control character"),
    ("c1\x85", True, "control character"),
    ("line\nbreak", False, "single line"),
    ("tab\there", False, "single line"),
    ("bad\udcffbyte", False, "not valid UTF-8"),
    ("x" * (LINE_LENGTH + 1), False, "at most 1,000 characters, and it has 1,001"),
])
def test_text_problem_names_what_is_wrong(value, multiline, expected):
    problem = text_problem(value, multiline=multiline)
    assert problem is None if expected is None else expected in problem


def test_a_field_cap_overrides_the_default_and_clean_text_refuses_or_passes():
    assert "at most 5 characters" in text_problem("abcdef", max_length=5)
    assert clean_text(["a", "list"]) == "" and clean_text(None) == ""
    with pytest.raises(ValueError, match="NUL"):
        clean_text("a\x00")


@pytest.mark.parametrize("query, status", [
    ("search=a%00b", 400),
    ("search=%FF%FE", 400),
    ("url=/console/%0d%0aSet-Cookie:x=1", 400),
    ("search=" + "x" * 5000, 414),
    ("a%00=1", 400),
])
def test_a_query_no_page_accepts_is_refused_before_any_query(client, query, status):
    for path in ("/console/login", "/login", "/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == status, path
        assert "Check the link" in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers or "x=1" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("path", ["/support/requests/a%00b", "/support/requests/%FF", "/codes/%00/remove"])
def test_a_path_with_a_nul_or_bytes_that_are_not_text_finds_nothing(client, path):
    assert client.get(path).status_code == 404


def test_werkzeug_percent_text_survives_when_it_is_really_text(client):
    """A literal "%FF" typed by a person arrives as %25FF and is text, not an invalid byte."""
    assert client.get("/login?next=/100%25FF").status_code in (200, 302)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_field_with_bytes_that_are_not_utf8_gets_the_fields_message(client, make, encoding):
    customer = make.customer()
    if encoding == "urlencoded":
        response = client.post("/login", data=f"email={customer.email}&password=a%FFb",
                               content_type="application/x-www-form-urlencoded")
    else:
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{customer.email}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n").encode() + \
            b"a\xffb\r\n" + f"--{boundary}--\r\n".encode()
        response = client.post("/login", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert "not valid UTF-8 text" in page
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).failed_logins == 0  # refused at the boundary: no attempt counted


def test_a_nul_in_a_portal_reply_is_refused_beside_the_box_and_nothing_is_written(app, make, sign_in_customer):
    customer = make.customer()
    ticket = make_ticket(customer)
    web = sign_in_customer(app.test_client(), customer)
    before = db.session.scalar(select(func.count()).select_from(TicketMessage))
    response = web.post(f"/support/requests/{ticket.number}/reply", data={
        "body": "log follows\x00\x00", "files": (io.BytesIO(b"data"), "log.txt")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "This contains a NUL character" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TicketMessage)) == before
