"""Every staff member's own profile at /console/profile/: their name, the time zone every console time shows in,
for support engineers the queues they work, and which notification mails they get (a form of its own). Only
one's own: there is no URL naming another person."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length

from backoffice.clock import utcnow
from backoffice.console.access import ALL_STAFF, StaffBaseView
from backoffice.extensions import db
from backoffice.inputs.forms import BoundedForm
from backoffice.models import StaffRole
from backoffice.security import current_staff, request_actor
from backoffice.services import ServiceError, staff_profile
from backoffice.services.labels import ROLE_LABELS
from backoffice.services.support import staff_notices
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
        return self._page(staff, form, status=422 if form.errors else 200)

    @expose("/notices", methods=["POST"])
    def notices(self):
        """The notification switches: the boxes ticked are the mails wanted; the others are switched off."""
        staff = current_staff()
        try:
            changed = staff_notices.save_switches(staff, request.form.getlist("notices"), request_actor())
        except ServiceError as refused:
            db.session.rollback()
            flash("Nothing was saved: check the notifications below.", "error")
            return self._page(staff, self._profile_form(staff), notices_error=refused.message, status=422)
        flash("Your notifications are saved." if changed else "Nothing changed.", "success" if changed else "info")
        return redirect(url_for(".index", _anchor="notices"))

    def _profile_form(self, staff) -> ProfileForm:
        form = ProfileForm(formdata=None)
        form.name.data, form.time_zone.data = staff.name, staff.time_zone
        if staff.role == StaffRole.SUPPORT:
            form.queues.choices = [(kind.code, kind.name) for kind in request_types()]
            form.queues.data = [kind.code for kind in staff_profile.worked_queues(staff.id)]
        return form

    def _page(self, staff, form: ProfileForm, notices_error: str | None = None, status: int = 200):
        now, on = utcnow(), staff_notices.switched_on(staff)
        switches = [(notice, staff_notices.NOTICE_LABELS[notice], notice in on)
                    for notice in staff_notices.notices_for(staff)]
        return self.render("console/profile.html", form=form, staff=staff,
                           works_queues=staff.role == StaffRole.SUPPORT, zones=staff_profile.zone_options(now),
                           now=now, role_label=ROLE_LABELS[staff.role], switches=switches,
                           notices_error=notices_error, title="My profile"), status


def register(admin) -> None:
    """The profile view, and the role's label for the navigation bar's name link (console/base.html)."""
    admin.add_view(ProfileView(name="My profile", endpoint="profile", url="/console/profile"))
    admin.app.jinja_env.globals["staff_role_label"] = lambda role: ROLE_LABELS.get(role, role)
