"""The console lists' table built in Python (console/list_table.py): the same cells, links and escaping the
template drew, and prebuilt links equal to url_for's."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from backoffice.console.list_table import url_builder
from tests.factories import PASSWORD


@pytest.fixture
def staff(make, console):
    staff = make.staff("admin")
    console.login(staff.email, PASSWORD)
    return staff


def test_cells_are_escaped_formatted_and_linked(staff, make, client):
    customer = make.customer(email="a.b@example.com", name='<script>alert("x")</script> & Co')
    page = client.get("/console/customers/").get_data(as_text=True)
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "a.b@example.com" in row)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in row
    link = rf'<a class="icon" href="/console/customers/details/\?id={customer.id}&amp;url=/console/customers/[^"]*"'
    assert re.search(link, row)
    assert '<td class="col-status">Active</td>' in row  # the view's formatter: a label, not the stored value
    assert re.search(r'<td class="col-created_at"><time datetime="[^"]+" title="[^"]+ UTC">', row)


def test_sorted_heading_says_so_and_links_the_other_way(staff, client):
    page = client.get("/console/customers/", query_string={"sort": 5}).get_data(as_text=True)  # created_at
    heading = re.search(r'<th scope="col" class="column-header col-created_at" aria-sort="ascending">(.*?)</th>',
                        page)
    assert heading, page
    assert re.search(r'href="/console/customers/\?sort=5&amp;desc=1[^"]*"', heading.group(1))
    assert "▲" in heading.group(1)
    assert '<th scope="col" class="column-header col-email">Email</th>' in page  # not sortable: no link


def test_an_empty_list_says_so(staff, client):
    page = client.get("/console/customers/", query_string={"search": "nobody-at-all@nowhere.example"})
    assert page.status_code == 200
    assert re.search(r'<td colspan="\d+"><div class="text-center">There are no items in the table.</div></td>',
                     page.get_data(as_text=True))


@pytest.mark.parametrize("endpoint,key,values", [
    ("tickets.ticket_view", "number", ["TS-2026-000001", "a b/c"]),  # a text part, quoted like url_for does
    ("tickets.file_view", "attachment_id", [1, 987654]),  # an <int:...> part
    ("customers.details_view", "id", [7, 12345]),  # a query argument
])
def test_prebuilt_links_equal_url_for(app, endpoint, key, values):
    with app.test_request_context("/console/"):
        build = url_builder(endpoint, key)
        for value in values:
            assert build(value) == url_for(endpoint, **{key: value})
