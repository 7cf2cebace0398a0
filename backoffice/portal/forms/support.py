"""Forms of the support wizard (FAQ §12) and of a request's thread (FAQ §13).

They parse and render; the rules (which product, which version shape, file limits) are the service's, whose
messages are put beside these fields.
"""

from __future__ import annotations

from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from backoffice.inputs.forms import BoundedForm
from backoffice.portal.captcha import captcha_field
from backoffice.services.support.wizard import OPERATING_SYSTEMS


class TypeStepForm(BoundedForm):
    type_code = RadioField("Request type", choices=[], validators=[Optional()])


class ProductStepForm(BoundedForm):
    product_id = SelectField("Product", choices=[], validators=[Optional()], validate_choice=False)
    activation_code_id = SelectField("Activation code", choices=[], validators=[Optional()], validate_choice=False)
    captcha = captcha_field()


class DescriptionStepForm(BoundedForm):
    subject = StringField("Subject", render_kw={"maxlength": 200})
    description = TextAreaField("Describe your question or problem", render_kw={"rows": 8})
    files = MultipleFileField("Attach files")


class SystemStepForm(BoundedForm):
    os_name = SelectField("Operating system", choices=[("", "Choose…")] + [(o, o) for o in OPERATING_SYSTEMS],
                          validators=[Optional()], validate_choice=False)
    product_version = StringField("Full product version", render_kw={"placeholder": "21.3.10.391",
                                                                     "inputmode": "decimal"})
    sysinfo = MultipleFileField("GetSystemInfo report")


class ReviewStepForm(BoundedForm):
    pass


class ReplyForm(BoundedForm):
    body = TextAreaField("Your message", render_kw={"rows": 5})
    files = MultipleFileField("Attach files")


class RatingForm(BoundedForm):
    score = RadioField("Did the answer help?", choices=[("good", "Good: it helped"), ("bad", "Bad: it did not")],
                       validators=[Optional()])
    comment = TextAreaField("Comment (optional)", render_kw={"rows": 3, "maxlength": 2000})
