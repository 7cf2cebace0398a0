"""YARA rules analysts add (the shipped ones live in seeds/yara/): each is compiled when saved (once, by the
service), a rule that does not compile is refused with the compiler's message beside the source, and one that
compiles with warnings is saved and the warnings are shown."""

from __future__ import annotations

from flask import flash
from wtforms import TextAreaField

from backoffice.console.access import StaffModelView, refuse
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.viruslab import analyst_rules

ANALYSTS = ("admin", "analyst")


class YaraRuleView(StaffModelView):
    read_roles = ANALYSTS
    write_roles = ANALYSTS
    allow_create = True
    allow_edit = True
    allow_delete = True
    record_noun = "YARA rule"

    column_list = ["name", "enabled", "created_by", "updated_at"]
    column_details_list = ["name", "enabled", "source", "created_by", "created_at", "updated_at"]
    column_default_sort = ("name", False)
    column_labels = {"created_by": "Added by", "updated_at": "Changed"}
    form_columns = ["name", "source", "enabled"]
    form_overrides = {"source": TextAreaField}
    form_args = {"source": {"description": "YARA source; compiled when you save."}}
    form_widget_args = {"source": {"rows": 14, "class": "form-control text-monospace", "spellcheck": "false"}}

    def create_model(self, form):
        try:
            saved = analyst_rules.create_rule(request_actor(), form.name.data, form.source.data, form.enabled.data)
        except ServiceError as error:
            return _refuse(form, error)
        _flash_warnings(saved)
        return saved.rule

    def update_model(self, form, model):
        try:
            saved = analyst_rules.update_rule(request_actor(), model, form.name.data, form.source.data,
                                              form.enabled.data)
        except ServiceError as error:
            return _refuse(form, error)
        _flash_warnings(saved)
        return True

    def delete_model(self, model):
        analyst_rules.delete_rule(request_actor(), model)
        return True


def _flash_warnings(saved: analyst_rules.SavedRule) -> None:
    if saved.warnings:  # a rule set of thousands of rules may warn about many strings: the first ten, and a count
        shown = "; ".join(saved.warnings[:10])
        more = f" (and {len(saved.warnings) - 10} more)" if len(saved.warnings) > 10 else ""
        flash(f"Rule {saved.rule.name} saved, with warnings: {shown}{more}", "warning")


_refuse = refuse
