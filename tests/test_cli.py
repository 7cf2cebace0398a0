"""The `backoffice` commands, run through Click's test runner against the real database."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import (
    AuditEvent,
    Customer,
    OutboxMessage,
    OutboxStatus,
    StaffQueue,
    StaffUser,
    SupportRequestType,
)
from backoffice.security import verify_password
from backoffice.seeding.files import demo_data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_seed_demo_is_idempotent(runner):
    people = demo_data("people")  # seeds/demo/people.toml
    assert {person["role"] for person in people["staff"]} == {"admin", "support", "analyst"}
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _row_counts()
    assert counts["staff_users"] >= len(people["staff"]) and counts["customers"] >= len(people["customers"]) + 1
    for person in people["staff"]:
        assert person["email"] in first.output and person["password"] in first.output
        staff = db.session.scalar(select(StaffUser).where(StaffUser.email == person["email"]))
        assert staff.name == person["name"] and staff.role == person["role"]
        assert verify_password(staff.password_hash, person["password"])
        worked = db.session.scalars(select(SupportRequestType.code).join(
            StaffQueue, StaffQueue.request_type_id == SupportRequestType.id).where(StaffQueue.staff_id == staff.id))
        assert sorted(worked) == sorted(person.get("queues", []))
    for person in people["customers"]:
        customer = db.session.scalar(select(Customer).where(Customer.email == person["email"]))
        assert (customer.name, customer.country) == (person["name"], person["country"])
    for code in demo_data("licensing")["codes"]:
        assert code["code"] in first.output
    assert counts["canned_responses"] == len(demo_data("support")["canned"])
    assert counts["viruslab_submissions"] == len(demo_data("viruslab")["requests"])

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _row_counts() == counts  # every table, whatever later issues add to the demo


def test_create_staff_prompts_for_the_password_twice(runner):
    result = runner.invoke(args=["create-staff", "--email", "New.Admin@Example.com", "--role", "admin"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat password:" in result.output
    assert "a long enough password" not in result.output  # hidden input
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == "new.admin@example.com"))
    assert (staff.role, staff.name) == ("admin", "New.Admin")
    assert verify_password(staff.password_hash, "a long enough password")
    assert f"Created admin new.admin@example.com (id {staff.id})." in result.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.created"))
    assert (event.actor_type, event.actor_label) == ("system", "cli")


def test_create_staff_refuses_mismatched_passwords(runner):
    result = runner.invoke(args=["create-staff", "--email", "a@example.com", "--role", "support"],
                           input="a long enough password\na different password!\n")
    assert result.exit_code == 1
    assert "The passwords differ." in result.output
    assert _count(StaffUser) == 0


def test_create_staff_refuses_a_short_password(runner, app):
    result = runner.invoke(args=["create-staff", "--email", "a@example.com", "--role", "support"],
                           input="short\nshort\n")
    assert result.exit_code == 1
    assert f"Use at least {app.config['PASSWORD_MIN_LENGTH']} characters." in result.output
    assert _count(StaffUser) == 0


def test_create_staff_refuses_a_duplicate_email_before_asking_for_a_password(runner, make):
    make.staff("support", email="taken@example.com")
    result = runner.invoke(args=["create-staff", "--email", "TAKEN@example.com", "--role", "admin"], input="")
    assert result.exit_code == 1
    assert "A staff user with this e-mail already exists." in result.output
    assert "Password:" not in result.output
    assert _count(StaffUser) == 1


def test_create_staff_refuses_an_invalid_email(runner):
    result = runner.invoke(args=["create-staff", "--email", "not-an-address", "--role", "admin"], input="")
    assert result.exit_code == 1
    assert "Enter a valid e-mail address" in result.output
    assert _count(StaffUser) == 0


def test_seed_scale_adds_the_requested_rows(runner, make):
    make.customer()
    result = runner.invoke(args=["seed-scale", "--customers", "1200", "--batch", "500"])
    assert result.exit_code == 0, result.output
    assert _count(Customer) == 1201
    assert db.session.scalar(select(func.count(func.distinct(Customer.email)))) == 1201
    assert db.session.scalar(select(func.count()).where(Customer.email.like("%@scale.example.com"))) == 1200


def test_worker_once_delivers_due_mail(smtp, runner, app):
    for number in range(3):
        queue_mail(f"reader{number}@example.com", f"Notice {number}", "staff_locked", name="R", failures=1)
    db.session.commit()

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "done 3, retrying 0, failed 0" in result.output
    assert sorted(m["To"] for m in smtp.messages) == [f"reader{n}@example.com" for n in range(3)]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)) == 3
    again = runner.invoke(args=["worker", "--once"])
    assert again.exit_code == 0 and again.output == ""
    assert len(smtp.messages) == 3


def test_worker_once_reports_an_unusable_database(tmp_path):
    from backoffice import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path / 'empty.db'}", storage_dir=str(tmp_path)))  # never migrated
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "database unavailable" in result.output and "jobs" in result.output
    with app.app_context():
        db.engine.dispose()


def test_worker_refuses_an_unknown_kind(runner):
    result = runner.invoke(args=["worker", "--once", "--kind", "mail.sned"])
    assert result.exit_code == 2
    assert "unknown job kind mail.sned" in result.output and "mail.send" in result.output
