"""Forms of the console's customer page."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from backoffice.inputs.forms import BoundedForm
from backoffice.models.customer_notes import NOTE_MAX_LENGTH

# The security actions that take something away from the customer at once: each asks first (console/confirm.py).
# name → (the question, with {email}; the confirm page's button)
CONFIRMATIONS = {
    "lock": ("Lock {email}? Every session of the account ends now.", "Lock the account"),
    "force-password-reset": ("Force a password reset for {email}? The current password stops working at once.",
                             "Force the password reset"),
}


class NoteForm(BoundedForm):
    # the service refuses an empty note with its own message; the boundary refuses NUL and the like first
    body = TextAreaField("Internal note (staff only; the customer never sees it)",
                         validators=[Length(max=NOTE_MAX_LENGTH)])
