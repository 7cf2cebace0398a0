"""The queue's keyboard in a real Chromium under the real CSP: j / k move a highlight, Enter opens the ticket,
"/" focuses the search, "?" opens a modal dialog that Escape closes; keys typed into a field stay text; the
browser reports no CSP violation. And the queue at 1366 and 390 px: axe finds nothing serious, the narrow page
does not scroll sideways (the table scrolls inside its own box)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, serious_accessibility_problems
from tests.console.queue_rows import insert_tickets
from tests.factories import PASSWORD

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


WIDEST = """() => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 391)
  .filter(e => !e.closest('.table-responsive')).slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def sign_in(page, live_server, staff):
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_load_state()


def highlighted(page) -> list[str]:
    return page.eval_on_selector_all("tr[data-queue-row].table-active[aria-current='true'] a[data-open]",
                                     "links => links.map(a => a.textContent)")


def test_j_k_enter_slash_and_question_mark(live_server, page, make):
    staff = make.staff("support")
    customer = make.customer(name="Ada Lovelace")
    tickets = insert_tickets(customer, [{"priority": "urgent"}, {"priority": "high"}, {"priority": "low"}])
    newest_first = [t.number for t in reversed(tickets)]
    page.add_init_script(CSP_WATCH)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    sign_in(page, live_server, staff)
    page.goto(f"{live_server}/console/tickets/")

    page.keyboard.press("j")
    assert highlighted(page) == newest_first[:1]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    assert highlighted(page) == newest_first[2:3]
    page.keyboard.press("k")
    assert highlighted(page) == newest_first[1:2]

    page.keyboard.press("/")
    search = page.locator("[data-key-search]")
    expect(search).to_be_focused()
    page.keyboard.type("jk?")  # typed into the field: text, not keys
    expect(search).to_have_value("jk?")
    assert highlighted(page) == newest_first[1:2]
    expect(page.locator("dialog#keys-help[open]")).to_have_count(0)
    search.fill("")

    page.locator("h1").click()  # out of the field
    page.keyboard.press("Control+j")  # a modifier: the browser's, not ours
    assert highlighted(page) == newest_first[1:2]
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("internal note — on a ticket page")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("j")  # inert behind the dialog
    assert highlighted(page) == newest_first[1:2]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("k")
    assert highlighted(page) == newest_first[:1]
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/console/tickets/{newest_first[0]}")
    assert page.evaluate("window.__cspViolations") == []
    assert not [m for m in messages if "Content Security Policy" in m]


def test_the_queue_at_both_widths(live_server, audited_page, make, backend):
    page = audited_page
    staff = make.staff("support")
    insert_tickets(make.customer(name="Ada Lovelace"), [{"priority": p} for p in ("urgent", "high", "normal", "low")])
    sign_in(page, live_server, staff)
    page.goto(f"{live_server}/console/tickets/?sort=priority")
    expect(page.locator("tr[data-queue-row]")).to_have_count(4)
    if page.width_name == "phone":
        # the page itself does not scroll sideways; the table does, inside its container
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, page.evaluate(WIDEST)
        box = page.locator(".table-responsive")
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        sidebar = page.locator("nav[aria-label='Ticket queues']").bounding_box()
        table = page.locator("#queue").bounding_box()
        assert sidebar["y"] + sidebar["height"] <= table["y"]  # the sidebar stacks above the table
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-queue-{page.width_name}")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-queue-keys-{page.width_name}")
