"""The portal's home page (FAQ §01): what an account offers."""

from flask import render_template

from backoffice.portal import portal


@portal.route("/")
def home():
    return render_template("portal/home.html", title="Welcome")
