""""Tickets" is a top-level menu item, a plain link that opens without JavaScript, for the roles that work
tickets; the other support pages stay reachable from the queue without the "Support" dropdown."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

TOP_LEVEL_TICKETS = re.compile(r'<li class="nav-item"><a class="nav-link(?: active)?" href="/console/tickets/"'
                               r'(?: aria-current="page")?>Tickets</a></li>')
CATEGORY = re.compile(r'<details class="console-menu">\s*<summary class="nav-link dropdown-toggle[^"]*">'
                      r'([^<]+)</summary>\s*<ul class="dropdown-menu">(.*?)</ul>', re.S)


@pytest.mark.parametrize("role", ["support", "admin"])
def test_tickets_is_a_plain_top_level_link(make, console, client, role):
    console.login(make.staff(role).email, PASSWORD)
    for path in ("/console/", "/console/tickets/"):
        page = client.get(path).get_data(as_text=True)
        assert TOP_LEVEL_TICKETS.search(page), path
    queue = client.get("/console/tickets/").get_data(as_text=True)
    sidebar = queue.split('aria-label="Ticket queues"')[1].split("</nav>")[0]
    for path in ("/console/canned/", "/console/tickets/ratings"):
        assert f'href="{path}"' in sidebar and client.get(path).status_code == 200, path


@pytest.mark.parametrize("role", ["support", "admin", "analyst"])
def test_every_menu_category_opens_without_javascript(make, console, client, role):
    """A category is a <details> element with its pages as plain links: no `javascript:` URL, no script needed."""
    console.login(make.staff(role).email, PASSWORD)
    page = client.get("/console/").get_data(as_text=True)
    assert "javascript:" not in page and 'data-toggle="dropdown"' not in page
    categories = dict(CATEGORY.findall(page))
    assert categories, "no menu category on the page"
    for name, links in categories.items():
        targets = re.findall(r'<a class="dropdown-item[^"]*" href="([^"]+)"', links)
        assert targets, name
        for target in targets:
            assert client.get(target).status_code == 200, (name, target)


def test_who_cannot_work_tickets_does_not_see_the_link(make, console, client):
    console.login(make.staff("analyst").email, PASSWORD)
    page = client.get("/console/").get_data(as_text=True)
    assert not TOP_LEVEL_TICKETS.search(page) and "Satisfaction ratings" not in page
