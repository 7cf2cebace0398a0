"""A customer adds an activation code pasted in an odd shape, is told why another one is refused, follows
the link to the list and removes the code with "I agree", in a real Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.licensing_helpers import active_holders, make_code


def test_customer_adds_lists_and_removes_a_code(live_server, page, make, backend):
    customer = make.customer()
    code = make_code(seats=1)
    expired = make_code(expires_in_days=-3)

    page.goto(f"{live_server}/codes/add")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/codes/add")

    page.get_by_label("Activation code").fill(expired.code.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("has expired; expired codes cannot be added")).to_be_visible()

    page.get_by_label("Activation code").fill("  " + code.code.lower().replace("-", "\u2013") + " ")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Activation code added").first).to_be_visible()
    page.get_by_role("link", name="Go to the list of registered activation codes").click()
    page.wait_for_url(f"{live_server}/codes/")
    expect(page.get_by_role("cell", name=code.code, exact=True)).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "portal-codes-list")

    page.get_by_role("link", name=f"Remove {code.code}").click()
    page.get_by_role("button", name="Remove this activation code").click()
    expect(page.get_by_text("Tick \"I agree\" to confirm the removal.")).to_be_visible()
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Remove this activation code").click()
    page.wait_for_url(f"{live_server}/codes/")
    expect(page.get_by_text(f"The activation code {code.code} is removed from your account.")).to_be_visible()
    assert active_holders(code) == 0
