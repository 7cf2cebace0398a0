"""Each staff member's own API tokens at /console/api-tokens/ (linked from the profile page): make one (shown
once), see when each was last used, revoke one (asking first). Only one's own: no URL names another person."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose

from backoffice.clock import utcnow
from backoffice.console.access import ALL_STAFF, StaffBaseView
from backoffice.console.confirm import confirm_page, confirmed
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.inputs.text import showable_text
from backoffice.security import current_staff, request_actor
from backoffice.services import ServiceError, api_tokens
from backoffice.services.api_scopes import ACCESS_LABELS, AREA_LABELS, AREAS, role_allows

LIFETIMES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class ApiTokenView(StaffBaseView):
    read_roles = ALL_STAFF
    write_roles = ALL_STAFF  # each person manages only their own tokens

    def is_visible(self) -> bool:
        return False  # reached from the profile page

    @expose("/")
    def index(self):
        return self._page()

    def _page(self, status: int = 200, errors=None, values=None, new_secret: str | None = None, new_token=None):
        staff = current_staff()
        choices = [(area, AREA_LABELS[area], [access for access in ("read", "write")
                                              if role_allows(staff.role, area, access)]) for area in AREAS]
        now = utcnow()
        return self.render("console/api_tokens.html", tokens=api_tokens.tokens_of(staff), staff=staff,
                           choices=[choice for choice in choices if choice[2]], access_labels=ACCESS_LABELS,
                           lifetimes=LIFETIMES, errors=errors or {}, values=values or {}, now=now,
                           is_live=lambda token: api_tokens.is_live(token, staff, now), area_labels=AREA_LABELS,
                           new_secret=new_secret, new_token=new_token, title="My API tokens"), status

    @expose("/create", methods=["POST"])
    def create(self):
        staff = current_staff()
        # one radio group per area: none, read or write (write includes read)
        scopes = [f"{area}:{request.form.get(f'area-{area}')}" for area in AREAS
                  if request.form.get(f"area-{area}") in ("read", "write")]
        values = {"name": showable_text(request.form.get("name", "")), "scopes": scopes,
                  "days": request.form.get("days", "")}
        try:
            secret, token = api_tokens.create_token(staff, request.form.get("name", ""), scopes,
                                                    bounded_int(request.form.get("days")), request_actor())
        except api_tokens.TokenRefused as refused:
            db.session.rollback()
            return self._page(422, refused.errors, values)
        # the page itself, not a redirect: the secret is in this one response (no-store) and nowhere else
        return self._page(201, new_secret=secret, new_token=token)

    @expose("/<int:token_id>/revoke", methods=["POST"])
    def revoke(self, token_id: int):
        if not confirmed():
            return confirm_page(self, "Revoke this token?", "Revoke the token", url_for(".index"),
                                "Scripts using it stop working at once; this cannot be undone.")
        try:
            token = api_tokens.revoke_token(current_staff(), token_id, request_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"The token “{token.name}” is revoked.", "success")
        return redirect(url_for(".index"))


def register(admin) -> None:
    admin.add_view(ApiTokenView(name="My API tokens", endpoint="api_tokens", url="/console/api-tokens"))
