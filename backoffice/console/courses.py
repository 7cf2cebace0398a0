"""The online course catalogue (FAQ §01): staff create, edit, publish and remove courses."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from backoffice.console.access import ADMIN, ALL_STAFF, StaffModelView, refuse
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services import courses as course_service


class CourseView(StaffModelView):
    read_roles = ALL_STAFF
    write_roles = ADMIN + ("support",)
    allow_create = True
    allow_edit = True
    allow_delete = True
    record_noun = "course"

    column_list = ["title", "is_published", "duration_minutes", "enrolled", "created_at"]
    column_default_sort = ("title", False)
    column_sortable_list = ["title", "created_at"]
    column_labels = {"is_published": "Published", "duration_minutes": "Minutes", "created_at": "Created"}
    column_formatters = {"enrolled": lambda view, context, model, name: course_service.enrollment_count(model)}
    column_details_list = ["title", "summary", "is_published", "duration_minutes", "created_at"]
    form_columns = ["title", "summary", "duration_minutes", "is_published"]
    form_overrides = {"title": StringField, "summary": TextAreaField, "is_published": BooleanField,
                      "duration_minutes": IntegerField}
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=160)]},
        "summary": {"validators": [DataRequired()], "render_kw": {"rows": 5}},
        "duration_minutes": {"label": "Duration (minutes)", "validators": [Optional(), NumberRange(1, 10_000)]},
        "is_published": {"label": "Published: customers can choose it"},
    }

    def _values(self, form) -> dict:
        return {name: form[name].data for name in self.form_columns}

    def create_model(self, form):
        try:
            return course_service.create_course(self._values(form), request_actor())
        except ServiceError as error:
            return refuse(form, error)

    def update_model(self, form, model):
        try:
            course_service.update_course(model, self._values(form), request_actor())
        except ServiceError as error:
            return refuse(form, error)
        return True

    def delete_model(self, model):
        course_service.delete_course(model, request_actor())
        return True
