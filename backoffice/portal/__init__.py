"""The public portal at /: customers' self-service. Routes are thin and call services."""

from flask import Blueprint

portal = Blueprint("portal", __name__)

from backoffice.portal import (  # noqa: E402,F401  routes register on import
    account,
    auth,
    captcha,
    claim,
    codes,
    courses,
    home,
    news,
    passwords,
    privacy,
    profile,
    registration,
    support_requests,
    support_wizard,
    viruslab,
    viruslab_conversation,
)
