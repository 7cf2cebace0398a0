"""Forms of the console's customer page."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from backoffice.inputs.forms import BoundedForm
from backoffice.models.customer_notes import NOTE_MAX_LENGTH


class NoteForm(BoundedForm):
    # the service refuses an empty note with its own message; the boundary refuses NUL and the like first
    body = TextAreaField("Internal note (staff only; the customer never sees it)",
                         validators=[Length(max=NOTE_MAX_LENGTH)])
