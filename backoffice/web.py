"""What every response shares: security headers with a per-request CSP nonce, and the error pages."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from backoffice.inputs.body_limits import body_too_large
from backoffice.inputs.numbers import BoundedInt
from backoffice.inputs.text import showable_text
from backoffice.inputs.wire import BoundaryRequest, address_problem
from backoffice.services.viruslab.names import display_name

log = logging.getLogger("backoffice")

ERROR_TITLES = {
    400: "Bad request",
    403: "Access denied",
    404: "Page not found",
    405: "Method not allowed",
    408: "Request timed out",
    413: "File too large",
    414: "Address too long",
    429: "Too many requests",
    500: "Something went wrong",
}


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    # before any route is added: every <int:...> in the app matches only what a database id can be
    app.url_map.converters["int"] = BoundedInt
    app.request_class = BoundaryRequest

    @app.before_request
    def request_boundary():
        """First of all hooks, before the CSRF check reads the form: the endpoint's body limit, then a path or
        query argument no page accepts, end the request before any byte of the body or any query."""
        too_large = body_too_large()
        if too_large:
            return _error_page(413, too_large)
        problem = address_problem()
        return _error_page(*problem) if problem else None
    app.jinja_env.finalize = showable_text  # a refused value with bytes that were not UTF-8 can be shown again
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["format_bytes"] = format_bytes
    app.jinja_env.filters["display_name"] = display_name  # every file name a customer or an archive gave

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self' 'unsafe-inline'; "  # Bootstrap and Flask-Admin use style attributes
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not (request.endpoint or "").endswith("static"):  # error pages (no endpoint) are not cached either
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error_page(400, "The form expired or was sent from another site. Reload the page and try again.")

    @app.errorhandler(413)
    def too_large(error):
        limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH")
        message = f"The upload is larger than the limit of {format_bytes(limit)}." if limit else None
        return _error_page(413, message)

    @app.errorhandler(408)
    def body_too_slow(error):
        limit = app.config["BODY_READ_TIMEOUT_SECONDS"]
        page, code = _error_page(408, f"What you sent did not arrive within {limit} seconds. Please try again; a "
                                      "large file may need a steadier connection.")
        # the rest of the body may still be on its way: this connection cannot carry another request
        return page, code, {"Connection": "close"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (301, 302, 303, 307, 308) or error.code is None:
            return error
        return _error_page(error.code, None)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from backoffice.extensions import db

        db.session.rollback()
        return _error_page(500, None)


def _error_page(code: int, message: str | None):
    title = ERROR_TITLES.get(code, "Error")
    if request.path.startswith("/api/v1/") and not request.path.startswith("/api/v1/docs"):  # scripts read problems
        from backoffice.api.problems import problem

        return problem(code, message), code
    if request.path == "/console" or request.path.startswith("/console/"):  # staff read it in the console's look
        from backoffice.console.errors import console_error_page

        page = console_error_page(code, title, message)
        if page is not None:
            return page, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def format_bytes(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.3g} {unit}"
        size /= 1024
    return f"{size} GB"
