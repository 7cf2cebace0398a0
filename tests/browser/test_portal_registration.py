"""A new customer registers (with the picture captcha), activates from the mail that arrived over SMTP, fills
in the profile and signs in again, in a real Chromium against the app served by a real HTTP server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CaptchaChallenge, Customer, CustomerStatus
from backoffice.services import captcha as captcha_service
from tests.browser.conftest import screenshot
from tests.portal.mailbox import deliver, link_in, only_message_to

PASSWORD = "amber falcon harbour"


@pytest.fixture
def captcha_on(app_config):
    app_config["CAPTCHA_ENABLED"] = True


def read_the_picture(answer: str) -> str:
    """Stand-in for the person reading the picture: give the newest challenge a known answer."""
    challenge = db.session.scalar(select(CaptchaChallenge).order_by(CaptchaChallenge.id.desc()))
    challenge.answer_hash = captcha_service._digest(answer)
    db.session.commit()
    return answer


def test_register_activate_from_the_mail_and_sign_in(captcha_on, smtp, live_server, page, backend):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Register in My Account").click()
    expect(page).to_have_title(re.compile(r"^Register"))
    page.get_by_label("E-mail").fill("lena@example.com")
    page.locator("#password").fill(PASSWORD)  # "Password" alone would also match "Confirm password"
    page.get_by_label("Confirm password").fill(PASSWORD)
    captcha_image = page.get_by_role("img", name="Distorted characters")
    # the picture is really drawn (and its challenge stored) before anyone can read it
    page.wait_for_function("img => img.complete && img.naturalWidth === 240", arg=captcha_image.element_handle())
    page.get_by_label("Characters in the picture").fill(read_the_picture("MK7Q3R").lower())
    page.get_by_label("I accept the terms of use").check()
    if backend == "sqlite":
        screenshot(page, "portal-registration")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    link = link_in(only_message_to(deliver(smtp), "lena@example.com"), "/activate/")
    page.goto(live_server + link)
    expect(page.get_by_role("heading", name="Activate your account")).to_be_visible()
    page.get_by_label("Name or nickname").fill("Lena Berg")
    page.get_by_label("Country").select_option("NO")
    page.get_by_label("City").fill("Bergen")
    page.locator("#address").fill("Bryggen 1")  # not "Company address"
    page.get_by_label("Telephone").fill("+47 55 55 55 55")
    page.get_by_label("Your password").fill(PASSWORD)
    if backend == "sqlite":
        screenshot(page, "portal-activation-profile")
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_text("Your account is active. Welcome to My Account!")).to_be_visible()
    customer = db.session.scalar(select(Customer).where(Customer.email == "lena@example.com"))
    assert customer.status == CustomerStatus.ACTIVE and customer.phone == "+4755555555"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail").fill("lena@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this computer").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back, Lena Berg.")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Profile").click()
    expect(page.get_by_label("City")).to_have_value("Bergen")
    if backend == "sqlite":
        screenshot(page, "portal-profile")
