"""Online courses (FAQ §01): the catalogue, and choosing or leaving a course."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from backoffice.portal import portal
from backoffice.portal.guards import customer_required
from backoffice.security import current_customer, request_actor
from backoffice.services import ServiceError
from backoffice.services import courses as course_service


@portal.route("/courses")
@customer_required
def courses():
    rows = course_service.catalogue(current_customer())
    return render_template("portal/courses.html", rows=rows, title="Online courses")


@portal.route("/courses/<int:course_id>/choose", methods=["POST"])
@customer_required
def choose_course(course_id: int):
    try:
        course = course_service.enroll(current_customer(), course_id, request_actor())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"You chose the course “{course.title}”.", "success")
    return redirect(url_for("portal.courses"))


@portal.route("/courses/<int:course_id>/leave", methods=["POST"])
@customer_required
def leave_course(course_id: int):
    try:
        course = course_service.leave(current_customer(), course_id, request_actor())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"You left the course “{course.title}”.", "info")
    return redirect(url_for("portal.courses"))
