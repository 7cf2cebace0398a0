"""What every API blueprint shares: the bearer token check, JSON bodies only (415 otherwise, 400 for JSON that
does not parse), problems for every error raised in its views, the per-token rate limit, no CSRF (no cookie is
read), and one audit event per request."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from backoffice.api import auth
from backoffice.api.problems import http_problem, problem, service_problem
from backoffice.services import ServiceError

PREFIX = "/api/v1"
BODY_METHODS = ("POST", "PUT", "PATCH")
log = logging.getLogger("backoffice")


def api_blueprint(name: str, description: str) -> Blueprint:
    blueprint = Blueprint(f"api_{name}", __name__, url_prefix=PREFIX, description=description)
    blueprint.before_request(auth.authenticate_request)
    blueprint.before_request(_json_body_only)
    blueprint.after_request(auth.record_request)
    blueprint.register_error_handler(HTTPException, http_problem)
    blueprint.register_error_handler(ServiceError, service_problem)
    blueprint.register_error_handler(Exception, _unexpected)
    return blueprint


def _json_body_only():
    if request.method not in BODY_METHODS:
        return None
    if request.mimetype != "application/json":
        return problem(415, "Send the body as JSON (Content-Type: application/json).",
                       [{"name": "Content-Type", "in": "header", "detail": "Must be application/json."}])
    try:
        request.get_json(force=False)
    except (ValueError, RecursionError, HTTPException):
        return problem(400, "The body is not valid JSON.", [{"name": "_request", "in": "body",
                                                            "detail": "Not valid JSON."}])
    return None


def _unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    from backoffice.extensions import db

    db.session.rollback()
    return problem(500, "Something went wrong on our side; nothing was changed.")


def limited(blueprint: Blueprint) -> Blueprint:
    """Every route of `blueprint` under the per-token rate limit (API_RATE_LIMIT)."""
    from backoffice.extensions import limiter

    # the limiter and the blueprints live as long as the process, apps come and go (tests): add the limit once
    if not getattr(blueprint, "rate_limited", False):
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=auth.rate_limit_key)(blueprint)
        blueprint.rate_limited = True
    return blueprint
