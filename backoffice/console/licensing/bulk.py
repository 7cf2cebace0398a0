"""Bulk pages of the codes view: generate N codes (CSV download), import codes from CSV, export as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Response, request, stream_with_context
from flask_admin import expose

from backoffice.console.access import write_required
from backoffice.console.licensing.forms import GenerateForm, UploadForm
from backoffice.console.licensing.uploads import uploaded_lines
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import CodeState, Product
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.licensing.bulk import CODES_CSV_HEADER, import_codes
from backoffice.services.licensing.export import codes_csv, export_codes_csv
from backoffice.services.licensing.generate import generate_codes
from backoffice.services.licensing.report import BulkReport

SHOWN_ERRORS = 1_000  # lines listed on the page; the CLI lists every one


def csv_download(body, filename: str) -> Response:
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class CodeBulkMixin:
    @expose("/generate", methods=["GET", "POST"])
    @write_required
    def generate_view(self):
        form = GenerateForm()
        form.product.choices = [(p.id, p.name) for p in db.session.query(Product).order_by(Product.name)]
        if form.validate_on_submit():
            valid_from = datetime.combine(form.valid_from.data, time.min, UTC)
            expires_at = datetime.combine(form.expires_on.data, time(23, 59, 59), UTC)
            try:
                codes = generate_codes(form.product.data, form.count.data, form.seats.data, valid_from,
                                       expires_at, request_actor())
            except ServiceError as error:
                field = form[{"expires_at": "expires_on"}.get(error.field, error.field or "count")]
                field.errors = [*field.errors, error.message]
            else:
                product = db.session.get(Product, form.product.data)
                stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
                return csv_download(codes_csv(codes, product.name, form.seats.data, valid_from, expires_at),
                                    f"codes-{product.id}-{stamp}.csv")
        status = 422 if form.is_submitted() else 200
        return self.render("console/licensing/generate.html", form=form, title="Generate activation codes"), status

    @expose("/import", methods=["GET", "POST"])
    @write_required
    def import_view(self):
        form = UploadForm()
        report: BulkReport | None = None
        if form.validate_on_submit():
            try:
                report = import_codes(uploaded_lines(form.file.data), request_actor(), dry_run=form.dry_run.data)
            except (ServiceError, UnicodeDecodeError) as error:
                db.session.rollback()
                message = error.message if isinstance(error, ServiceError) else "The file is not UTF-8 text."
                form.file.errors = [message]
        status = 422 if form.is_submitted() and (report is None or not report.ok) else 200
        return self.render("console/licensing/import.html", form=form, report=report, shown=SHOWN_ERRORS,
                           header=",".join(CODES_CSV_HEADER), kind="codes",
                           title="Import activation codes"), status

    @expose("/export.csv")
    def export_view(self):
        product_id = bounded_int(request.args.get("product"))
        state = request.args.get("state") or None
        if state not in (None, *[s.value for s in CodeState]):
            state = None
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return csv_download(stream_with_context(export_codes_csv(product_id, state)), f"codes-{stamp}.csv")
