"""Sign-in, forgotten password and claiming a Personal Cabinet account."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from backoffice.inputs.forms import BoundedForm
from backoffice.portal.captcha import captcha_field


class LoginForm(BoundedForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail address."), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this computer")
    captcha = captcha_field()
    submit = SubmitField("Sign in")


class ForgotPasswordForm(BoundedForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter the e-mail address of your account."),
                                             Length(max=254)], render_kw={"autocomplete": "username"})
    submit = SubmitField("Send me a reset link")


class NewPasswordForm(BoundedForm):
    """Choosing a password from a mailed link: password reset and account claim."""

    password = PasswordField("New password", validators=[DataRequired("Choose a password."), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired("Type the password again."), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Save the new password")


class ClaimRequestForm(BoundedForm):
    email = EmailField("E-mail of your Personal Cabinet account",
                       validators=[DataRequired("Enter your e-mail address."), Length(max=254)])
    submit = SubmitField("Send me the claim link")
