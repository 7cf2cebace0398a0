"""The portal's home page (FAQ §01): what an account offers, and for a signed-in customer the way to each part."""

from flask import current_app, render_template

from backoffice.portal import portal
from backoffice.security import current_customer

# Services other parts of the portal provide; each shows on the home page once its endpoint exists.
OTHER_SERVICES = [
    ("portal.codes", "Activation codes", "Add and remove the activation codes of your products."),
    ("portal.requests", "Requests to Technical Support", "Send a request and follow the answers."),
    ("portal.viruslab_requests", "Virus Lab", "Send a suspicious file or a false alarm to our analysts."),
]


@portal.route("/")
def home():
    services = [item for item in OTHER_SERVICES if item[0] in current_app.view_functions]
    return render_template("portal/home.html", title="Welcome", customer=current_customer(), services=services)
