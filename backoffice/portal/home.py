"""The portal's home page (FAQ §01): what an account offers, and for a signed-in customer the way to each part."""

from flask import render_template

from backoffice.portal import portal
from backoffice.security import current_customer

# The services a signed-in customer reaches from the home page: (endpoint, name, what it does). Every endpoint
# is built with url_for, so a wrong or missing one is an error (tests/portal/test_home.py), never a dropped card.
SERVICES = [
    ("portal.codes", "Activation codes", "Add and remove the activation codes of your products."),
    ("portal.support_requests", "Technical Support", "Send a request to Technical Support and follow the answers."),
    ("portal.viruslab_requests", "Virus Lab", "Send a suspicious file or a false alarm to our analysts."),
]


@portal.route("/")
def home():
    return render_template("portal/home.html", title="Welcome", customer=current_customer(), services=SERVICES)
