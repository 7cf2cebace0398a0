"""The API's pages in Chromium: the docs page renders the served contract from vendored files under the app's own
CSP (no violation, nothing fetched from elsewhere), and the console's token and webhook pages pass axe-core."""

from __future__ import annotations

from tests.browser.conftest import serious_accessibility_problems
from tests.factories import PASSWORD

CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective));"""


def test_the_docs_page_works_offline_under_the_csp(live_server, page, make):
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(live_server) and not request.url.startswith("data:") else None)
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(CSP_LISTENER)
    answer = page.goto(f"{live_server}/api/v1/docs")
    assert "script-src 'self' 'nonce-" in answer.headers["content-security-policy"]
    page.get_by_text("/api/v1/tickets/{number}/replies").first.wait_for()
    assert page.locator(".opblock").count() >= 14
    assert page.evaluate("() => window.__cspViolations") == [] and reports == []
    assert outside == []


def _sign_in(page, live_server, staff) -> None:
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_url(f"{live_server}/console/**")


def test_the_token_and_webhook_pages_read_well(live_server, audited_page, make):
    admin = make.staff("admin")
    page = audited_page
    _sign_in(page, live_server, admin)
    page.goto(f"{live_server}/console/profile/")
    page.get_by_role("link", name="My API tokens").click()
    page.get_by_label("Name").fill("Shop order sync")
    page.get_by_label("Read and write").first.check()
    page.get_by_role("button", name="Make the token").click()
    assert page.get_by_label("Token").input_value().startswith("bo_")
    assert serious_accessibility_problems(page) == []
    page.goto(f"{live_server}/console/webhooks/")
    page.get_by_role("button", name="Add the subscription").click()  # nothing filled in: errors by the fields
    assert page.locator("#webhook-url-error").is_visible()
    assert serious_accessibility_problems(page) == []
