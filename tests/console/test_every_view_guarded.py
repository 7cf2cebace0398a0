"""A safety net over the whole console: every view registered with Flask-Admin, and every route under
/console, refuses the wrong identity. Each view's own tests check its writes in detail; this one makes sure
no view (present or added later) forgets its guard."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from backoffice.models import StaffRole
from tests.factories import PASSWORD

ROLES = [role.value for role in StaffRole]


def console_views(app):
    (admin,) = app.extensions["admin"]
    return admin._views


def concrete_url(rule: Rule) -> str:
    """The rule's path with every variable filled by a harmless value (an id that does not exist)."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "999999", rule.rule)


def console_rules(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/console") and not rule.endpoint.endswith("static")
            and rule.endpoint.split(".")[0] != "console_auth"]


def test_every_console_view_declares_its_roles(app):
    for view in console_views(app):
        assert view.read_roles, f"{type(view).__name__} names no read roles"
        assert set(view.read_roles) <= set(ROLES)
        assert set(view.write_roles) <= set(view.read_roles), f"{type(view).__name__} writes what it cannot read"


def test_anonymous_reaches_nothing_under_console(app, client):
    for rule in console_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete_url(rule), method=method)
            assert response.status_code in (302, 403), (method, rule.rule, response.status_code)
            if response.status_code == 302:
                assert response.location.startswith("/console/login"), (method, rule.rule)


def test_a_customer_reaches_nothing_under_console(app, make, sign_in_customer):
    client = sign_in_customer(app.test_client(), make.customer())
    for rule in console_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete_url(rule), method=method)
            assert response.status_code in (302, 403), (method, rule.rule, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_views_it_may_read(app, make, console, client, role):
    staff = make.staff(role)
    console.login(staff.email, PASSWORD)
    for view in console_views(app):
        response = client.get(view.url + "/")
        expected = 200 if role in view.read_roles else 403
        assert response.status_code == expected, (type(view).__name__, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_of_an_unreadable_view_answers_a_role_without_access(app, make, console, client, role):
    staff = make.staff(role)
    console.login(staff.email, PASSWORD)
    closed = {view.endpoint for view in console_views(app) if role not in view.read_roles}
    for rule in console_rules(app):
        if rule.endpoint.split(".")[0] not in closed:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete_url(rule), method=method)
            assert response.status_code == 403, (method, rule.rule, role, response.status_code)
