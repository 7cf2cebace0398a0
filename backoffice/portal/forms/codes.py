"""Activation codes on the portal (FAQ §10-11): add one, confirm a removal."""

from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from backoffice.inputs.forms import BoundedForm
from backoffice.services.licensing.normalise import FORMAT_HELP


class AddCodeForm(BoundedForm):
    # Length is generous: pasted codes carry spaces and other separators that normalisation removes.
    code = StringField("Activation code", validators=[DataRequired("Enter the activation code."), Length(max=100)],
                       description=FORMAT_HELP,
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField("Apply")


class RemoveCodeForm(BoundedForm):
    agree = BooleanField("I agree", validators=[DataRequired("Tick \"I agree\" to confirm the removal.")])
    submit = SubmitField("Remove this activation code")
