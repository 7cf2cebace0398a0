"""The schema comes only from the migrations: they match the models, and go down and up again cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from backoffice.database import include_object
from backoffice.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(app):
    tables_before = set(inspect(db.engine).get_table_names())
    assert {"customers", "staff_users", "audit_events", "outbox_messages", "one_time_tokens"} <= tables_before
    downgrade(revision="base")
    db.engine.dispose()
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(revision="heads")
    db.engine.dispose()
    assert set(inspect(db.engine).get_table_names()) == tables_before


def test_case_insensitive_email_is_enforced_by_the_database(app, make):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from backoffice.models import Customer

    make.customer(email="someone@example.com")
    db.session.add(Customer(email="Someone@Example.com", status="active"))
    with pytest.raises(IntegrityError):  # the CHECK refuses a mixed-case address outright
        db.session.commit()
    db.session.rollback()
    db.session.add(Customer(email="someone@example.com", status="active"))
    with pytest.raises(IntegrityError):  # and the unique index refuses the same address again
        db.session.commit()
    db.session.rollback()


def test_unknown_status_is_refused_by_the_database(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from backoffice.models import Customer

    db.session.add(Customer(email="x@example.com", status="deleted"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
