"""The captcha picture, and the form field that checks it.

Each GET of /captcha.png starts a new challenge and remembers its id in the session; the field's validator
spends that challenge. With CAPTCHA_ENABLED off (tests, local tools) the field is neither shown nor checked.
"""

from __future__ import annotations

from captcha.image import ImageCaptcha
from flask import Response, current_app, session
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from backoffice.portal import portal
from backoffice.services import captcha as captcha_service

SESSION_KEY = "captcha_id"
WRONG_ANSWER = "The characters did not match the picture. Type the ones in the new picture."


@portal.route("/captcha.png")
def captcha_image():
    challenge_id, text = captcha_service.new_challenge()
    session[SESSION_KEY] = challenge_id
    picture = ImageCaptcha(width=240, height=80).generate(text).getvalue()
    return Response(picture, mimetype="image/png", headers={"Cache-Control": "no-store"})


def _check_answer(form, field) -> None:
    if not captcha_service.solve(session.pop(SESSION_KEY, None), field.data):
        field.data = ""  # the next picture has other characters
        raise ValidationError(WRONG_ANSWER)


def captcha_field() -> StringField:
    return StringField(
        "Characters in the picture",
        validators=[DataRequired("Type the characters you see in the picture."), Length(max=16), _check_answer],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


def captcha_enabled() -> bool:
    return bool(current_app.config.get("CAPTCHA_ENABLED", True))


def arm_captcha(form, needed: bool = True) -> bool:
    """Check the form's `captcha` field only when the captcha is on and needed; returns whether it is shown."""
    armed = needed and captcha_enabled()
    if not armed:
        form.captcha.validators = []
    return armed
