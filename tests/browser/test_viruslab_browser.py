"""The Virus Lab end to end in Chromium: a customer zips a sample with `infected`, sends it through the form,
review and Submit and has the number at once; a real worker process analyses it; an analyst finds it by hash,
downloads it as an `infected` zip, sets a verdict (which answers the request) and adds a reply; the customer sees
the verdict and the answer."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pyzipper
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Submission
from tests.browser.conftest import screenshot
from tests.conftest import wait_until
from tests.factories import PASSWORD
from tests.viruslab_files import eicar_bytes, encrypted_zip


def test_a_sample_goes_from_the_customer_to_the_analyst_and_back(live_server, browser, page, make, backend, tmp_path,
                                                                workers):
    customer = make.customer(email="chris@example.com")
    analyst = make.staff("analyst", name="Ana Analyst")
    archive = encrypted_zip({"eicar.com": eicar_bytes()})
    sha256 = hashlib.sha256(archive).hexdigest()

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation").get_by_role("link", name="Virus Lab").click()
    page.get_by_role("link", name="New request to the Virus Lab").click()
    expect(page.locator("#answer-address")).to_contain_text(customer.email)  # the account's own address
    page.get_by_label("Request type").select_option("unknown_malware")
    page.get_by_label("Describe your problem in all the details").fill("This file appeared in my downloads.")
    page.get_by_label("Kaspersky Lab product installed on your computer").select_option("Kaspersky Total Security")
    page.get_by_label("Date of the last successful database update").fill((date.today() - timedelta(1)).isoformat())
    page.get_by_label("File").set_input_files({"name": "found.zip", "mimeType": "application/zip",
                                               "buffer": archive})
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Check your request to the Virus Lab")).to_be_visible()
    expect(page.get_by_text(sha256)).to_be_visible()
    page.get_by_role("button", name="Submit request").click()
    number = page.locator("h1").inner_text().rsplit(" ", 1)[-1]
    expect(number.startswith("VL-") and page.get_by_text("has been sent to the Virus Lab")).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "viruslab-request-sent")
    expect(page.locator("#state")).to_have_text("Received")  # answered before anything was unpacked
    workers.start()  # the worker analyses it
    wait_until(lambda: db.session.scalar(select(Submission.state).where(Submission.number == number)) == "waiting",
               message="the analysis")
    page.reload()
    expect(page.locator("#state")).to_have_text("Waiting for an analyst")

    console = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    console.goto(f"{live_server}/console/login")
    console.get_by_label("E-mail").fill(analyst.email)
    console.get_by_label("Password").fill(PASSWORD)
    console.get_by_role("button", name="Sign in to the console").click()
    console.goto(f"{live_server}/console/samples/?search={hashlib.md5(archive).hexdigest()}")
    console.get_by_role("link", name=sha256).click()
    expect(console.get_by_text("Zip_Archive")).to_be_visible()
    expect(console.get_by_text("eicar.com")).to_be_visible()
    with console.expect_download() as download_info:
        console.get_by_role("button", name="Download as zip (password: infected)").click()
    download = download_info.value
    assert download.suggested_filename == f"{sha256}.zip"
    saved = tmp_path / "download.zip"
    download.save_as(saved)
    with pyzipper.AESZipFile(saved) as downloaded:
        assert downloaded.read(sha256, pwd=b"infected") == archive

    console.get_by_label("Verdict").select_option("malicious")
    console.get_by_label("Detection name").fill("EICAR-Test-File")
    console.get_by_role("button", name="Save the verdict").click()
    expect(console.get_by_text("Verdict set: Malicious.")).to_be_visible()
    console.get_by_role("link", name=number).click()
    # the verdict on the zip covers every file in it: the request is answered (and the customer mailed) already
    expect(console.get_by_role("row", name="State Answered")).to_be_visible()
    console.get_by_label("Public reply to the submitter").fill("This is the EICAR test file, detected correctly.")
    console.get_by_role("button", name="Send the answer to the submitter").click()
    expect(console.get_by_text("mailed to the submitter")).to_be_visible()
    if backend == "sqlite":
        screenshot(console, "viruslab-console-request")

    page.goto(f"{live_server}/viruslab")
    row = page.locator("tr", has_text=number)
    assert "Answered" in row.inner_text() and "Malicious (EICAR-Test-File)" in row.inner_text()
    assert "detected correctly" in row.inner_text()
    if backend == "sqlite":
        screenshot(page, "viruslab-requests-answered")
