"""Numbers past what a database id can be, negative or not numbers at all, in paths and in the console's list
arguments: a 404 or the first page, never a 500 (on PostgreSQL they used to reach the database)."""

from __future__ import annotations

import pytest

from backoffice.inputs.numbers import MAX_ID, bounded_int
from tests.factories import PASSWORD

HUGE = "99999999999999999999"


@pytest.mark.parametrize("text, expected", [("12", 12), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None),
                                            (HUGE, None), ("-1", None), ("1_000", None), (" 7", None), ("٣", None),
                                            ("abc", None), ("", None), (None, None), (["1"], None)])
def test_bounded_int_takes_only_plain_digits_in_range(text, expected):
    assert bounded_int(text) == expected


@pytest.fixture
def admin_client(make, console, client):
    console.login(make.staff("admin").email, PASSWORD)
    return client


@pytest.mark.parametrize("path", [f"/console/viruslab/claim/{HUGE}", f"/console/samples/{HUGE}/",
                                  f"/console/outbox/retry/{HUGE}", f"/console/jobs/retry/{HUGE}",
                                  f"/console/viruslab/retry-analysis/{HUGE}"])
def test_a_path_number_past_64_bits_is_not_found(admin_client, path):
    response = admin_client.get(path) if path.endswith("/") else admin_client.post(path)
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["customers", "outbox", "audit", "jobs", "viruslab", "samples", "codes", "tickets"])
@pytest.mark.parametrize("query", [{"page": HUGE}, {"page": "-1"}, {"sort": HUGE}, {"desc": "9"}, {"page": "x"}])
def test_console_list_arguments_are_bounded(admin_client, view, query):
    response = admin_client.get(f"/console/{view}/", query_string=query)
    assert response.status_code == 200, (view, query)


@pytest.mark.parametrize("record", ["abc", HUGE, "1,2", "-5"])
def test_a_details_id_that_cannot_be_one_finds_nothing(admin_client, record):
    response = admin_client.get("/console/customers/details/", query_string={"id": record})
    assert response.status_code == 302  # Flask-Admin's "record does not exist": back to the list
    assert response.status_code != 500
