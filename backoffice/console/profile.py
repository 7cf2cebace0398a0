"""Every staff member's own profile at /console/profile/: their name, the time zone every console time shows in,
and for support engineers the queues they work. Only one's own: there is no URL naming another person."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length

from backoffice.clock import utcnow
from backoffice.console.access import ALL_STAFF, StaffBaseView
from backoffice.extensions import db
from backoffice.inputs.forms import BoundedForm
from backoffice.models import StaffRole
from backoffice.security import current_staff, request_actor
from backoffice.services import staff_profile
from backoffice.services.labels import ROLE_LABELS
from backoffice.services.support.queues import request_types


class ProfileForm(BoundedForm):
    name = StringField("Name", validators=[Length(max=120)])
    time_zone = StringField("Time zone", validators=[Length(max=64)],
                            description="Type a city or region and pick it from the list, for example Europe/Berlin.")
    # the service checks the codes; the form only carries them (its own check would say "Not a valid choice")
    queues = SelectMultipleField("The queues I work", validate_choice=False)


class ProfileView(StaffBaseView):
    read_roles = ALL_STAFF
    write_roles = ALL_STAFF  # each person writes only their own profile: the view never takes anyone else's id

    def is_visible(self) -> bool:
        return False  # reached from the name in the navigation bar, not from the menu

    @expose("/", methods=["GET", "POST"])
    def index(self):
        staff = current_staff()
        works_queues = staff.role == StaffRole.SUPPORT
        form = ProfileForm()
        if works_queues:
            form.queues.choices = [(kind.code, kind.name) for kind in request_types()]
        if not form.is_submitted():
            form.name.data, form.time_zone.data = staff.name, staff.time_zone
            form.queues.data = [kind.code for kind in staff_profile.worked_queues(staff.id)] if works_queues else []
        elif form.validate():
            try:
                changed = staff_profile.update_profile(staff, form.name.data, form.time_zone.data,
                                                       form.queues.data or [], request_actor())
            except staff_profile.ProfileRefused as refused:
                db.session.rollback()
                for name, message in refused.errors.items():
                    form[name].errors = [*form[name].errors, message]
                flash(refused.message, "error")
            else:
                flash("Your profile is saved." if changed else "Nothing changed.", "success" if changed else "info")
                return redirect(url_for(".index"))
        status, now = (422 if form.errors else 200), utcnow()
        return self.render("console/profile.html", form=form, staff=staff, works_queues=works_queues,
                           zones=staff_profile.zone_options(now), now=now,
                           role_label=ROLE_LABELS[staff.role], title="My profile"), status


def register(admin) -> None:
    """The profile view, and the role's label for the navigation bar's name link (console/base.html)."""
    admin.add_view(ProfileView(name="My profile", endpoint="profile", url="/console/profile"))
    admin.app.jinja_env.globals["staff_role_label"] = lambda role: ROLE_LABELS.get(role, role)
