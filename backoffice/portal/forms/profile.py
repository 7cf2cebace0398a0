"""The §04 profile (on activation and on the profile page), e-mail change, password change, closing."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from backoffice.inputs.forms import BoundedForm
from backoffice.services.profile import country_choices


class ProfileForm(BoundedForm):
    name = StringField("Name or nickname", validators=[DataRequired("Enter your name or a nickname."),
                                                       Length(max=120)], render_kw={"autocomplete": "name"})
    country = SelectField("Country", validators=[DataRequired("Choose your country.")],
                          render_kw={"autocomplete": "country"})
    city = StringField("City", validators=[DataRequired("Enter your city."), Length(max=120)],
                       render_kw={"autocomplete": "address-level2"})
    address = StringField("Address", validators=[DataRequired("Enter your address."), Length(max=255)],
                          render_kw={"autocomplete": "street-address"})
    phone = StringField("Telephone", validators=[DataRequired("Enter your telephone number."), Length(max=32)],
                        description="With the country code if it is from abroad, e.g. +49 30 1234567.",
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    company = StringField("Company (optional)", validators=[Optional(), Length(max=160)])
    company_address = StringField("Company address (optional)", validators=[Optional(), Length(max=255)])
    company_admin_email = EmailField("E-mail of the company's administrator (optional)",
                                     validators=[Optional(), Length(max=254)])
    submit = SubmitField("Save my profile")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "Choose your country…"), *country_choices()]

    def profile_values(self) -> dict:
        return {name: self[name].data for name in
                ("name", "country", "city", "address", "phone", "company", "company_address", "company_admin_email")}


class ActivationForm(ProfileForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter the password you chose."),
                                                          Length(max=1024)],
                             description="The password you chose when you registered.",
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Activate my account")


class EmailChangeForm(BoundedForm):
    new_email = EmailField("New e-mail", validators=[DataRequired("Enter the new address."), Length(max=254)],
                           render_kw={"autocomplete": "email"})
    password = PasswordField("Your current password", validators=[DataRequired("Enter your password."),
                                                                  Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Send the confirmation link")


class PasswordChangeForm(BoundedForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password."),
                                                                      Length(max=1024)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password", validators=[DataRequired("Choose a new password."), Length(max=1024)],
                             description="At least 10 characters.", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired("Type the new password again."), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Save the new password")


class SubscriptionForm(BoundedForm):
    news = BooleanField("Send me the news by e-mail")
    submit = SubmitField("Save my choice")


class CloseAccountForm(BoundedForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm."),
                                                          Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField("I understand that my account and its data will be deleted for good",
                           validators=[DataRequired("Tick the box to confirm.")])
    submit = SubmitField("Close my account")
