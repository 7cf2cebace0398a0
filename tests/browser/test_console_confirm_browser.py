"""Deleting under the real CSP in Chromium: the delete icon of a canned response and a course asks first (a
confirm dialog from static/console/confirm.js), cancelling keeps the row, accepting deletes it, and the browser
reports no Content-Security-Policy violation. The audit log and the no-JavaScript confirm page pass axe-core at
both widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backoffice.extensions import db
from backoffice.models import CannedResponse, Course
from backoffice.security import Actor
from backoffice.services.audit import record
from tests.browser.conftest import WIDTHS, screenshot, serious_accessibility_problems
from tests.factories import PASSWORD

CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective));"""


def _sign_in(page, live_server, staff) -> None:
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_url(f"{live_server}/console/**")


def _watch_csp(page) -> list[str]:
    """Console messages about the CSP, and securitypolicyviolation events, on every page the test opens."""
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(CSP_LISTENER)
    return reports


def _violations(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations || []")


def _present(model, id_) -> bool:
    db.session.expire_all()
    db.session.rollback()
    return db.session.get(model, id_) is not None


@pytest.mark.parametrize(("listing", "model", "name", "question"), [
    ("canned", CannedResponse, "Price list", "Delete the canned response “Price list”? This cannot be undone."),
    ("courses", Course, "Phishing basics", "Delete the course “Phishing basics”? This cannot be undone."),
])
def test_a_delete_asks_first_and_cancel_keeps_the_row(live_server, page, make, backend, listing, model, name,
                                                      question):
    admin = make.staff("admin", name="Ada Admin")
    row = (CannedResponse(title=name, body="Our prices are on the shop page.") if model is CannedResponse
           else Course(title=name, summary="Spot a fake page.", is_published=True))
    db.session.add(row)
    db.session.commit()
    reports = _watch_csp(page)
    _sign_in(page, live_server, admin)
    page.goto(f"{live_server}/console/{listing}/")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    if backend == "sqlite":
        screenshot(page, f"console-{listing}-list")
    page.once("dialog", dismiss)
    page.get_by_role("button", name=question.split("?")[0]).click()
    page.wait_for_timeout(300)  # a submit that was not stopped would navigate now
    assert asked == [question]
    assert page.url == f"{live_server}/console/{listing}/"
    assert _present(model, row.id)
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name=question.split("?")[0]).click()
    expect(page.get_by_text("Record was successfully deleted.")).to_be_visible()
    assert asked == [question, question]
    assert not _present(model, row.id)
    expect(page.get_by_role("cell", name=name, exact=True)).to_have_count(0)
    if backend == "sqlite":
        screenshot(page, f"console-{listing}-deleted")
    assert _violations(page) == [] and reports == []


def test_without_javascript_the_delete_goes_through_the_confirm_page(live_server, browser, make, backend):
    """The same icon in a browser with JavaScript off: the confirm page asks, its button deletes."""
    admin = make.staff("admin")
    course = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    db.session.add(course)
    db.session.commit()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page, live_server, admin)
        page.goto(f"{live_server}/console/courses/")
        page.get_by_role("button", name="Delete the course “Phishing basics”").click()
        expect(page.get_by_role("heading", name="Delete the course “Phishing basics”?")).to_be_visible()
        assert _present(Course, course.id)
        if backend == "sqlite":
            screenshot(page, "console-confirm-page")
        page.get_by_role("link", name="Cancel, keep it as it is").click()
        assert _present(Course, course.id)
        page.get_by_role("button", name="Delete the course “Phishing basics”").click()
        page.get_by_role("button", name="Delete the course “Phishing basics”").click()  # the confirm page's
        expect(page.get_by_text("Record was successfully deleted.")).to_be_visible()
        assert not _present(Course, course.id)
    finally:
        context.close()


def test_the_audit_log_and_the_confirm_page_pass_axe(live_server, audited_page, make, backend):
    admin = make.staff("admin", name="Ada Admin")
    event = record(Actor("staff", admin.id, admin.email), "staff.login_failed", admin, after={"failed_logins": 3})
    course = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    db.session.add(course)
    db.session.commit()
    page = audited_page
    _sign_in(page, live_server, admin)
    page.goto(f"{live_server}/console/audit/")
    expect(page.get_by_role("cell", name="Staff sign-in failed").first).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-audit-{page.width_name}")
    page.goto(f"{live_server}/console/audit/details/?id={event.id}")
    expect(page.locator("#audit-changes")).to_contain_text("Failed sign-ins")
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-audit-entry-{page.width_name}")

    # the confirm page a delete gets without the script (posted by the page itself, as the icon's form would)
    page.goto(f"{live_server}/console/courses/")
    page.evaluate("() => document.querySelector('form.icon[data-confirm]').removeAttribute('data-confirm')")
    page.locator("form.icon button").first.click()
    expect(page.get_by_role("heading", name="Delete the course “Phishing basics”?")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-confirm-{page.width_name}")
    assert page.viewport_size["width"] == WIDTHS[page.width_name]


def test_console_error_pages_and_a_refused_form_read_well(live_server, audited_page, make, backend):
    """A 404 in the console's look with console links, and a course form refused beside its fields."""
    admin = make.staff("admin", name="Ada Admin")
    page = audited_page
    _sign_in(page, live_server, admin)
    response = page.goto(f"{live_server}/console/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the dashboard")).to_have_attribute("href", "/console/")
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-404-{page.width_name}")

    page.goto(f"{live_server}/console/courses/new/")
    page.get_by_label("Summary").fill("Kept while the title is missing")
    page.get_by_label("Duration (minutes)").fill("0")
    page.get_by_role("button", name="Create", exact=True).click()
    title = page.get_by_label("Title")
    expect(title).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#title-error")).to_have_text("This field is required.")
    assert title.get_attribute("aria-describedby") == "title-error"
    expect(page.get_by_label("Summary")).to_have_value("Kept while the title is missing")
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-course-refused-{page.width_name}")
