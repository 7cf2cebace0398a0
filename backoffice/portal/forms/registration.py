"""Registration (FAQ §04): e-mail, password twice, the captcha, the terms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from backoffice.inputs.forms import BoundedForm
from backoffice.portal.captcha import captcha_field


class RegistrationForm(BoundedForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail address."), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(
        "Password", validators=[DataRequired("Choose a password."), Length(max=1024)],
        description="At least 10 characters. A few unrelated words make a strong password that is easy to remember.",
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Confirm password", validators=[
        DataRequired("Type the password again."), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"})
    captcha = captcha_field()
    terms = BooleanField("I accept the terms of use and the privacy notice",
                         validators=[DataRequired("Accept the terms of use to create an account.")])
    submit = SubmitField("Create my account")
