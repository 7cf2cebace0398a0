"""The OpenAPI side of the API object: flask-smorest's Api, with errors documented (and answered) as RFC 9457
problem details instead of its own JSON error shape, a bearer-token security scheme, and every operation's
undocumented error statuses covered by one `default` problem response. Imports nothing of the app, so
extensions.py can own the instance."""

from __future__ import annotations

import http

import marshmallow as ma
from flask import current_app, json
from flask_smorest import Api
from flask_smorest.utils import prepare_response

PROBLEM_TYPE = "application/problem+json"
PROBLEM_CONTENT = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


class FieldProblemSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "The field (or query argument, or header)"})
    location = ma.fields.String(required=True, data_key="in",
                                metadata={"description": "body, query, path or header"})
    detail = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String(required=True, metadata={"description": "A URI reference naming the problem"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldProblemSchema), metadata={"description": "One entry per field"})


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Nothing app-wide: the portal and console keep their pages; the API's blueprints answer problems."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)
        self.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                            "description": "A personal access token (bo_…)"})

    def document(self) -> dict:
        """The served document: every operation also answers 401/403/429 and a default problem."""
        extension = current_app.extensions.setdefault("backoffice_openapi", {})
        if "document" not in extension:
            document = self.spec.to_dict()
            for path in document.get("paths", {}).values():
                for operation in path.values():
                    if not isinstance(operation, dict) or "responses" not in operation:
                        continue
                    responses = operation["responses"]
                    for status, response in responses.items():
                        if status.isdigit() and int(status) >= 400 and "$ref" not in response \
                                and "content" not in response:
                            response["content"] = PROBLEM_CONTENT
                    for status in (401, 403, 406, 429):
                        responses.setdefault(str(status), {"$ref": f"#/components/responses/"
                                                                    f"{http.HTTPStatus(status).name}"})
                    responses.setdefault("default", {"$ref": f"#/components/responses/"
                                                              f"{self.DEFAULT_ERROR_RESPONSE_NAME}"})
            # every status referenced must exist as a component (apispec adds only those it saw used)
            components = document.setdefault("components", {}).setdefault("responses", {})
            for status in http.HTTPStatus:
                if status >= 400 and status.name not in components:
                    components[status.name] = {"description": status.phrase, "content": PROBLEM_CONTENT}
            extension["document"] = document
        return extension["document"]

    def _openapi_json(self):
        return current_app.response_class(json.dumps(self.document(), indent=2, sort_keys=False),
                                          mimetype="application/json")
