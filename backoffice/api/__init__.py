"""The REST API at /api/v1: schemas and resources, thin, calling the same services as the console.

- contract: the OpenAPI 3.1 document (flask-smorest), errors documented as RFC 9457 problems
- problems / etags / auth / blueprints: what every endpoint shares
- tickets, customers, codes, lab, audit: the resources
- docs: the documentation page (vendored Swagger UI)
"""

from __future__ import annotations

from flask import Flask

API_TITLE = "Support Back-Office API"


def init_api(app: Flask) -> None:
    from backoffice.api import audit, codes, customers, docs, lab, tickets
    from backoffice.api.blueprints import limited
    from backoffice.extensions import api, csrf

    app.config.setdefault("API_TITLE", API_TITLE)
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {"security": [{"bearerAuth": []}],
                                               "servers": [{"url": "/"}]})
    api.init_app(app)
    for module in (tickets, customers, codes, lab, audit):
        blueprint = limited(module.blueprint)
        csrf.exempt(blueprint)  # bearer tokens, never cookies: no cross-site request can carry one
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.docs)
