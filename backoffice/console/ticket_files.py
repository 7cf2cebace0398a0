"""A ticket's files in the console: download (a risky file only as an AES zip), scan again, and send to the
Virus Lab. Mixed into TicketQueueView, so support roles read and write here as on the ticket page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_admin import expose

from backoffice.console.access import write_required
from backoffice.extensions import db
from backoffice.models import Attachment
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.support import file_checks, file_downloads, lab_link
from backoffice.services.support.access import NotFound


class TicketFilesMixin:
    def _attachment(self, attachment_id: int) -> Attachment:
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.ticket is None:
            abort(404)
        return attachment

    def _back_to_file(self, attachment: Attachment):
        return redirect(url_for(".ticket_view", number=attachment.ticket.number, _anchor=f"file-{attachment.id}"))

    @expose("/files/<int:attachment_id>")
    def file_view(self, attachment_id: int):
        try:
            download = file_downloads.staff_download(request_actor(), self._attachment(attachment_id))
        except NotFound:
            abort(404)
        response = send_file(download.stream, mimetype=download.mimetype, as_attachment=True,
                             download_name=download.name, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @expose("/files/<int:attachment_id>/send-to-lab", methods=["POST"])
    @write_required
    def send_to_lab_view(self, attachment_id: int):
        attachment = self._attachment(attachment_id)
        try:
            submission = lab_link.send_to_lab(request_actor(), attachment)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"“{attachment.filename}” was sent to the Virus Lab as request {submission.number}; its verdict "
                  "will show here.", "success")
        return self._back_to_file(attachment)

    @expose("/files/<int:attachment_id>/scan-again", methods=["POST"])
    @write_required
    def scan_again_view(self, attachment_id: int):
        attachment = self._attachment(attachment_id)
        file_checks.check_again(attachment)
        db.session.commit()
        flash(f"“{attachment.filename}” is queued for a new scan with the current rules; until it ends it downloads "
              "only as an encrypted zip.", "success")
        return self._back_to_file(attachment)

    def zip_password(self) -> str:
        return current_app.config["SAMPLE_ZIP_PASSWORD"]
