"""Forms of the licensing console: small POST forms on detail pages, and the bulk pages."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from backoffice.inputs.forms import BoundedForm
from backoffice.services.licensing.blacklist import REASON_LABELS
from backoffice.services.licensing.manage import MAX_SEATS

REASON_CHOICES = [(reason.value, label) for reason, label in REASON_LABELS.items()]


class SeatsForm(BoundedForm):
    seats = IntegerField("Seats (accounts that may hold the code at once)",
                         validators=[DataRequired("Enter a number of seats."), NumberRange(1, MAX_SEATS)])
    submit = SubmitField("Change seats")


class ExpiryForm(BoundedForm):
    expires_on = DateField("New expiry date (the code works until the end of this day, UTC)",
                           validators=[DataRequired("Enter a date as YYYY-MM-DD.")])
    submit = SubmitField("Extend expiry")


class BlacklistCodeForm(BoundedForm):
    reason = SelectField("Reason", choices=REASON_CHOICES, validators=[DataRequired()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)],
                         description="Required when the reason is \"other\".")
    submit = SubmitField("Blacklist this code")


class BlacklistAddForm(BoundedForm):
    codes = TextAreaField("Activation codes, one per line", validators=[DataRequired("Enter at least one code.")],
                          render_kw={"rows": 8, "spellcheck": "false"})
    reason = SelectField("Reason", choices=REASON_CHOICES, validators=[DataRequired()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)],
                         description="Required when the reason is \"other\".")
    submit = SubmitField("Blacklist these codes")


class LiftForm(BoundedForm):
    note = TextAreaField("Why is the entry lifted?", validators=[DataRequired("Say why the entry is lifted."),
                                                                  Length(max=2000)])
    submit = SubmitField("Lift this blacklist entry")


class GenerateForm(BoundedForm):
    product = SelectField("Product", coerce=int, validators=[DataRequired("Choose a product.")])
    count = IntegerField("How many codes", validators=[DataRequired("Enter how many codes."), NumberRange(min=1)])
    seats = IntegerField("Seats per code", default=1, validators=[DataRequired(), NumberRange(1, MAX_SEATS)])
    valid_from = DateField("Valid from (UTC)", validators=[DataRequired("Enter a date as YYYY-MM-DD.")])
    expires_on = DateField("Expires after (UTC)", validators=[DataRequired("Enter a date as YYYY-MM-DD.")])
    submit = SubmitField("Generate and download CSV")


class UploadForm(BoundedForm):
    file = FileField("CSV file (UTF-8)", validators=[FileRequired("Choose a CSV file.")])
    dry_run = BooleanField("Dry run: check every line, write nothing")
    submit = SubmitField("Check and import")
