"""Each role signs in through the real form in Chromium and lands on its own dashboard, under the app's real
Content-Security-Policy (no violation reported); dashboards and the profile page pass axe-core at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backoffice.extensions import db
from backoffice.models import StaffQueue, SupportRequestType
from tests.browser.conftest import screenshot, serious_accessibility_problems
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket

FIRST_CARD = {"support": "My work", "analyst": "Virus Lab", "admin": "Mail outbox"}
ROLE_LABELS = {"support": "Support engineer", "analyst": "Virus analyst", "admin": "Administrator"}
# every securitypolicyviolation the page reports, kept where the test can read it
CSP_LISTENER = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def _staff_with_work(make, role: str):
    staff = make.staff(role, name=f"{ROLE_LABELS[role].split()[0]} Person")
    if role == "support":
        presale = db.session.query(SupportRequestType).filter_by(code="presale").one()
        db.session.add(StaffQueue(staff_id=staff.id, request_type_id=presale.id))
        db.session.commit()
        make_ticket(make.customer(name="Ada Customer"))  # unassigned in the engineer's queue
    return staff


def _sign_in(page, live_server, staff) -> None:
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_url(f"{live_server}/console/")


@pytest.mark.parametrize("role", list(FIRST_CARD))
def test_each_role_lands_on_its_dashboard_without_a_csp_violation(live_server, page, make, role):
    staff = _staff_with_work(make, role)
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.add_init_script(CSP_LISTENER)

    _sign_in(page, live_server, staff)

    expect(page.get_by_role("heading", level=2).first).to_have_text(FIRST_CARD[role])
    expect(page.get_by_role("link", name=f"My profile: {staff.name}")).to_be_visible()
    expect(page.locator(".navbar .badge >> visible=true")).to_have_text(ROLE_LABELS[role])
    if role == "support":
        page.get_by_role("link", name="Pre-sale question 1").click()
        page.wait_for_url("**/console/tickets/?view=unassigned&queue=presale")
        expect(page.locator("#list-count")).to_have_text("1 matching")
        page.go_back()
    assert page.evaluate("window.cspViolations") == []

    page.get_by_role("link", name=f"My profile: {staff.name}").click()
    page.wait_for_url(f"{live_server}/console/profile/")
    page.get_by_label("Time zone").fill("Asia/Tokyo")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.locator("#time-now")).to_contain_text("JST")  # the page's times now in the chosen zone
    assert page.evaluate("window.cspViolations") == []
    assert not [text for text in console_errors if "Content Security Policy" in text]


@pytest.mark.parametrize("role", list(FIRST_CARD))
def test_dashboards_and_the_profile_pass_axe_at_both_widths(live_server, audited_page, make, role, backend):
    page = audited_page
    staff = _staff_with_work(make, role)
    _sign_in(page, live_server, staff)

    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"dashboard-{role}-{page.width_name}")

    page.goto(f"{live_server}/console/profile/")
    page.get_by_label("Time zone").fill("Mars/Olympus")  # refused: the error beside the field is audited too
    page.get_by_role("button", name="Save my profile").click()
    expect(page.locator("#time_zone-error")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"profile-{role}-{page.width_name}")
