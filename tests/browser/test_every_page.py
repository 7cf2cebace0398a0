"""Every page of the portal and the console (tests/browser/site_pages.py: the URL map over the demo data), as each
role sees it, at 1366 px and at 390 px: axe-core finds nothing critical or serious, and on a phone no page is
wider than the screen at 360 px. Moderate and minor findings go to a report file the test prints.

One seeded demo site serves the whole module (per xdist worker); each test is one role at one width in one browser
context. A page a role may not open answers with the sign-in page or an error page: each of those is checked once.
With BACKOFFICE_SCREENSHOTS_DIR set (`make screenshots`), each page is also saved there as a PNG.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from backoffice import create_app
from backoffice.extensions import db
from backoffice.seeding import seed_demo
from tests.browser.conftest import AXE, WIDTHS
from tests.browser.site_pages import ROLES, build_demo, page_urls, unlisted_rules
from tests.conftest import Database, base_config

REPORTS = Path(__file__).resolve().parents[2] / "instance" / "accessibility"
PHONE_MIN_WIDTH = 360  # the narrowest phone the pages are laid out for
SIGN_IN = {  # seeds/demo/people.toml
    "customer": ("/login", "customer@example.com", "demo-customer-pass"),
    "support": ("/console/login", "support@example.com", "demo-support-pass"),
    "analyst": ("/console/login", "analyst@example.com", "demo-analyst-pass"),
    "admin": ("/console/login", "admin@example.com", "demo-admin-pass"),
}
# the outermost elements that reach past the right edge: where a page's sideways scroll comes from
OVERFLOWING = """(limit) => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit + 1
        && (e.parentElement.getBoundingClientRect().right <= limit + 1 || getComputedStyle(e).position === 'absolute'))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string'
        && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""
AXE_RUN = "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"


class AccessibilityFindings(UserWarning):
    """axe-core's moderate and minor findings: reported, not failed."""


@dataclass
class Site:
    url: str
    app: object
    pages: dict[str, list[str]]
    unlisted: list[str]


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The app over a migrated SQLite database holding the demo data, served on a loopback port."""
    workdir = tmp_path_factory.mktemp("every-page")
    database = Database("sqlite", workdir)
    app = create_app(base_config(database.fresh_url(), storage_dir=str(workdir / "storage")))
    with app.app_context():
        for _line in seed_demo():
            pass
        demo = build_demo()
        site = Site("", app, page_urls(app, demo), unlisted_rules(app, demo))
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_port}"
    yield site
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def test_every_get_rule_is_a_checked_page_or_excluded_with_a_reason(demo_site):
    assert demo_site.unlisted == []
    assert sum(len(urls) for urls in demo_site.pages.values()) > 90


# the roles with the most pages check them in several parts, so that xdist's workers share the load evenly
PARTS = {"admin": 3, "support": 2}


@pytest.mark.parametrize("role, part", [(role, part) for role in ROLES for part in range(PARTS.get(role, 1))])
def test_every_page_passes_axe_at_both_widths(demo_site, browser, role, part):
    """Each page is loaded once and checked at each width of WIDTHS in turn (the viewport is resized: the layout
    follows, as it does when a window is resized), then measured at the narrowest phone width."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run make install")
    widths = list(WIDTHS.values())
    context = browser.new_context(viewport={"width": widths[0], "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    shots = os.environ.get("BACKOFFICE_SCREENSHOTS_DIR")
    try:
        if role in SIGN_IN:
            _sign_in(page, demo_site.url, role)
        serious, minor, too_wide, seen = [], [], [], set()
        parts = PARTS.get(role, 1)
        for number, (endpoint, urls) in enumerate(demo_site.pages.items()):
            if number % parts != part:
                continue
            for index, url in enumerate(urls):
                page.set_viewport_size({"width": widths[0], "height": 900})
                response = page.goto(demo_site.url + url)
                status = response.status if response else 0
                assert status < 500, f"{url} answered {status} to the {role}"
                landed = page.url.removeprefix(demo_site.url)
                if landed != url:  # sent elsewhere (the sign-in page, with where it came from): one page
                    landed = landed.split("?")[0]
                shown = landed if status < 400 else f"the {status} page"
                if shown in seen:  # the sign-in page or an error page again: checked once
                    continue
                seen.add(shown)
                where = f"{shown} ({endpoint})" if landed == url else f"{url} -> {shown}"
                # the file: the endpoint (numbered when it has several states), or the page it was sent to
                name = (endpoint + (f"-{index + 1}" if len(urls) > 1 else "")) if landed == url else shown
                for width in widths:
                    page.set_viewport_size({"width": width, "height": 900})
                    for violation in _axe(page):
                        line = _describe(violation, f"{where} at {width} px")
                        (serious if violation["impact"] in ("critical", "serious") else minor).append(line)
                    if shots:
                        _save(page, Path(shots), role, width, name)
                too_wide += _wider_than_a_phone(page, where)
        report = _report(role, part, minor)
        print(f"\n{len(seen)} pages checked as {role} at {widths} px; moderate and minor findings: {report}")
        print(report.read_text())
        if minor:  # in the run's warnings summary too, where it is seen without -s
            warnings.warn(AccessibilityFindings(f"{len(minor)} moderate or minor findings as {role}: {report}"),
                          stacklevel=1)
        assert serious + too_wide == [], "\n".join(serious + too_wide)
    finally:
        context.close()


# forms sent empty: the page that explains what is missing, beside each field (role, URL)
REFUSED_FORMS = [("anonymous", "/register"), ("anonymous", "/login"), ("anonymous", "/forgot-password"),
                 ("customer", "/codes/add"), ("admin", "/console/staff/new/")]


@pytest.mark.parametrize("role, url", REFUSED_FORMS)
def test_a_refused_form_passes_axe_at_both_widths(demo_site, browser, role, url):
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        if role in SIGN_IN:
            _sign_in(page, demo_site.url, role)
        page.goto(demo_site.url + url)
        with page.expect_navigation():
            page.locator("main form [type=submit]").last.click()
        assert page.locator("[aria-invalid=true]").count() > 0, f"{url} sent empty shows no field error"
        serious = []
        for width in WIDTHS.values():
            page.set_viewport_size({"width": width, "height": 900})
            serious += [_describe(v, f"{url} refused at {width} px") for v in _axe(page)
                        if v["impact"] in ("critical", "serious")]
        assert serious == [], "\n".join(serious)
    finally:
        context.close()


def _sign_in(page, base: str, role: str) -> None:
    path, email, password = SIGN_IN[role]
    page.goto(base + path)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert not page.url.endswith(path), f"the {role} could not sign in"


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN)


def _describe(violation: dict, where: str) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:3]
    return f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


def _wider_than_a_phone(page, where: str) -> list[str]:
    """The page at the narrowest phone width: nothing may make it scroll sideways (wide tables scroll in their
    own box)."""
    page.set_viewport_size({"width": PHONE_MIN_WIDTH, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE_MIN_WIDTH:
        return []
    culprits = page.evaluate(OVERFLOWING, PHONE_MIN_WIDTH)
    return [f"{where}: {width} px wide at {PHONE_MIN_WIDTH} px, e.g. {culprits}"]


def _report(role: str, part: int, lines: list[str]) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{role}-{part}.txt"
    path.write_text("\n".join(lines) + "\n" if lines else "nothing moderate or minor\n")
    return path


def _save(page, folder: Path, role: str, width: int, name: str) -> None:
    name = re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-") or "home"
    target = folder / role / f"{width}px" / f"{name[:120]}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
