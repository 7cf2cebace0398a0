"""Fixtures shared by the console's ticket-file tests: the customer whose ticket it is, signed in to the portal."""

from __future__ import annotations

import pytest


@pytest.fixture
def customer(make):
    return make.customer(email="ada@example.com")


@pytest.fixture
def web(app, customer, sign_in_customer):
    return sign_in_customer(app.test_client(), customer)
