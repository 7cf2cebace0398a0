"""The Virus Lab request (FAQ §14): the request form, the review step that carries its values back, and the reply
on a request's conversation."""

from __future__ import annotations

from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from backoffice.inputs.forms import BoundedForm
from backoffice.models.viruslab import REQUEST_TYPE_LABELS

# The product is stored as text chosen from this list (the product catalogue is a separate feature).
PRODUCT_CHOICES = [
    "Kaspersky Anti-Virus",
    "Kaspersky Internet Security",
    "Kaspersky Total Security",
    "Kaspersky Small Office Security",
    "Kaspersky Endpoint Security",
    "Kaspersky Security for Mobile",
    "Other product",
]
REQUEST_TYPE_CHOICES = [(value.value, label) for value, label in REQUEST_TYPE_LABELS.items()]


class ViruslabRequestForm(BoundedForm):
    request_type = SelectField("Request type", choices=REQUEST_TYPE_CHOICES,
                               validators=[InputRequired("Choose the request type.")])
    description = TextAreaField("Describe your problem in all the details",
                                validators=[InputRequired("Describe the problem."), Length(max=20_000)],
                                render_kw={"rows": 6})
    detection_seen = StringField("Detection name shown by the product", validators=[Optional(), Length(max=255)],
                                 description="For a false alarm: the name of the threat your product reported.")
    product = SelectField("Kaspersky Lab product installed on your computer",
                          choices=[("", "Choose the product")] + [(p, p) for p in PRODUCT_CHOICES],
                          validators=[InputRequired("Choose the product.")])
    last_update_date = DateField("Date of the last successful database update",
                                 validators=[InputRequired("Enter the date (YYYY-MM-DD).")],
                                 description="As shown by your product, for example 2026-11-24.")
    sample = FileField("File", description="If you send a file with an unknown virus, pack it into a zip archive "
                                           "with the password infected.")
    submit = SubmitField("Next")


class ViruslabReviewForm(BoundedForm):
    """The review step: the typed values travel back as hidden fields (the service checks them again);
    the file stays on the server, named in the session."""

    VALUE_FIELDS = ("request_type", "description", "detection_seen", "product", "last_update_date")

    request_type = HiddenField()
    description = HiddenField()
    detection_seen = HiddenField()
    product = HiddenField()
    last_update_date = HiddenField()
    submit = SubmitField("Submit request")
    edit = SubmitField("Back to edit")


class LabReplyForm(BoundedForm):
    """A message to the Virus Lab on one request, with files to add to it (analysed like the first)."""

    body = TextAreaField("Your message to the Virus Lab", render_kw={"rows": 5})
    files = MultipleFileField("Add files", description="Pack a file with an unknown virus into a zip archive with "
                                                       "the password infected.")
    submit = SubmitField("Send to the Virus Lab")

    def text(self) -> str:
        """The message typed; anything else sent under its name (a file) counts as nothing typed."""
        return self.body.data if isinstance(self.body.data, str) else ""

    def uploads(self) -> list[FileStorage]:
        """The files chosen; a text value sent where a file belongs counts as no file."""
        return [item for item in self.files.data or [] if isinstance(item, FileStorage) and item.filename]
