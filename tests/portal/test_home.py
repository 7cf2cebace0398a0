"""The home page shows a signed-in customer every service, Technical Support included, each link to a page that
opens; a service whose endpoint does not exist is an error, never a card silently left out."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import BuildError

from backoffice.portal import home


@pytest.fixture
def signed_in(app, make, sign_in_customer):
    return sign_in_customer(app.test_client(), make.customer(name="Chris Customer"))


def test_every_service_is_on_the_home_page_and_opens(signed_in):
    html = signed_in.get("/").get_data(as_text=True)
    cards = dict((label, href) for href, label in re.findall(r'<h2 class="h5"><a href="([^"]+)">([^<]+)</a>', html))
    for _endpoint, label, _text in home.SERVICES:
        assert label in cards, f"{label} is missing from the home page"
    assert cards["Technical Support"] == "/support/"
    for label, href in cards.items():
        assert signed_in.get(href).status_code == 200, f"{label} ({href}) does not open"


def test_a_service_with_a_missing_endpoint_is_an_error(signed_in, monkeypatch, caplog):
    monkeypatch.setattr(home, "SERVICES", [*home.SERVICES, ("portal.no_such_page", "Nowhere", "Gone.")])
    response = signed_in.get("/")
    assert response.status_code == 500  # the error page, and the failure logged: not a page with a card fewer
    assert any(record.exc_info and record.exc_info[0] is BuildError for record in caplog.records)


def test_the_menu_marks_the_current_page(signed_in):
    html = signed_in.get("/support/").get_data(as_text=True)
    assert re.search(r'<a class="nav-link active" href="/support/" aria-current="page">Technical Support</a>', html)
    assert html.count('aria-current="page"') == 2  # the wide menu and the phone's: only one is displayed
