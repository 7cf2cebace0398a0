"""The API's documentation page at /api/v1/docs: Swagger UI from files vendored under static/api/swagger-ui (no
CDN), started by a script file rather than an inline script, so it runs under the app's CSP."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

docs = Blueprint("api_docs", __name__, url_prefix="/api/v1", static_folder="../static/api",
                 static_url_path="/assets")


@docs.get("/docs", endpoint="docs")
def docs_page():
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"), title="REST API")

